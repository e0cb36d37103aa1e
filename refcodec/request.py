"""The normative generation request a decoder derives from a file (spec/gpc.md §12).

Everything in it follows from the file alone: the exact prompt (template text
plus description, §11), the output size, the size to ask a generator for and
the reference image, if any. Its canonical JSON form (REQ-2) is what the
conformance suite compares byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import registry
from .container import GpcFile
from .errors import FormatError

__all__ = [
    "REQUEST_VERSION",
    "GenerationRequest",
    "derive_request",
    "generator_size",
    "lowres_pixels",
    "prompt_for",
]

REQUEST_VERSION = 1

#: REQ-4: sizes every GPT image model and most OpenAI-compatible servers accept.
SQUARE, LANDSCAPE, PORTRAIT = (1024, 1024), (1536, 1024), (1024, 1536)


@dataclass(frozen=True)
class GenerationRequest:
    """What to ask an image generator for (REQ-1)."""

    prompt: str
    width: int
    height: int
    generator_width: int
    generator_height: int
    template: str
    reference_image: dict[str, Any] | None = None

    @property
    def operation(self) -> str:
        """``generate`` (text only) or ``edit`` (text plus reference image), REQ-1."""
        return "generate" if self.reference_image is None else "edit"

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_version": REQUEST_VERSION,
            "operation": self.operation,
            "prompt": self.prompt,
            "width": self.width,
            "height": self.height,
            "generator_size": f"{self.generator_width}x{self.generator_height}",
            "template": self.template,
            "reference_image": self.reference_image,
        }

    def to_json(self) -> bytes:
        """Canonical JSON (REQ-2): sorted keys, no whitespace, UTF-8, no final newline."""
        return json.dumps(
            self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode("utf-8")


def generator_size(width: int, height: int) -> tuple[int, int]:
    """REQ-4: the generator size for an output size, by integer aspect-ratio rule."""
    if 4 * width > 5 * height:
        return LANDSCAPE
    if 4 * height > 5 * width:
        return PORTRAIT
    return SQUARE


def prompt_for(template_id: int, text: str, with_reference: bool) -> str:
    """TPL-3: the exact prompt for a description under a template."""
    row = registry.template(template_id)
    if row is None:
        msg = f"unknown prompt template {template_id}"
        raise FormatError("TPL-1", msg)
    role = "generate-with-reference" if with_reference else "generate"
    if row.file_for(role) is None:
        return text
    return registry.template_text(template_id, role) + text


def lowres_pixels(gpc: GpcFile, model_dir: Path | None = None) -> tuple[bytes, int, int] | None:
    """The decoded reference image (spec/lowres.md LRS-1) as (RGB8 bytes, width, height),
    or None for a text-only file. Raises FormatError when it cannot be decoded (REQ-3)."""
    chunk = gpc.image_chunk
    if chunk is None:
        return None
    decoded = chunk.decode(gpc.width, gpc.height, model_dir, read_version=gpc.read_version)
    return decoded.rgb, decoded.width, decoded.height


def derive_request(gpc: GpcFile, model_dir: Path | None = None) -> GenerationRequest:
    """Derive the generation request of a file (§12); a parsed file's reference image is
    not decoded again."""
    reference_image = None
    chunk = gpc.image_chunk
    if chunk is not None:
        reference_image = chunk.decode(gpc.width, gpc.height, model_dir,
                                       read_version=gpc.read_version).request_member
    row = registry.template(gpc.template)
    assert row is not None  # TPL-1, checked by the schema
    gen_w, gen_h = generator_size(gpc.width, gpc.height)
    return GenerationRequest(
        prompt=prompt_for(gpc.template, gpc.text, reference_image is not None),
        width=gpc.width,
        height=gpc.height,
        generator_width=gen_w,
        generator_height=gen_h,
        template=row.name,
        reference_image=reference_image,
    )
