"""The MS-ILLM codec with the shipped test model: round trips, exact and deterministic
decoding, desynchronisation and corruption detection (spec/neural.md NRL-4 to NRL-10)."""

from __future__ import annotations

import dataclasses
import random
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from refcodec.errors import FormatError

torch = pytest.importorskip("torch")
np = pytest.importorskip("numpy")
pytest.importorskip("compressai")

from refcodec.neural import codec, get_model  # noqa: E402
from refcodec.neural.model import NeuralModel  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "refcodec" / "data" / "samples"


def _images() -> list[Image.Image]:
    """The bundled photographs reduced as an encoder does (1024 squash, then 8x), plus
    odd sizes and a crop."""
    out = []
    for path in sorted(SAMPLES.glob("*.png")):
        image = Image.open(path).convert("RGB")
        square = image.resize((1024, 1024), Image.Resampling.LANCZOS)
        out.append(square.resize((128, 128), Image.Resampling.LANCZOS))
        out.append(image.resize((96, 64), Image.Resampling.LANCZOS))
    out.append(out[0].crop((10, 20, 13, 22)))  # 3 x 2
    out.append(out[2].resize((130, 65), Image.Resampling.LANCZOS))  # padded on both axes
    return out


IMAGES = _images()


@pytest.fixture(scope="module")
def model() -> NeuralModel:
    return get_model("msillm-test")


@pytest.fixture(scope="module")
def chunks(model: NeuralModel) -> list[tuple[Image.Image, int, bytes]]:
    return [(image, *codec.encode(image, model)) for image in IMAGES]


@pytest.fixture
def threads() -> Iterator[None]:
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)
    torch.set_flush_denormal(False)


def test_round_trip_gives_the_encoders_symbols(model: NeuralModel, chunks: list) -> None:
    for image, check, data in chunks:
        rgb, latents = codec.decode(data, image.width, image.height, model, check)
        assert zlib.crc32(latents) == check
        assert len(rgb) == 3 * image.width * image.height
        assert data[0] == 64
        assert (len(data) - 1) % 4 == 0  # model varint, then 32-bit words (NRL-4)


def test_scales_spread_over_the_table(model: NeuralModel, chunks: list) -> None:
    """Untrained weights put every latent on index 0; the test model must not."""
    used: set[int] = set()
    for image, _, _ in chunks[:1]:
        pixels = np.asarray(image, dtype=np.float32).transpose(2, 0, 1)[None] / 255
        with torch.no_grad():
            y = model.net.encoder(torch.from_numpy(pixels))
            z = model.net.hyper_analysis(y)[0].double().numpy()
        scale = float(1 << model.row.arch.activation_bits)
        symbols = np.rint(z - model.medians[:, None, None] / scale).astype(np.int64)
        indexes, _ = codec._hyper(model, symbols)
        used |= set((indexes - model.z_tables).ravel().tolist())
    assert len(used) >= 8, sorted(used)


@pytest.mark.parametrize("threads_count", [1, 2])
@pytest.mark.parametrize("flush", [False, True])
def test_decoding_ignores_threads_and_denormals(model: NeuralModel, chunks: list, threads: None,
                                               threads_count: int, flush: bool) -> None:
    reference = [codec.decode(d, i.width, i.height, model, c) for i, c, d in chunks]
    torch.set_num_threads(threads_count)
    torch.set_flush_denormal(flush)
    again = [codec.decode(d, i.width, i.height, model, c) for i, c, d in chunks]
    assert again == reference


def test_decoding_in_a_fresh_process_is_identical(model: NeuralModel, chunks: list,
                                                  tmp_path: Path) -> None:
    image, check, data = chunks[0]
    rgb, latents = codec.decode(data, image.width, image.height, model, check)
    (tmp_path / "chunk").write_bytes(data)
    script = (
        "import hashlib, sys, torch\n"
        "torch.set_num_threads(1)\n"
        "from refcodec.neural import decode\n"
        f"rgb, lat = decode(open(sys.argv[1], 'rb').read(), {image.width}, {image.height}, "
        f"'msillm-test', {check})\n"
        "print(hashlib.sha256(rgb).hexdigest(), hashlib.sha256(lat).hexdigest())\n"
    )
    result = subprocess.run([sys.executable, "-W", "error", "-c", script,
                             str(tmp_path / "chunk")], capture_output=True, text=True,
                            check=True, timeout=300)
    import hashlib

    assert result.stdout.split() == [hashlib.sha256(rgb).hexdigest(),
                                      hashlib.sha256(latents).hexdigest()]


def _desynchronised(model: NeuralModel, kind: str, rng: random.Random) -> NeuralModel:
    if kind == "threshold":  # moves one table boundary: shifts the index of some latents
        thresholds = model.thresholds.copy()
        thresholds[rng.randrange(1, 40)] += rng.choice([-1, 1]) * (1 << 10)
        return dataclasses.replace(model, thresholds=thresholds)
    layer = model.scale_branch.layers[-1]  # perturbs one bias of the hyper path
    bias = layer.bias.copy()
    bias[rng.randrange(bias.size)] += rng.choice([-1, 1]) * (1 << 27)
    layers = (*model.scale_branch.layers[:-1], dataclasses.replace(layer, bias=bias))
    return dataclasses.replace(model, scale_branch=dataclasses.replace(
        model.scale_branch, layers=layers))


