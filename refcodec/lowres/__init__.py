"""The low-resolution image of the image chunk (spec/gpc.md §9, spec/lowres.md).

``encode_lowres`` reduces an image 8x and codes it with a registered image codec, choosing
the codec's quality to meet a PSNR target or a byte budget; ``decode_lowres`` returns the
exact RGB8 pixels every conforming decoder produces, after checking the chunk's CRC.
"""

from __future__ import annotations

import hashlib
import io
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageStat

from ..errors import FormatError, UsageError
from . import avif, png, webp
from .downsample import lowres_size, reduce

__all__ = [
    "CODECS",
    "available_codecs",
    "best_codec",
    "DEFAULT_CODEC",
    "DEFAULT_PSNR",
    "LowresCodec",
    "codec_by_name",
    "decode_lowres",
    "encode_lowres",
    "encode_lowres_image",
    "lowres_size",
    "preview",
    "psnr",
    "reference_image",
    "reference_image_of",
    "reference_png",
]

DEFAULT_CODEC = "avif"
DEFAULT_PSNR = 25.0  # dB against the uncompressed low-resolution image


@dataclass(frozen=True)
class LowresCodec:
    """One image codec of §17.5: its registry ID, name and implementation."""

    id: int
    name: str
    qualities: range
    encode: Callable[[Image.Image, int], bytes]
    decode: Callable[[bytes, int, int], bytes]

    @property
    def lossless(self) -> bool:
        return len(self.qualities) == 1


CODECS: dict[int, LowresCodec] = {
    module.ID: LowresCodec(module.ID, module.NAME, module.QUALITIES, module.encode,
                           module.decode)
    for module in (png, webp, avif)
}


def available_codecs() -> list[str]:
    """Names of the codecs this Pillow build can encode, best first (spec/lowres.md L.9)."""
    from PIL import features

    order = [("avif", "avif"), ("webp", "webp"), ("png", None)]
    return [name for name, feature in order if feature is None or features.check(feature)]


def best_codec() -> str:
    """The default codec: the best one available here (AVIF, else WebP, else PNG)."""
    return available_codecs()[0]


def codec_by_name(name: str) -> LowresCodec:
    for codec in CODECS.values():
        if codec.name == name:
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


def _decoded(codec: LowresCodec, data: bytes, size: tuple[int, int]) -> bytes:
    return codec.decode(data, *size)


def _choose(
    codec: LowresCodec, low: Image.Image, target_psnr: float | None, max_bytes: int | None
) -> bytes:
    """Rate control: binary search of the codec's quality (monotone in practice).

    With a PSNR target, the lowest quality reaching it; with a byte budget, the highest
    quality within it; with both, the PSNR choice unless it is over budget.
    """
    reference = low.tobytes()
    cache: dict[int, tuple[bytes, float]] = {}

    def probe(quality: int) -> tuple[bytes, float]:
        if quality not in cache:
            data = codec.encode(low, quality)
            cache[quality] = (data, psnr(reference, _decoded(codec, data, low.size), low.size))
        return cache[quality]

    qualities = codec.qualities
    if codec.lossless:
        data = probe(qualities[0])[0]
        if max_bytes is not None and len(data) > max_bytes:
            msg = f"{codec.name} needs {len(data)} bytes, over the budget of {max_bytes}"
            raise UsageError(msg)
        return data

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
        return probe(by_psnr)[0]
    assert by_bytes is not None
    return probe(by_bytes)[0]


def _encode_neural(low: Image.Image, model_name: str, max_bytes: int | None
                   ) -> tuple[int, int, bytes]:
    """Image codec 16, MS-ILLM with a registered model (spec/neural.md): no quality knob."""
    from .. import neural
    from ..neural.registry import model_by_name

    if model_by_name(model_name).tables_sha256 is None:  # NRL-12: readers reject such files
        msg = f"{model_name} is unverified (no recorded digests): files using it are invalid"
        raise UsageError(msg)
    check, data = neural.encode(low.convert("RGB"), model_name)
    if max_bytes is not None and len(data) > max_bytes:
        msg = f"{model_name} needs {len(data)} bytes, over the budget of {max_bytes}"
        raise UsageError(msg)
    return neural.CODEC_ID, check, data


def encode_lowres_image(
    low: Image.Image,
    codec_name: str,
    psnr: float | None = None,
    max_bytes: int | None = None,
) -> tuple[int, int, bytes]:
    """Code an already reduced RGB image: ``(codec_id, check, data)`` of the chunk.

    ``codec_name`` is an image codec (png, webp, avif) or an MS-ILLM model name."""
    if codec_name.startswith("msillm-"):
        return _encode_neural(low, codec_name, max_bytes)
    codec = codec_by_name(codec_name)
    if psnr is None and max_bytes is None:
        psnr = DEFAULT_PSNR
    if max_bytes is not None and max_bytes < 1:
        msg = "the low-resolution byte budget must be at least 1"
        raise UsageError(msg)
    data = _choose(codec, low.convert("RGB"), psnr, max_bytes)
    check = zlib.crc32(_decoded(codec, data, low.size))
    return codec.id, check, data


