"""The low-resolution image of the image chunk (spec/gpc.md §9, spec/lowres.md).

``encode_lowres`` reduces an image 8x and codes it with a registered image codec, choosing
the codec's quality to meet a PSNR target or a byte budget; ``decode_image`` returns the
exact RGB8 pixels every conforming decoder produces (and, for codec 16, the exact symbols),
after checking the chunk's CRC. One module per codec (``png``, ``webp``, ``avif``,
``msillm``), each registered against its registry row by name (:mod:`refcodec.codecs`).
"""

from __future__ import annotations

import io
import math
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from PIL import Image, ImageChops, ImageStat

from .. import registry
from ..codecs import IMAGE, DecodedImage, ImageCodecImpl
from ..errors import FormatError, UsageError
from . import avif, msillm, png, webp  # noqa: F401  (each registers its codec)
from .bounds import preview_size
from .downsample import lowres_size, reduce

__all__ = [
    "CODECS",
    "DEFAULT_CODEC",
    "DEFAULT_PSNR",
    "CodedImage",
    "DecodedImage",
    "available_codecs",
    "best_codec",
    "codec_by_name",
    "decode_image",
    "decode_lowres",
    "encode_lowres",
    "encode_lowres_image",
    "lowres_size",
    "preview",
    "psnr",
    "reference_image",
    "reference_png",
]

DEFAULT_CODEC = "avif"
DEFAULT_PSNR = 25.0  # dB against the uncompressed low-resolution image


#: The codecs with a quality knob (searched by rate control), by registry ID.
CODECS: dict[int, ImageCodecImpl] = {ident: c for ident, c in IMAGE.items() if c.qualities}
#: Preference of the default codec (spec/lowres.md L.9): smallest files first.
_PREFERENCE = ("avif", "webp", "png")


class CodedImage(NamedTuple):
    """An image chunk's fields as the encoder made them, with the pixels it decodes to."""

    codec: int
    check: int
    data: bytes
    decoded: DecodedImage


def available_codecs() -> list[str]:
    """Names of the codecs this Pillow build can encode, best first (spec/lowres.md L.9)."""
    by_name = {c.name: c for c in CODECS.values()}
    return [name for name in _PREFERENCE if by_name[name].available()]


def best_codec() -> str:
    """The default codec: the best one available here (AVIF, else WebP, else PNG)."""
    return available_codecs()[0]


def codec_by_name(name: str) -> ImageCodecImpl:
    """The registered codec with a quality knob called ``name`` (looked up when called)."""
    for codec in IMAGE.values():
        if codec.name == name and codec.qualities:
            return codec
    known = ", ".join(c.name for c in CODECS.values())
    msg = f"unknown low-resolution codec {name!r} (known: {known})"
    raise UsageError(msg)


def psnr(reference: bytes, decoded: bytes, size: tuple[int, int]) -> float:
    """PSNR in dB of two RGB8 images of ``size``; ``inf`` when they are equal."""
    a = Image.frombytes("RGB", size, reference)
    b = Image.frombytes("RGB", size, decoded)
    squares = sum(ImageStat.Stat(ImageChops.difference(a, b)).sum2)
    if squares == 0:
        return math.inf
    return 10 * math.log10(255**2 * 3 * size[0] * size[1] / squares)


def _choose(
    codec: ImageCodecImpl, low: Image.Image, target_psnr: float | None, max_bytes: int | None
) -> tuple[bytes, DecodedImage]:
    """Rate control: binary search of the codec's quality (monotone in practice).

    With a PSNR target, the lowest quality reaching it; with a byte budget, the highest
    quality within it; with both, the PSNR choice unless it is over budget.
    """
    reference = low.tobytes()
    cache: dict[int, tuple[bytes, float, DecodedImage]] = {}
    assert codec.encode is not None

    def probe(quality: int) -> tuple[bytes, float, DecodedImage]:
        if quality not in cache:
            data = codec.encode(low, quality)  # type: ignore[misc]
            decoded = codec.decode(data, *low.size)
            cache[quality] = (data, psnr(reference, decoded.rgb, low.size), decoded)
        return cache[quality]

    qualities = codec.qualities
    if codec.lossless:
        data, _, decoded = probe(qualities[0])
        if max_bytes is not None and len(data) > max_bytes:
            msg = f"{codec.name} needs {len(data)} bytes, over the budget of {max_bytes}"
            raise UsageError(msg)
        return data, decoded

    def lowest(ok: Callable[[int], bool]) -> int | None:
        lo, hi, found = qualities[0], qualities[-1], None
        while lo <= hi:
            mid = (lo + hi) // 2
            if ok(mid):
                found, hi = mid, mid - 1
            else:
                lo = mid + 1
        return found

    def highest(ok: Callable[[int], bool]) -> int | None:
        lo, hi, found = qualities[0], qualities[-1], None
        while lo <= hi:
            mid = (lo + hi) // 2
            if ok(mid):
                found, lo = mid, mid + 1
            else:
                hi = mid - 1
        return found

    if target_psnr is not None and target_psnr <= 0 and max_bytes is None:
        return probe(qualities[0])[0], probe(qualities[0])[2]  # the lowest quality
    by_psnr = by_bytes = None
    if target_psnr is not None:
        by_psnr = lowest(lambda q: probe(q)[1] >= target_psnr)
        if by_psnr is None:
            by_psnr = qualities[-1]
    if max_bytes is not None:
        by_bytes = highest(lambda q: len(probe(q)[0]) <= max_bytes)
        if by_bytes is None:
            msg = (f"{codec.name} cannot fit the low-resolution image in {max_bytes} bytes "
                   f"(lowest quality gives {len(probe(qualities[0])[0])})")
            raise UsageError(msg)
    if by_psnr is not None and (max_bytes is None or len(probe(by_psnr)[0]) <= max_bytes):
        return probe(by_psnr)[0], probe(by_psnr)[2]
    assert by_bytes is not None
    return probe(by_bytes)[0], probe(by_bytes)[2]


