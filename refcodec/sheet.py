"""An offline HTML contact sheet of a folder of ``.gpc`` files (``gpc sheet``).

One self-contained file: each card shows the file's reference image (a ``data:`` PNG
URI, or a placeholder for a text-only file), its description with invisible and bidi
control characters made visible and HTML-escaped, its size, bytes, bpp and its validity
(the clause of the first failed check). A Content-Security-Policy forbids every network
request, scripts included; nothing in a file can run or fetch anything.
"""

from __future__ import annotations

import base64
import html
import io
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Card", "card", "render_sheet", "visible_text"]

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_STYLE = """
body { font: 14px/1.4 sans-serif; margin: 16px; background: #f4f4f2; color: #161616; }
h1 { font-size: 18px; }
.grid { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid #ccc; width: 300px; padding: 8px; }
.card.invalid { border-color: #b00020; }
.thumb { width: 284px; height: 190px; display: flex; align-items: center;
         justify-content: center; background: #ddd; }
.thumb img { max-width: 284px; max-height: 190px; image-rendering: auto; }
.placeholder { color: #444; font-style: italic; }
.name { font-weight: bold; word-break: break-all; }
.facts { color: #333; font-size: 12px; }
.ok { color: #0a6b2d; } .bad { color: #b00020; }
.text { white-space: pre-wrap; font-size: 12px; max-height: 160px; overflow: auto;
        border-top: 1px solid #eee; margin-top: 4px; unicode-bidi: plaintext; }
.ctl { background: #ffe08a; color: #5a3b00; font-family: monospace; font-size: 10px; }
"""


@dataclass(frozen=True)
class Card:
    """One file of the sheet."""

    path: str
    file_bytes: int
    size: tuple[int, int] | None
    bpp: float | None
    clause: str | None  # None: valid
    message: str
    text: str | None
    reference_png: bytes | None


def visible_text(text: str) -> str:
    """``text`` HTML-escaped, with every control, format (bidi, zero-width), separator and
    private-use character shown as a marked ``U+XXXX`` instead of acting on the page."""
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char == "\n":
            out.append("\n")
        elif category in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp") or (
                category == "Zs" and char != " "):
            name = unicodedata.name(char, "")
            label = f"U+{ord(char):04X}" + (f" {name}" if name else "")
            out.append(f'<span class="ctl" title="{html.escape(label)}">'
                       f"&lt;U+{ord(char):04X}&gt;</span>")
        else:
            out.append(html.escape(char))
    return "".join(out)


def card(path: str | os.PathLike[str], model_dir: Path | None = None) -> Card:
    """Read and check one file (every check of the spec) for the sheet."""
    from .container import parse
    from .errors import BackendUnavailable, FormatError
    from .limits import MAX_FILE_BYTES
    from .views import reference_image

    name = os.fspath(path)
    with open(path, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    try:
        gpc = parse(data, model_dir=model_dir)
    except FormatError as exc:
        return Card(name, len(data), None, None, exc.clause, exc.message, None, None)
    except BackendUnavailable as exc:
        return Card(name, len(data), None, None, "UNCHECKED", str(exc), None, None)
    low = reference_image(gpc, model_dir)
    png = None
    if low is not None:
        buffer = io.BytesIO()
        low.save(buffer, "PNG")
        png = buffer.getvalue()
    size = (gpc.width, gpc.height)
    return Card(name, len(data), size, len(data) * 8 / (size[0] * size[1]), None, "", gpc.text,
                png)


def _card_html(item: Card) -> str:
    if item.reference_png is not None:
        uri = "data:image/png;base64," + base64.b64encode(item.reference_png).decode("ascii")
        thumb = f'<img alt="reference image" src="{uri}">'
    elif item.clause is None:
        thumb = '<span class="placeholder">text-only file: no reference image</span>'
    else:
        thumb = '<span class="placeholder bad">not shown: invalid file</span>'
    if item.clause is None:
        status = '<span class="ok">valid</span>'
    else:
        status = (f'<span class="bad">{"UNCHECKED" if item.clause == "UNCHECKED" else "INVALID"}'
                  f" [{html.escape(item.clause)}] {visible_text(item.message)}</span>")
    facts = f"{item.file_bytes} bytes"
    if item.size is not None and item.bpp is not None:
        facts = f"{item.size[0]}&#215;{item.size[1]}, {facts}, {item.bpp:.6f} bpp"
    text = f'<div class="text">{visible_text(item.text)}</div>' if item.text is not None else ""
    kind = "card" if item.clause is None else "card invalid"
    return (f'<div class="{kind}"><div class="thumb">{thumb}</div>'
            f'<div class="name">{visible_text(item.path)}</div>'
            f'<div class="facts">{facts} &#8212; {status}</div>{text}</div>')


def render_sheet(cards: Iterable[Card], title: str) -> str:
    """The whole HTML document."""
    items = list(cards)
    valid = sum(c.clause is None for c in items)
    body = "\n".join(_card_html(c) for c in items)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n"
            f"<body><h1>{visible_text(title)}: {len(items)} file(s), {valid} valid</h1>\n"
            f'<div class="grid">\n{body}\n</div></body></html>\n')