def encode_lowres(
    image: Image.Image,
    codec_name: str = DEFAULT_CODEC,
    psnr: float | None = None,
    max_bytes: int | None = None,
    size: tuple[int, int] | None = None,
) -> tuple[int, int, bytes]:
    """Reduce ``image`` for a file of header size ``size`` (default: the image's) and code it.

    Without ``psnr`` or ``max_bytes`` the target is DEFAULT_PSNR.
    """
    return encode_lowres_image(reduce(image, size), codec_name, psnr, max_bytes)


def decode_lowres(
    codec_id: int, check: int, data: bytes, width: int, height: int
) -> tuple[bytes, int, int]:
    """The RGB8 low-resolution pixels of an image chunk, for a ``width`` x ``height``
    file: ``(rgb, low_width, low_height)``. Raises FormatError (LRS-*, NRL-*, IMG-3).

    The pixels are exact for codecs 1-3 (LRS-1); for codec 16 the symbols are (NRL-9)."""
    if codec_id == NEURAL_CODEC_ID:
        return _decode_neural(check, data, width, height)[:3]
    codec = CODECS.get(codec_id)
    if codec is None:
        msg = f"unsupported image codec {codec_id}"
        raise FormatError("IMG-2", msg)
    lw, lh = lowres_size(width, height)
    rgb = codec.decode(data, lw, lh)
    computed = zlib.crc32(rgb)
    if computed != check:
        msg = (f"low-resolution image check mismatch: stored 0x{check:08X}, "
               f"decoded 0x{computed:08X}")
        raise FormatError("IMG-3", msg)
    return rgb, lw, lh


NEURAL_CODEC_ID = 16  # refcodec.neural.CODEC_ID, without importing the optional codec


def _decode_neural(check: int, data: bytes, width: int, height: int
                   ) -> tuple[bytes, int, int, bytes]:
    from .. import neural

    _verified_model(data)
    lw, lh = lowres_size(width, height)
    rgb, symbols = neural.decode(data, lw, lh, check=check)
    return rgb, lw, lh, symbols


def _verified_model(data: bytes) -> None:
    """NRL-1, NRL-12, checked without the neural extra: the model ID is registered and its
    row is verified (has recorded digests)."""
    from ..neural.registry import model_by_id
    from ..varint import decode_varint

    try:
        model_id, _ = decode_varint(data, 0)
    except FormatError as exc:
        if exc.clause != "VINT-1":
            raise  # VINT-2, VINT-3 keep their clauses (§2.2)
        msg = "msillm data ends inside the model ID"
        raise FormatError("NRL-1", msg) from None
    row = model_by_id(model_id)
    if row is None:
        msg = f"unknown neural model ID {model_id}"
        raise FormatError("NRL-1", msg)
    if row.tables_sha256 is None:
        msg = f"model {row.name} is unverified: no digests to check its weights and tables"
        raise FormatError("NRL-12", msg)


def reference_image(rgb: bytes, width: int, height: int) -> dict[str, object]:
    """The ``reference_image`` member of the generation request for codecs 1-3 (LRS-12)."""
    return {"width": width, "height": height,
            "pixels_sha256": hashlib.sha256(rgb).hexdigest()}


def reference_image_of(codec_id: int, check: int, data: bytes, width: int, height: int,
                       rgb: bytes | None = None) -> dict[str, object]:
    """``reference_image`` of a file's image chunk: LRS-12, or NRL-11 for codec 16, whose
    pixels are not integer-exact and whose symbols are named instead."""
    if codec_id == NEURAL_CODEC_ID:
        _, lw, lh, symbols = _decode_neural(check, data, width, height)
        return {"width": lw, "height": lh, "symbols_sha256": hashlib.sha256(symbols).hexdigest()}
    if rgb is None:
        rgb = decode_lowres(codec_id, check, data, width, height)[0]
    lw, lh = lowres_size(width, height)
    return reference_image(rgb, lw, lh)


def reference_png(rgb: bytes, width: int, height: int) -> bytes:
    """LRS-13: the decoded pixels as an 8-bit RGB PNG with no ancillary chunks."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), rgb).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def preview(rgb: bytes, low_width: int, low_height: int, width: int, height: int) -> Image.Image:
    """The decoded low-resolution image upscaled to the header size (informative, LRS-13)."""
    low = Image.frombytes("RGB", (low_width, low_height), rgb)
    return low.resize((width, height), Image.Resampling.LANCZOS)
