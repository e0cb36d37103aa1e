"""Cost bounds of the informative preview (spec/lowres.md LRS-13).

A header may declare up to 16,384 x 16,384 pixels (LIM-2); upscaling the reference image
to that size costs about a gigabyte and ten seconds, for a view nobody needs at that size.
The preview is therefore scaled to fit inside ``PREVIEW_MAX_SIDE`` on its longer side,
keeping the header's aspect ratio; headers within that size are unchanged.
"""

from __future__ import annotations

__all__ = ["PREVIEW_MAX_SIDE", "preview_size"]

#: Longest side of the preview, in pixels: the largest size preset (2048 x 2048).
PREVIEW_MAX_SIDE = 2048


def preview_size(width: int, height: int) -> tuple[int, int]:
    """The preview size for a ``width`` x ``height`` header: the same size if both sides
    fit in PREVIEW_MAX_SIDE, else scaled down to fit (each side at least 1)."""
    longest = max(width, height)
    if longest <= PREVIEW_MAX_SIDE:
        return width, height
    return (max(1, width * PREVIEW_MAX_SIDE // longest),
            max(1, height * PREVIEW_MAX_SIDE // longest))
