"""Keeps spec/gpc.md in step with the registry (spec §17, Appendix B).

The spec's registry tables and template texts sit between marker comments;
:func:`sync` regenerates them from :mod:`refcodec.registry`. The test suite
asserts ``sync(spec) == spec``; ``python -m refcodec.spectext spec/gpc.md``
rewrites the file after a registry change.
"""

from __future__ import annotations

import re
import sys
from importlib import resources

from .registry import markdown_tables

__all__ = ["sync"]

_TABLE = re.compile(r"(<!-- registry:([a-z-]+) -->\n).*?(<!-- /registry -->)", re.DOTALL)
_TEMPLATE = re.compile(r"(<!-- template:([^ ]+) -->\n).*?(<!-- /template -->)", re.DOTALL)


def _template_block(name: str) -> str:
    text = resources.files("refcodec").joinpath("data/templates", name).read_text("utf-8")
    return f"```text\n{text}```\n"


def sync(spec: str) -> str:
    """Return ``spec`` with every registry table and template text regenerated."""
    tables = markdown_tables()

    def table(match: re.Match[str]) -> str:
        return f"{match[1]}{tables[match[2]]}\n{match[3]}"

    def template(match: re.Match[str]) -> str:
        return f"{match[1]}{_template_block(match[2])}{match[3]}"

    return _TEMPLATE.sub(template, _TABLE.sub(table, spec))


if __name__ == "__main__":  # pragma: no cover - developer tool
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as handle:
            old = handle.read()
        new = sync(old)
        if new != old:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(new)
            print(f"updated {path}")