def _encode_neural(low: Image.Image, model_name: str, max_bytes: int | None,
                   model_dir: Path | None) -> CodedImage:
    """Image codec 16, MS-ILLM with a registered model (spec/neural.md): no quality knob."""
    from .. import neural

    row = registry.model_by_name(model_name)
    if not row.verified:  # NRL-12: readers reject such files
        msg = f"{model_name} is unverified (no recorded digests): files using it are invalid"
        raise UsageError(msg)
    model = neural.get_model(row, model_dir=model_dir)
    check, data = neural.encode(low.convert("RGB"), model)
    if max_bytes is not None and len(data) > max_bytes:
        msg = f"{model_name} needs {len(data)} bytes, over the budget of {max_bytes}"
        raise UsageError(msg)
    codec = IMAGE[registry.named(registry.IMAGE_CODECS, row.codec, "image codec").id]
    decoded = codec.decode(data, *low.size, check=check, model_dir=model_dir)
    return CodedImage(codec.id, check, data, decoded)


def encode_lowres_image(
    low: Image.Image,
    codec_name: str,
    psnr: float | None = None,
    max_bytes: int | None = None,
    model_dir: Path | None = None,
) -> CodedImage:
    """Code an already reduced RGB image as the fields of an image chunk.

    ``codec_name`` is an image codec (png, webp, avif) or an MS-ILLM model name."""
    if codec_name.startswith("msillm-"):
        return _encode_neural(low, codec_name, max_bytes, model_dir)
    codec = codec_by_name(codec_name)
    if psnr is None and max_bytes is None:
        psnr = DEFAULT_PSNR
    if max_bytes is not None and max_bytes < 1:
        msg = "the low-resolution byte budget must be at least 1"
        raise UsageError(msg)
    data, decoded = _choose(codec, low.convert("RGB"), psnr, max_bytes)
    return CodedImage(codec.id, zlib.crc32(decoded.symbols), data, decoded)


def encode_lowres(
    image: Image.Image,
    codec_name: str = DEFAULT_CODEC,
    psnr: float | None = None,
    max_bytes: int | None = None,
    size: tuple[int, int] | None = None,
    model_dir: Path | None = None,
    *,
    bounded: bool = True,
) -> CodedImage:
    """Reduce ``image`` for a file of header size ``size`` (default: the image's) and code it.

    Without ``psnr`` or ``max_bytes`` the target is DEFAULT_PSNR. ``bounded=False`` gives
    the 1.1 size rule (IMG-3), only for files that keep ``read_version`` 1.1.
    """
    return encode_lowres_image(reduce(image, size, bounded=bounded), codec_name, psnr,
                               max_bytes, model_dir)


def decode_image(codec_id: int, check: int, data: bytes, width: int, height: int,
                 model_dir: Path | None = None, *, bounded: bool = True) -> DecodedImage:
    """The decoded reference image of an image chunk of a ``width`` x ``height`` file.
    Raises FormatError (IMG-2, IMG-3, LRS-*, NRL-*).

    The pixels are exact for codecs 1-3 (LRS-1); for codec 16 the symbols are (NRL-9).
    ``bounded``: the size rule of IMG-10 (files with ``read_version`` 1.2 or later, IMG-11)
    rather than the 1.1 rule of IMG-3."""
    codec = IMAGE.get(codec_id)
    if codec is None:
        msg = f"unsupported image codec {codec_id}"
        raise FormatError("IMG-2", msg)
    decoded = codec.decode(data, *lowres_size(width, height, bounded=bounded),
                           check=check, model_dir=model_dir)
    computed = zlib.crc32(decoded.symbols)
    if computed != check:
        msg = (f"low-resolution image check mismatch: stored 0x{check:08X}, "
               f"decoded 0x{computed:08X}")
        raise FormatError("IMG-3", msg)
    return decoded


def decode_lowres(
    codec_id: int, check: int, data: bytes, width: int, height: int, *, bounded: bool = True
) -> tuple[bytes, int, int]:
    """``(rgb, low_width, low_height)`` of :func:`decode_image`."""
    decoded = decode_image(codec_id, check, data, width, height, bounded=bounded)
    return decoded.rgb, decoded.width, decoded.height



def reference_image(rgb: bytes, width: int, height: int) -> dict[str, object]:
    """The ``reference_image`` member of the generation request for codecs 1-3 (LRS-12)."""
    return DecodedImage(rgb, width, height, rgb).request_member


def reference_png(rgb: bytes, width: int, height: int) -> bytes:
    """LRS-13: the decoded pixels as an 8-bit RGB PNG with no ancillary chunks."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), rgb).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def preview(rgb: bytes, low_width: int, low_height: int, width: int, height: int) -> Image.Image:
    """The decoded low-resolution image upscaled to the header size (informative, LRS-13),
    at most PREVIEW_MAX_SIDE on its longer side (``bounds.preview_size``)."""
    low = Image.frombytes("RGB", (low_width, low_height), rgb)
    return low.resize(preview_size(width, height), Image.Resampling.LANCZOS)
