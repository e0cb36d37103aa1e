"""Captioning (encode) and image-generation (decode) backends.

Only OpenAI and OpenAI-compatible servers for now (``pip install 'gpc-refcodec[openai]'``);
``openai`` is imported lazily, so reading and validating files never needs it. Settings
come from arguments > environment > config file > defaults (:mod:`.settings`).
"""

from __future__ import annotations

from .errors import BackendError, MalformedResponse, ModerationBlocked, redact
from .settings import BackendSettings, Price, resolve_settings
from .usage import Usage

__all__ = [
    "BackendError",
    "BackendSettings",
    "MalformedResponse",
    "ModerationBlocked",
    "Price",
    "Usage",
    "redact",
    "resolve_settings",
]
