"""Pytest fixtures for the OpenAI backend tests: a live stub server and settings for it.

Test modules that need them say ``pytest_plugins = ["tests.openai_fixtures"]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from refcodec.backends.settings import BackendSettings
from tests.openai_server import TEST_KEY, StubServer, settings_for


@pytest.fixture
def stub_server() -> Iterator[StubServer]:
    """A running OpenAI-compatible server on 127.0.0.1 (a free port), key ``TEST_KEY``."""
    with StubServer(api_key=TEST_KEY) as server:
        yield server


@pytest.fixture
def stub_settings(stub_server: StubServer) -> BackendSettings:
    settings: BackendSettings = settings_for(stub_server)
    return settings


@pytest.fixture
def env_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StubServer]:
    """A stub server that the ``gpc`` command line finds through its environment
    (``OPENAI_BASE_URL``, ``OPENAI_API_KEY``, a config file without retries or proxies)."""
    config = tmp_path / "gpc.toml"
    config.write_text("trust_env = false\nmax_retries = 0\n")
    monkeypatch.setenv("GPC_CONFIG", str(config))
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    with StubServer(api_key=TEST_KEY) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        yield stub
