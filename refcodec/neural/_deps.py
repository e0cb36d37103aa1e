"""Lazy imports of the optional neural stack (torch, compressai, numpy, safetensors).

Nothing in ``refcodec`` imports torch at module load: the functions here import it on first
use and turn a missing package into :class:`refcodec.errors.BackendUnavailable`.
"""

from __future__ import annotations

import importlib
import warnings
from types import ModuleType

from ..errors import BackendUnavailable

__all__ = ["INSTALL_HINT", "require"]

INSTALL_HINT = "pip install 'gpc-refcodec[neural]'"


def require(name: str) -> ModuleType:
    """Import ``name`` (e.g. ``"torch"``, ``"compressai.ans"``) or raise BackendUnavailable.

    compressai 1.2.8 emits a FutureWarning about ``torch.jit.script`` on import; it is
    silenced here so that callers running with ``-W error`` are not broken by it.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            return importlib.import_module(name)
    except ImportError as exc:
        msg = (f"the neural low-resolution codec needs {name.split('.')[0]} "
               f"({exc.name or name} is missing): {INSTALL_HINT}")
        raise BackendUnavailable(msg) from None
