"""Build the pinned prior of the GPC text model (spec/text-codec.md §6).

Usage: python -m tools.train_text_model [--check]   (from the repository root)

Reads the TRAIN split of descriptions/*.jsonl (never the eval split), primes a
PPM table with every training text in ascending ``id`` order, prunes it and
writes refcodec/data/textmodels/ppm1.bin, then pins its SHA-256 in
refcodec/textmodel/tablefile.py and refreshes the digest, test vectors and
trace in spec/text-codec.md and the golden list in tests/test_textmodel.py.
Integer arithmetic only, inputs in a fixed order: running it twice gives
byte-identical files. ``--check`` rebuilds in memory and exits 1 if the
pinned file differs.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

from refcodec import textmodel
from refcodec.atomic import write_atomic
from refcodec.textmodel import ppm, tablefile
from refcodec.textmodel.ppm import (
    COUNT_LIMIT,
    HISTORY_MASK,
    MAX_ORDER,
    ORDER_MASKS,
    ORDER_SHIFT,
)
from refcodec.textmodel.rangecoder import RangeEncoder

ROOT = Path(__file__).resolve().parent.parent
DESCRIPTIONS = ROOT / "descriptions"
#: Texts whose coded bytes are pinned in tests/test_textmodel.py and spec/text-codec.md §8.
VECTOR_TEXTS = (
    ("Image: colour photograph, a red door in a stone wall; landscape.\nTop: pale blue sky.\n"
     "Bottom: grey cobbles."),
    "Light: soft overcast daylight; low contrast.",
    "Hello, 世界 🌍",
    "a",
)
#: Count added per training occurrence (the text itself adds TEXT_INCREMENT).
PRIME_INCREMENT = 1
#: Contexts of at least this order whose total count is at most PRUNE_MAX_TOTAL are dropped.
PRUNE_MIN_ORDER = 3
PRUNE_MAX_TOTAL = 1


def training_texts() -> list[bytes]:
    """Train-split texts, ascending by id (then text, for ties)."""
    rows = []
    for path in sorted(DESCRIPTIONS.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row["split"] == "train":
                    rows.append((row["id"], row["text"]))
    return [text.encode("utf-8") for _, text in sorted(rows)]


def prime(texts: list[bytes]) -> dict[int, dict[int, int]]:
    """Counts after a full update of every order for every byte of every text."""
    table: dict[int, dict[int, int]] = {}
    for text in texts:
        history = 0
        for symbol in text:
            for order, mask in ORDER_MASKS:
                counts = table.setdefault((order << ORDER_SHIFT) | (history & mask), {})
                counts[symbol] = counts.get(symbol, 0) + PRIME_INCREMENT
                if sum(counts.values()) > COUNT_LIMIT:
                    for sym, count in counts.items():
                        counts[sym] = (count + 1) >> 1
            history = ((history << 8) | symbol) & HISTORY_MASK
    return table


def prune(table: dict[int, dict[int, int]]) -> dict[int, dict[int, int]]:
    """Drop rarely seen high-order contexts (keeps the file small; costs ~0.2 %)."""
    return {
        key: counts for key, counts in table.items()
        if key >> ORDER_SHIFT < PRUNE_MIN_ORDER or sum(counts.values()) > PRUNE_MAX_TOTAL
    }


def build() -> bytes:
    return tablefile.serialize(prune(prime(training_texts())))


class RecordingEncoder(RangeEncoder):
    """A range encoder that also keeps every (cum, freq, total) it codes."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[int, int, int]] = []

    def encode(self, cum: int, freq: int, total: int) -> None:
        self.calls.append((cum, freq, total))
        super().encode(cum, freq, total)


def _replace_marked(text: str, name: str, body: str) -> str:
    marked = f"<!-- {name} -->{body}<!-- /{name} -->"
    return re.sub(f"<!-- {name} -->.*?<!-- /{name} -->", lambda _: marked, text, flags=re.S)


