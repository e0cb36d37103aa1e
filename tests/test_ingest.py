"""Photos as users have them (refcodec.ingest): every mode encodes with a reference image
close to a correct 8-bit, correctly oriented downscale, and the header holds the displayed
size.

The test set is generated from a bundled Kodak photograph in every mode: 16-bit and 32-bit
gray, float, EXIF orientations 2-8, CMYK JPEG, an embedded (linear-light) ICC profile,
alpha, palette, gray, animated GIF, tiny images and (slow) a 12000x8000 JPEG.
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from refcodec import encoder
from refcodec.errors import UsageError
from refcodec.ingest import displayed_size, load_image
from refcodec.lowres.downsample import lowres_size

PHOTO = resources.files("refcodec").joinpath("data/samples/kodim23.png")
TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
             4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
             6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
             8: Image.Transpose.ROTATE_90}
INVERSE = {2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6}  # stored = INVERSE of displayed


def photo() -> Image.Image:
    with Image.open(str(PHOTO)) as image:
        return image.convert("RGB")


def psnr(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size
    squares = sum(ImageStat.Stat(ImageChops.difference(a, b)).sum2)
    if squares == 0:
        return math.inf
    return 10 * math.log10(255**2 * 3 * a.size[0] * a.size[1] / squares)


def linear_rgb_icc() -> bytes:
    """A minimal ICC v2 display profile: sRGB primaries (D50), gamma 1.0 (linear light)."""
    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 256) + b"\0\0"
    text = b"linear sRGB\0"
    desc = (b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + b"\0" * 8
            + b"\0\0" + b"\0" * 68)
    desc += b"\0" * (-len(desc) % 4)
    tags = [(b"desc", desc), (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
            (b"rXYZ", xyz(0.4361, 0.2225, 0.0139)), (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
            (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)), (b"rTRC", curve), (b"gTRC", curve),
            (b"bTRC", curve), (b"cprt", b"text\0\0\0\0none\0\0\0\0")]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"\0\0\0\0" + b"\x02\x10\0\0" + b"mntrRGB XYZ "
              + b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)
              + s15(0.9642) + s15(1.0) + s15(0.8249) + b"\0" * 48)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def to_linear(image: Image.Image) -> Image.Image:
    def channel(v: int) -> int:
        c = v / 255
        lin = c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        return round(lin * 255)
    return image.point([channel(v) for v in range(256)] * 3)


# name -> (write the file into a folder and return its path, the displayed RGB image)
Maker = Callable[[Path], tuple[Path, Image.Image]]


def _save(image: Image.Image, path: Path, **kw: object) -> Path:
    image.save(path, **kw)
    return path


def cases() -> dict[str, Maker]:
    rgb = photo()
    gray = rgb.convert("L")
    out: dict[str, Maker] = {
        "rgb": lambda d: (_save(rgb, d / "rgb.png"), rgb),
        "gray": lambda d: (_save(gray, d / "gray.png"), gray.convert("RGB")),
        "gray16": lambda d: (_save(_gray16(gray), d / "gray16.png"), gray.convert("RGB")),
        "int32": lambda d: (_save(gray.convert("I").point(lambda v: v * 257),
                                  d / "int32.tif"), gray.convert("RGB")),
        "float": lambda d: (_save(gray.convert("F").point(lambda v: v / 255),
                                  d / "float.tif"), gray.convert("RGB")),
        "palette": lambda d: (_save(rgb.quantize(256), d / "palette.png"),
                              rgb.quantize(256).convert("RGB")),
        "cmyk": lambda d: (_save(rgb.convert("CMYK"), d / "cmyk.jpg", quality=95),
                           rgb),
        "icc-linear": lambda d: (_save(to_linear(rgb), d / "icc.png",
                                       icc_profile=linear_rgb_icc()), rgb),
        "alpha": lambda d: _alpha(rgb, d),
        "gray-alpha": lambda d: _gray_alpha(gray, d),
        "animated": lambda d: _animated(rgb, d),
        "tiny-1x1": lambda d: (_save(Image.new("RGB", (1, 1), (200, 30, 40)),
                                     d / "tiny.png"), Image.new("RGB", (1, 1), (200, 30, 40))),
        "tiny-3x2": lambda d: (_save(rgb.resize((3, 2)), d / "tiny32.png"), rgb.resize((3, 2))),
    }
    for orientation in range(2, 9):
        out[f"exif-{orientation}"] = (lambda o: lambda d: _oriented(rgb, d, o))(orientation)
    return out


def _gray16(gray: Image.Image) -> Image.Image:
    wide = Image.new("I;16", gray.size)
    wide.frombytes(b"".join(struct.pack("<H", v * 257) for v in gray.tobytes()), "raw",
                   "I;16")
    return wide


def _alpha(rgb: Image.Image, folder: Path) -> tuple[Path, Image.Image]:
    alpha = Image.linear_gradient("L").resize(rgb.size)
    rgba = rgb.copy()
    rgba.putalpha(alpha)
    expected = Image.alpha_composite(Image.new("RGBA", rgb.size, (255, 255, 255, 255)), rgba)
    return _save(rgba, folder / "alpha.png"), expected.convert("RGB")


def _gray_alpha(gray: Image.Image, folder: Path) -> tuple[Path, Image.Image]:
    la = Image.merge("LA", (gray, Image.linear_gradient("L").resize(gray.size)))
    expected = Image.alpha_composite(Image.new("RGBA", gray.size, (255, 255, 255, 255)),
                                     la.convert("RGBA"))
    return _save(la, folder / "la.png"), expected.convert("RGB")


def _animated(rgb: Image.Image, folder: Path) -> tuple[Path, Image.Image]:
    first = rgb.quantize(256)
    second = Image.new("RGB", rgb.size, (0, 0, 255)).quantize(256)
    path = folder / "animated.gif"
    first.save(path, save_all=True, append_images=[second], duration=100, loop=0)
    return path, first.convert("RGB")


def _oriented(rgb: Image.Image, folder: Path, orientation: int) -> tuple[Path, Image.Image]:
    stored = rgb.transpose(TRANSPOSE[INVERSE[orientation]])
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = folder / f"exif{orientation}.jpg"
    stored.save(path, quality=95, exif=exif.tobytes())
    return path, rgb


@pytest.mark.parametrize("name", sorted(cases()))
def test_every_mode_encodes_right_way_up(name: str, tmp_path: Path) -> None:
    path, expected = cases()[name](tmp_path)
    size = displayed_size(path)
    assert size == expected.size  # header size = displayed size
    options = encoder.EncodeOptions(lowres="png")
    result = encoder.encode_image(path, encoder.fixed_text("Image: a test."), options)
    assert result.size == expected.size
    assert result.image is not None
    assert result.image.decoded is not None
    decoded = result.image.decoded
    low = lowres_size(*expected.size)
    assert (decoded.width, decoded.height) == low
    reference = expected.resize(low, Image.Resampling.LANCZOS)
    got = Image.frombytes("RGB", low, decoded.rgb)
    assert psnr(reference, got) >= 25, name
    if name == "animated":
        assert result.notes == ("animated image: the first of its 2 frames is used",)


def test_caption_image_follows_the_same_ingestion(tmp_path: Path) -> None:
    from refcodec.backends.openai_backend import prepare_caption_image

    path, expected = cases()["exif-6"](tmp_path)
    with Image.open(io.BytesIO(prepare_caption_image(path, 256))) as image:
        assert image.mode == "RGB"
        assert max(image.size) == 256
        assert image.size == (256, round(256 * expected.height / expected.width))


@pytest.mark.parametrize("content", [b"", b"not an image", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"])
def test_broken_files_are_one_usage_error(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(content)
    with pytest.raises(UsageError, match="cannot read image"):
        load_image(path)


def test_truncated_jpeg_is_one_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    buffer = io.BytesIO()
    photo().save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue()[:5000])
    with pytest.raises(UsageError, match="cannot read image"):
        load_image(path)


def test_decompression_bomb_is_one_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000)).save(path)  # 400 Mpixel, a few kB on disk
    with pytest.raises(UsageError, match="too large"):
        load_image(path)


@pytest.mark.slow
def test_huge_jpeg_decodes_reduced(tmp_path: Path) -> None:
    path = tmp_path / "huge.jpg"
    big = photo().resize((12000, 8000), Image.Resampling.BILINEAR)
    big.save(path, quality=85)
    expected = big.resize(lowres_size(12000, 8000), Image.Resampling.LANCZOS)
    del big
    picture = load_image(path, fit=(400, 300))
    assert picture.size == (12000, 8000)
    assert picture.image.size == (1500, 1000)
    options = encoder.EncodeOptions(lowres="png")
    result = encoder.encode_image(path, encoder.fixed_text("Image: a test."), options)
    assert result.image is not None
    assert result.image.decoded is not None
    got = Image.frombytes("RGB", expected.size, result.image.decoded.rgb)
    assert psnr(expected, got) >= 25


@pytest.mark.parametrize("budget", [120, 200, 300])
def test_one_budget_shared_by_reference_and_text(budget: int) -> None:
    source = resources.files("refcodec").joinpath("data/samples/kodim05.png")
    text = "Image: photo; landscape.\n" + "\n".join(
        f"Band {i}: red and blue details; a wooden fence; green grass; soft light"
        for i in range(20))
    options = encoder.EncodeOptions(lowres="avif", max_bytes=budget)
    result = encoder.encode_image(str(source), encoder.fixed_text(text), options)
    assert len(result.data) <= budget
    assert result.image is not None
    split = result.split
    assert split["reference"] <= (budget - split["other"]) // 2 + 8 or split["text"] < 60
    assert sum(split.values()) == len(result.data)


#: A CMYK output profile (SWOP) from Debian's libgs-common (Ghostscript), installed by
#: `make system-deps`; the repository ships no CMYK profile of its own.
CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


@pytest.mark.skipif(not CMYK_PROFILE.is_file(), reason=f"no CMYK ICC profile ({CMYK_PROFILE}; "
                    "Debian package libgs-common)")
def test_cmyk_jpeg_with_its_icc_profile_is_converted_through_it(tmp_path: Path) -> None:
    """A print-ready CMYK JPEG carrying its ICC profile: the reference comes back to the
    RGB the CMYK was made from (through the same profile), not to the naive CMYK->RGB."""
    from PIL import ImageCms

    rgb = photo()
    srgb = ImageCms.createProfile("sRGB")
    cmyk_profile = ImageCms.ImageCmsProfile(str(CMYK_PROFILE))
    cmyk = ImageCms.profileToProfile(rgb, srgb, cmyk_profile, outputMode="CMYK",
                                     renderingIntent=ImageCms.Intent.PERCEPTUAL)
    assert cmyk is not None
    path = tmp_path / "print.jpg"
    cmyk.save(path, quality=95, icc_profile=CMYK_PROFILE.read_bytes())
    options = encoder.EncodeOptions(lowres="png")
    result = encoder.encode_image(path, encoder.fixed_text("Image: a test."), options)
    assert result.image is not None
    assert result.image.decoded is not None
    low = lowres_size(*rgb.size)
    got = Image.frombytes("RGB", low, result.image.decoded.rgb)
    through_profile = psnr(rgb.resize(low, Image.Resampling.LANCZOS), got)
    naive = psnr(cmyk.convert("RGB").resize(low, Image.Resampling.LANCZOS), got)
    assert through_profile >= 22, through_profile  # the profile's gamut, a JPEG at 95
    assert through_profile > naive + 3, (through_profile, naive)
    assert not any("ICC profile not applied" in note for note in result.notes)



def test_cmyk_jpeg_with_a_broken_profile_still_encodes_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "print.jpg"
    photo().convert("CMYK").save(path, quality=95, icc_profile=b"not an ICC profile" * 8)
    result = encoder.encode_image(path, encoder.fixed_text("Image: a test."),
                                  encoder.EncodeOptions(lowres="png"))
    assert result.image is not None
    assert any("ICC profile not applied" in note for note in result.notes), result.notes
