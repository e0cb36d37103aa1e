"""Defaults of ``gpc eval`` that its parser needs without importing the runner."""

from __future__ import annotations

#: The learned metrics ``gpc eval`` tries by default, in report order
#: (:data:`refcodec.evaluate.metrics.LEARNED` defines them).
DEFAULT_LEARNED = ("lpips", "dists", "clip_similarity", "clip_iqa", "inception_features")
