"""A Pillow plugin: ``Image.open("photo.gpc")`` gives the file's model-free preview.

    import refcodec.pillow_plugin  # registers the format
    from PIL import Image
    with Image.open("photo.gpc") as image:
        image.size            # the header size
        image.info["description"]   # the description text
        image.load()          # the preview (refcodec.preview): reference image upscaled,
                              # or a placeholder card showing the description

Read only: Pillow cannot save GPC (a description needs a captioner; use ``gpc encode``).
The file is fully validated when opened; an invalid file raises ``SyntaxError`` naming the
clause, which Pillow reports as "cannot identify image file".
"""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageFile

from .errors import FormatError
from .limits import MAX_FILE_BYTES

__all__ = ["GpcImageFile"]

_MAGIC = b"\x89GPC"


def _accept(prefix: bytes) -> bool:
    return prefix[:4] == _MAGIC


class GpcImageFile(ImageFile.ImageFile):
    """A ``.gpc`` file as a Pillow image: its header size, RGB, decoded on ``load``."""

    format = "GPC"
    format_description = "GPC generative image compression (model-free preview)"

    def _open(self) -> None:
        from .container import parse

        assert self.fp is not None
        data = self.fp.read(MAX_FILE_BYTES + 1)
        if not _accept(data):
            msg = "not a GPC file"
            raise SyntaxError(msg)
        try:
            gpc = parse(data)
        except FormatError as exc:
            msg = f"invalid GPC file: {exc}"
            raise SyntaxError(msg) from None
        self._size = (gpc.width, gpc.height)
        self._mode = "RGB"
        self.gpc = gpc
        self.info["description"] = gpc.text
        self.info["gpc_template"] = gpc.template
        self.info["gpc_version"] = f"{gpc.version >> 4}.{gpc.version & 15}"
        self.info["gpc_meta"] = gpc.meta
        self.info["gpc_reference"] = gpc.image_chunk is not None
        self.tile = [ImageFile._Tile("GPC", (0, 0, *self.size), 0, None)]

    def load(self) -> Any:
        """Draw the preview (:func:`refcodec.views.preview`) from the file parsed by
        ``_open``: its reference image is not decoded a second time."""
        if self.tile:
            from .views import preview

            self.im = preview(self.gpc).im
            self.tile = []
        return Image.Image.load(self)


Image.register_open(GpcImageFile.format, GpcImageFile, _accept)
Image.register_extension(GpcImageFile.format, ".gpc")
Image.register_mime(GpcImageFile.format, "image/x-gpc")
