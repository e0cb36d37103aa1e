"""Make the image-chunk payloads the conformance cases use: `python -m conformance.make_payloads
[NAME...]` (existing payloads are kept unless named).

Lossy encoders (libaom, libwebp) may write other bytes in other versions, so their output
is committed in payloads/ once and the case definitions read it from there; decoding is
what the cases pin. Source: refcodec/data/samples/kodim23.png (Kodak, unrestricted usage).
"""

from __future__ import annotations

import struct
import sys
from importlib import resources
from pathlib import Path

from PIL import Image

from refcodec.lowres import encode_lowres

HERE = Path(__file__).resolve().parent / "payloads"

#: name: (codec, header width, header height, PSNR target); "-v11": the 1.1 size rule
PAYLOADS = {
    "avif-4000x3000": ("avif", 4000, 3000, 25.0),
    "avif-2000x1500-v11": ("avif", 2000, 1500, 25.0),
    "avif-1024x1024": ("avif", 1024, 1024, 25.0),
    "webp-1024x1024": ("webp", 1024, 1024, 25.0),
    "png-256x256": ("png", 256, 256, None),
    "avif-1000x700": ("avif", 1000, 700, 28.0),
    "webp-99x77": ("webp", 99, 77, 30.0),
    "msillm-test-1024x1024": ("msillm-test", 1024, 1024, None),
    "msillm-test-1000x700": ("msillm-test", 1000, 700, None),
}


def main() -> None:
    source = resources.files("refcodec").joinpath("data/samples/kodim23.png")
    with Image.open(str(source)) as image:
        photo = image.convert("RGB")
    HERE.mkdir(exist_ok=True)
    for name, (codec, width, height, psnr) in PAYLOADS.items():
        if (HERE / f"{name}.bin").exists() and name not in sys.argv[1:]:
            continue  # committed payloads are never remade unless named
        squashed = photo.resize((width, height), Image.Resampling.LANCZOS)
        codec_id, check, data, _ = encode_lowres(squashed, codec, psnr=psnr,
                                                 bounded=not name.endswith("-v11"))
        # payload file: codec varint (one byte here), check u32le, data
        (HERE / f"{name}.bin").write_bytes(bytes([codec_id]) + struct.pack("<I", check) + data)
        print(f"{name}: {len(data)} bytes of {codec} data")
    if not (HERE / "msillm-test-symbol-40000.bin").exists():
        symbol_out_of_range()


def symbol_out_of_range() -> None:
    """msillm-test-1024x1024 with its first hyper-latent symbol re-coded as 40,000 (NRL-5):
    the rANS stream of those symbols, escape-coded, with the original y tables."""
    from refcodec.neural import codec, get_model
    from refcodec.neural.codec import _decode_symbols, _hyper, _rans_encode, _z_indexes

    raw = (HERE / "msillm-test-1024x1024.bin").read_bytes()
    model = get_model("msillm-test")
    row, stream = codec.split_model(raw[5:])
    z, y, _ = _decode_symbols(model, stream, 128, 128)
    y_index, _ = _hyper(model, z)
    z[0, 0, 0] = 40_000
    data = raw[5:6] + _rans_encode(model, z, _z_indexes(z.shape), y, y_index)
    (HERE / "msillm-test-symbol-40000.bin").write_bytes(raw[:5] + data)
    print(f"msillm-test-symbol-40000: {len(data)} bytes of msillm-test data")


if __name__ == "__main__":
    main()