def refresh_pins(data: bytes) -> None:
    """Rewrite the digest, vectors and trace in the spec and the golden list in the tests."""
    table = tablefile.load_table()
    per_order = ", ".join(
        f"{sum(1 for key in table if key >> ORDER_SHIFT == order):,}"
        for order in range(MAX_ORDER + 1))
    vectors = [(text, textmodel.encode(text.encode("utf-8")).hex()) for text in VECTOR_TEXTS]
    rows = ["", "| text | `len` | `data` (hex) |", "|---|---|---|"]
    for text, hex_data in vectors:
        length = len(text.encode("utf-8"))
        mode = "raw mode" if len(hex_data) == 2 * length else "model stream"
        shown = text.replace("\n", "\\n")
        rows.append(f"| `{shown}` | {length} | `{hex_data}` ({mode}) |")
    trace = [
        "",
        "Trace of the second vector's first five bytes: the (`cum`, `freq`, `T`) triples coded for",
        "each byte, highest order first (an escape has `cum` = `n`; contexts absent from the",
        "table, or with every symbol excluded, code nothing):",
        "",
    ]
    sample = VECTOR_TEXTS[1].encode("utf-8")
    done = 0
    for index in range(5):
        recorder = RecordingEncoder()
        ppm.encode(sample[: index + 1], table, recorder)
        triples = ", ".join(f"({c}, {f}, {t})" for c, f, t in recorder.calls[done:])
        trace.append(f"- byte {index} `{chr(sample[index])}`: {triples}")
        done = len(recorder.calls)
    spec_path = ROOT / "spec" / "text-codec.md"
    spec = spec_path.read_text("utf-8")
    spec = _replace_marked(spec, "sha", f"`{tablefile.TABLE_SHA256}`\n  (the file is"
                           f" {len(data):,} bytes; contexts per order 0-4: {per_order})")
    spec = _replace_marked(spec, "vectors", "\n".join([*rows, ""]))
    spec = _replace_marked(spec, "trace", "\n".join([*trace, ""]))
    write_atomic(spec_path, spec.encode("utf-8"))
    test_path = ROOT / "tests" / "test_textmodel.py"
    tests = test_path.read_text("utf-8")
    head, rest = tests.split("GOLDEN = [", 1)
    body, tail = rest.split("\n]\n", 1)
    old = re.findall(r'"([0-9a-f]*)"\),', body)
    assert len(old) == len(vectors), "tests/test_textmodel.py: GOLDEN does not match VECTOR_TEXTS"
    for previous, (_, current) in zip(old, vectors, strict=True):
        body = body.replace(f'"{previous}"),', f'"{current}"),', 1)
    write_atomic(test_path, f"{head}GOLDEN = [{body}\n]\n{tail}".encode())


def main(argv: list[str]) -> int:
    data = build()
    digest = hashlib.sha256(data).hexdigest()
    if "--check" in argv:
        same = tablefile.TABLE_PATH.read_bytes() == data
        print(f"{'matches' if same else 'DIFFERS from'} {tablefile.TABLE_PATH.name} ({digest})")
        return 0 if same else 1
    write_atomic(tablefile.TABLE_PATH, data)
    source = Path(tablefile.__file__)
    pinned = re.sub(r'^TABLE_SHA256 = "[0-9a-f]{64}"$', f'TABLE_SHA256 = "{digest}"',
                    source.read_text("utf-8"), count=1, flags=re.MULTILINE)
    write_atomic(source, pinned.encode("utf-8"))
    print(f"wrote {tablefile.TABLE_PATH} ({len(data)} bytes), sha256 {digest}")
    print(f"pinned the digest in {source.relative_to(ROOT)}")
    tablefile.load_table.cache_clear()
    tablefile.TABLE_SHA256 = digest
    refresh_pins(data)
    print("updated the digest and vectors in spec/text-codec.md and tests/test_textmodel.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