class _EqualToEverything:
    def __ne__(self, other: object) -> bool:
        return False


@pytest.mark.parametrize("kind", ["threshold", "bias"])
@pytest.mark.parametrize("canonical_check", [True, False])
def test_a_desynchronised_decoder_fails_loudly(model: NeuralModel, chunks: list, kind: str,
                                               canonical_check: bool,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Every desynchronisation is rejected; without NRL-8's re-encoding, by the CRC alone."""
    if not canonical_check:
        monkeypatch.setattr(codec, "_rans_encode", lambda *_: _EqualToEverything())
    expected = {"NRL-5", "NRL-8", "NRL-9"} if canonical_check else {"NRL-5", "NRL-9"}
    rng = random.Random(kind)
    trials = caught = 0
    for _ in range(12):
        wrong = _desynchronised(model, kind, rng)
        for image, check, data in chunks[:4]:
            symbols = codec._decode_symbols(model, data[1:], image.width, image.height)[0]
            right, _ = codec._hyper(model, symbols)
            wrong_indexes, _ = codec._hyper(wrong, symbols)
            if np.array_equal(right, wrong_indexes):
                continue  # this perturbation does not touch this image's indexes
            trials += 1
            with pytest.raises(FormatError) as info:
                codec.decode(data, image.width, image.height, wrong, check)
            assert info.value.clause in expected
            caught += 1
    assert trials >= 10
    assert caught == trials


def test_corrupt_payloads_raise_only_format_errors(model: NeuralModel, chunks: list) -> None:
    rng = random.Random(1)
    image, check, data = chunks[0]
    variants = [data[:n] for n in range(0, len(data), 3)]
    variants += [data + bytes(4), data + b"\xff\xff\xff\xff", bytes(len(data)),
                 b"\xff" * len(data)]
    for _ in range(150):
        flipped = bytearray(data)
        flipped[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        variants.append(bytes(flipped))
    variants += [rng.randbytes(4 * rng.randrange(2, 40)) for _ in range(100)]
    for variant in variants:
        with pytest.raises(FormatError):
            codec.decode(variant, image.width, image.height, model, check)


def test_a_wrong_check_is_rejected(model: NeuralModel, chunks: list) -> None:
    image, check, data = chunks[0]
    with pytest.raises(FormatError, match="NRL-9"):
        codec.decode(data, image.width, image.height, model, check ^ 1)


VECTOR = bytes.fromhex(
    "40d30bf09d5786000022847ba726f51dd65092a94d91a371b97b002f4ce70600c9807b7045f7ff899d116c6a"
    "d711f21342c1922bcd67e7399400000100eee64b0c9bf9c6f65cb665ab6094a0c0a70fac2b41d7d3d6780ec8"
    "0fc2fb20e2e0ffffaafffcfe0449fe1a22d6fd43a17dff9cd5e0ffeffffefffefffdfffeff66fe013afefff7"
    "ff9f340fa8d018e56ceb3cc39aaa000447dd8c6c10d5ffed8679fe4ae1ca599f80375c1a9dd2df756ff54247"
    "86ad046091000000000000010001000000020292db0000c20d490112d5a8c91457340342effeffd7ffffffe0"
    "9c24f96b8979fbc3d1fdffd8f90700133bf2ff678b781c238e410fed9468262c3c6062426c4f014a23b4f463"
    "0209e0b3070e9435c79bc13ecf")


def test_the_annex_test_vector(model: NeuralModel) -> None:
    """spec/neural.md N.7: kodim23 reduced to 40 x 24 (header size 320 x 192)."""
    import hashlib

    rgb, latents = codec.decode(VECTOR, 40, 24, model, 0x6DC13384)
    assert hashlib.sha256(latents).hexdigest() == (
        "71fc9b24f6519ca63f1d3a788f8d81b5e1dbe1117a875c2782990b4720a50935")
    assert hashlib.sha256(rgb).hexdigest() == (
        "c9ebfb4b2cd12acb0e97b7b97b56255c4780b30dc2bd1205b2e412acf61548c0")


def test_the_model_is_named_by_the_data(model: NeuralModel, chunks: list) -> None:
    from refcodec.errors import UsageError
    from refcodec.neural import decode

    image, check, data = chunks[0]
    assert data[0] == 64  # NRL-1: model msillm-test
    assert decode(data, image.width, image.height, check=check) == codec.decode(
        data, image.width, image.height, model, check)
    with pytest.raises(FormatError, match="NRL-1"):
        decode(b"\x09" + data[1:], image.width, image.height)
    with pytest.raises(UsageError, match="coded with model msillm-q1"):
        codec.decode(b"\x01" + data[1:], image.width, image.height, model)
