"""The README's main job: `gpc demo`, offline and against the local OpenAI-compatible server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import refcodec

pytest.importorskip("openai")
pytest_plugins = ["tests.openai_fixtures"]


def run_demo(out: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "refcodec", "demo", "-o", str(out)],
                          capture_output=True, text=True, env=env, check=False, timeout=600)


def test_demo_offline_writes_valid_files_requests_and_previews(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_"))}
    run = run_demo(tmp_path, env)
    assert run.returncode == 0, run.stderr
    files = sorted(tmp_path.glob("*.gpc"))
    assert len(files) == 9
    for path in files:
        gpc = refcodec.read(path)
        request = path.with_suffix(".request.json").read_bytes()
        assert request == refcodec.derive_request(gpc).to_json()
    assert len(list(tmp_path.glob("*.preview.png"))) == 3
    assert "9 files written" in run.stdout
    assert "No model was used" in run.stdout


def test_demo_live_captions_and_renders(tmp_path: Path, stub_server) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_"))}
    env.update(OPENAI_API_KEY=stub_server.api_key, OPENAI_BASE_URL=stub_server.base_url,
               HOME=str(tmp_path))  # no user config file is read
    run = run_demo(tmp_path, env)
    assert run.returncode == 0, run.stdout + run.stderr
    renders = sorted(tmp_path.glob("*-captioned.render.png"))
    assert len(renders) == 3
    for render in renders:
        gpc = refcodec.read(render.with_name(render.name.replace(".render.png", ".gpc")))
        assert gpc.text.startswith("Image:")
    assert stub_server.api_key not in run.stdout + run.stderr
