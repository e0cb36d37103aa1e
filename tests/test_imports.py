"""The module graph of ``refcodec`` has no cycle.

Every import counts, at module level or inside a function: a lazy import that closes a
cycle is still a cycle in the design. Edges follow what is named (``from . import x`` is an
edge to the submodule ``x``; ``from .m import name`` an edge to ``m``); the implicit import
of a parent package is not an edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "refcodec"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert "refcodec.registry" in graph["refcodec.codecs"]
    assert "refcodec.chunks.base" in graph["refcodec.chunks.text"]
    assert "refcodec.lowres.png" in graph["refcodec.lowres"]


def test_refcodec_has_no_import_cycle() -> None:
    assert _cycle(_graph()) is None, " -> ".join(_cycle(_graph()) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_building_the_parser_imports_no_codec_schema_or_backend() -> None:
    """``gpc validate`` of many files pays the interpreter's start once per call; building the
    parser must not import the container schema, the backends or the eval runner (they load
    when a command needs them)."""
    import subprocess
    import sys

    heavy = ["construct", "asyncio", "refcodec.container", "refcodec.schema",
             "refcodec.backends", "refcodec.evaluate.runner", "refcodec.encoder", "PIL"]
    code = ("import sys\nfrom refcodec.cli import build_parser\nbuild_parser()\n"
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""
    # and the lazy names still resolve
    code = "import refcodec\nprint(refcodec.parse.__module__, refcodec.encode.__module__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["refcodec.container", "refcodec.compose"]


def test_the_public_functions_stay_functions_after_any_submodule_import() -> None:
    """A submodule named like a public function would replace it on the package once
    imported (the lazy names of refcodec/__init__.py would then break)."""
    import importlib
    import pkgutil

    import refcodec

    for info in pkgutil.walk_packages(refcodec.__path__, "refcodec."):
        if info.name.rsplit(".", 1)[1] in refcodec.__all__:
            msg = f"{info.name} shadows refcodec.{info.name.rsplit('.', 1)[1]}"
            raise AssertionError(msg)
    importlib.import_module("refcodec.compose")
    assert callable(refcodec.encode)
    assert refcodec.encode.__module__ == "refcodec.compose"
