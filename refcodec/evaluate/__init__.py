"""``gpc eval``: rate-distortion evaluation of GPC against classic codecs.

:func:`run_eval` encodes every image in each mode (:mod:`.modes`), renders, measures
(:mod:`.metrics`) and writes the report (:mod:`.report`); :mod:`.cli` is its command.
The runner loads on first use, so building the ``gpc`` parser does not import it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from .defaults import DEFAULT_LEARNED

if TYPE_CHECKING:
    from .runner import EvalSettings, collect_images, run_eval, run_eval_async

_RUNNER_NAMES = frozenset({"EvalSettings", "collect_images", "run_eval", "run_eval_async"})


def __getattr__(name: str) -> object:
    if name not in _RUNNER_NAMES:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(import_module(".runner", __name__), name)


__all__ = ["DEFAULT_LEARNED", "EvalSettings", "collect_images", "run_eval", "run_eval_async"]
