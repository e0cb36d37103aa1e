"""Rate control on every corpus photograph: the file never exceeds ``--max-bytes``.

`python -m benchmarks.bench_ratecontrol` (no network, no key): each image in
{kodak,wikimedia}/ of ``benchmarks.corpus.PHOTOS`` ($GPC_CORPUS; read in place) is described
by the local test server (tests/openai_server.py), whose answers overshoot the word budget
by a per-image factor of 0.7-2.0, at several byte budgets and one bits-per-pixel target.
Prints, per budget, how often the first answer fitted, how often a second request or a
phrase trim was needed, the largest file / budget ratio (must be <= 1) and the mean fill.
"""

from __future__ import annotations

import time

from benchmarks.corpus import PHOTOS
from refcodec import image_size, parse
from refcodec.backends.openai_backend import Captioner, prepare_caption_image
from refcodec.ratecontrol import RateError, budget_from_bpp, fit_description
from tests.openai_server import TEST_KEY, StubServer, settings_for

CORPUS = PHOTOS
BUDGETS: list[int | float] = [120, 200, 300, 500, 0.002]  # bytes, or bpp when < 1


def main() -> None:
    images = sorted([*CORPUS.glob("kodak/*.png"), *CORPUS.glob("wikimedia/*.png")])
    if not images:
        print(f"no corpus images under {CORPUS}; skipped")
        return
    started = time.perf_counter()
    with StubServer(api_key=TEST_KEY) as server:
        settings = settings_for(server)
        prepared = [(p, image_size(p), prepare_caption_image(p, settings.caption_max_side))
                    for p in images]
        print(f"{len(images)} images; budgets {BUDGETS} (values < 1 are bpp)")
        print(f"{'budget':>10} {'fit 1st':>8} {'2nd ask':>8} {'trimmed':>8} {'no fit':>7} "
              f"{'max size/budget':>16} {'mean fill':>10}")
        worst = 0.0
        with Captioner(settings) as captioner:
            for budget in BUDGETS:
                first = second = trimmed = failed = 0
                fills: list[float] = []
                for _path, size, png in prepared:
                    limit = budget_from_bpp(budget, size) if budget < 1 else int(budget)
                    try:
                        fit = fit_description(lambda w, png=png: captioner.describe(png, w),
                                              size=size, max_bytes=limit)
                    except RateError:
                        failed += 1
                        continue
                    assert len(fit.data) <= limit
                    parse(fit.data)
                    fills.append(len(fit.data) / limit)
                    trimmed += fit.trimmed
                    second += len(fit.word_budgets) == 2 and not fit.trimmed
                    first += len(fit.word_budgets) == 1
                worst = max(worst, *fills)
                label = f"{budget} bpp" if budget < 1 else f"{budget} B"
                mean = sum(fills) / len(fills) if fills else 0.0
                print(f"{label:>10} {first:>8} {second:>8} {trimmed:>8} {failed:>7} "
                      f"{max(fills, default=0):>16.3f} {mean:>10.3f}")
    print(f"largest file/budget ratio over all runs: {worst:.3f} (must be <= 1); "
          f"{len(server.calls('/chat'))} caption requests in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
