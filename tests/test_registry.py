"""The registry is the single source of IDs: spec tables, CLI choices and pins agree with it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from refcodec import cli, registry
from refcodec.spectext import sync

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "gpc.md"


def test_spec_tables_and_template_texts_match_registry() -> None:
    text = SPEC.read_text("utf-8")
    assert sync(text) == text, "run: python -m refcodec.spectext spec/gpc.md"


def test_spec_has_every_registry_table() -> None:
    text = SPEC.read_text("utf-8")
    for name, table in registry.markdown_tables().items():
        assert f"<!-- registry:{name} -->\n{table}\n<!-- /registry -->" in text


@pytest.mark.parametrize("row", registry.TEMPLATES, ids=lambda t: t.name)
def test_template_files_match_pinned_sha256(row: registry.Template) -> None:
    base = ROOT / "spec" / "templates"
    for (role, name), (role2, digest) in zip(row.files, row.sha256, strict=True):
        assert role == role2
        data = (base / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest
        assert data.endswith(b"\n")
        assert not data.endswith(b"\n\n")
        assert registry.template_text(row.id, role) == data.decode("utf-8")


def test_ids_are_unique_and_in_range() -> None:
    tags = [c.tag for c in registry.CHUNK_TYPES]
    assert len(set(tags)) == len(tags)
    assert all(not t & 0x40 and t & 0x3F for t in tags)  # reserved bit clear, type != 0
    for rows in (registry.TEXT_CODECS, registry.TEMPLATES, registry.SIZE_PRESETS):
        ids = [r.id for r in rows]
        assert len(set(ids)) == len(ids)
        assert all(0 <= i < 128 for i in ids)  # one-byte varints
    dims = [(p.width, p.height) for p in registry.SIZE_PRESETS]
    assert len(set(dims)) == len(dims)
    assert 0 not in [p.id for p in registry.SIZE_PRESETS]  # 0 means explicit


def test_cli_choices_come_from_registry() -> None:
    parser = cli.build_parser()
    encode = parser._subparsers._group_actions[0].choices["encode"]  # type: ignore[union-attr]
    codec = next(a for a in encode._actions if a.dest == "text_codec")
    assert list(codec.choices) == ["auto", "portable", *(c.name for c in registry.TEXT_CODECS)]
    template = next(a for a in encode._actions if a.dest == "template")
    for row in registry.TEMPLATES:
        assert row.name in template.help
        assert template.type(row.name) == row.id
        assert template.type(str(row.id)) == row.id


def test_spec_clause_ids_are_unique_definitions() -> None:
    text = SPEC.read_text("utf-8")
    defined = re.findall(r"\*\*\[([A-Z]+-\d+)\]\*\*", text)
    assert len(defined) == len(set(defined)), "a clause is defined twice"
    assert {"SIG-1", "VER-1", "INT-1", "CHK-3", "TXT-4", "LIM-3", "REQ-2", "ORD-1"} <= set(defined)


def test_every_clause_the_code_raises_is_defined_in_spec() -> None:
    text = "".join((SPEC.parent / name).read_text("utf-8")
                   for name in ("gpc.md", "lowres.md", "text-codec.md", "neural.md"))
    defined = set(re.findall(r"\*\*\[([A-Z]+-\d+)\]\*\*", text))
    raised: set[str] = set()
    for path in (ROOT / "refcodec").rglob("*.py"):
        raised |= set(re.findall(r'(?:FormatError|Require)\(\s*"([A-Z]+-\d+)"', path.read_text()))
    assert raised, "no clause found: the pattern is stale"
    assert raised <= defined, raised - defined


def test_every_row_has_an_implementation_and_every_implementation_a_row() -> None:
    import refcodec.lowres
    import refcodec.textcodecs  # noqa: F401  (registers the text codecs)
    from refcodec import codecs
    from refcodec.chunks import HANDLERS

    assert sorted(codecs.TEXT) == sorted(r.id for r in registry.TEXT_CODECS)
    assert sorted(codecs.IMAGE) == sorted(r.id for r in registry.IMAGE_CODECS)
    assert sorted(HANDLERS) == sorted(r.tag for r in registry.CHUNK_TYPES)
    for ident, impl in codecs.TEXT.items():
        assert impl.row is registry.text_codec(ident)
    for ident, image in codecs.IMAGE.items():
        assert image.row is registry.image_codec(ident)
    for tag, handler in HANDLERS.items():
        assert handler.row is registry.chunk_type(tag)
        assert handler.value_class.tag == tag  # type: ignore[attr-defined]
    for model in registry.MODELS:  # every model names a registered image codec
        assert registry.by_name(registry.IMAGE_CODECS, model.codec) is not None


def test_an_implementation_naming_no_row_is_refused() -> None:
    from refcodec import codecs

    with pytest.raises(LookupError, match="not in refcodec.registry"):
        codecs.register_text_codec("lzma", encode=bytes, decode=lambda d, n: d)
    with pytest.raises(LookupError, match="not in refcodec.registry"):
        codecs.register_image_codec("jpeg", decode=codecs.exact_pixels(lambda d, w, h: d))
    assert "lzma" not in {impl.row.name for impl in codecs.TEXT.values()}


def test_ids_are_written_only_in_the_registry() -> None:
    """No module but refcodec/registry.py assigns a codec ID or chunk tag constant."""
    pattern = re.compile(r"^(?:ID|CODEC_ID|TAG_\w+|STORED|DEFLATE|BROTLI|GPC_PPM1|"
                         r"NEURAL_CODEC_ID)\s*=\s*(?:0x)?\d", re.M)
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "refcodec").rglob("*.py")
                 if path.name != "registry.py" and pattern.search(path.read_text("utf-8"))]
    assert offenders == []


def test_a_model_is_verified_only_with_both_digests() -> None:
    """NRL-12 rejects a row without recorded digests; writer and reader ask ``verified``."""
    import dataclasses

    test_row = next(row for row in registry.MODELS if row.test_only)
    assert test_row.verified
    assert not dataclasses.replace(test_row, tables_sha256=None).verified
    assert not dataclasses.replace(test_row, sha256=None).verified
    assert not any(row.verified for row in registry.MODELS if not row.test_only)
