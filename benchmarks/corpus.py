"""The description corpus (descriptions/*.jsonl), for benchmarks and tests."""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTIONS = ROOT / "descriptions"
#: The photographs (Kodak, Wikimedia): ../shared/corpus beside the checkout, or $GPC_CORPUS.
PHOTOS = Path(os.environ.get("GPC_CORPUS", ROOT.parent / "shared" / "corpus"))


def load(kind: str | None = None, split: str | None = None) -> list[dict[str, str]]:
    """Every description of the given kind ("detailed"/"concise") and split ("train"/"eval")."""
    rows = []
    for path in sorted(DESCRIPTIONS.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line)
            if (kind is None or row["kind"] == kind) and (split is None or row["split"] == split):
                rows.append(row)
    return rows
