"""``gpc eval``: rate-distortion evaluation of GPC against classic codecs.

:func:`run_eval` encodes every image in each mode (:mod:`.modes`), renders, measures
(:mod:`.metrics`) and writes the report (:mod:`.report`); :mod:`.cli` is its command.
"""

from __future__ import annotations

from .runner import EvalSettings, collect_images, run_eval, run_eval_async

__all__ = ["EvalSettings", "collect_images", "run_eval", "run_eval_async"]
