"""Backend settings: which models, which server, how patient, how parallel.

Every value is resolved in this order (first one set wins):

1. explicit arguments (the CLI flags),
2. environment variables (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``GPC_CAPTION_MODEL``,
   ``GPC_IMAGE_MODEL``, ``AZURE_OPENAI_ENDPOINT``, ``AZURE_OPENAI_API_KEY``,
   ``OPENAI_API_VERSION``, ... see :data:`ENV_VARS`),
3. a TOML file: ``$GPC_CONFIG`` or ``~/.config/gpc/config.toml`` (table ``[backend]`` or
   top level), and its optional ``[prices."MODEL"]`` tables,
4. the defaults below.

Model names are settings, never constants of the format (spec: the model actually used is
metadata, not a decoding parameter). The API key is kept out of ``repr`` and out of every
message (see :mod:`refcodec.backends.errors`).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = [
    "DEFAULT_PRICES",
    "ENV_VARS",
    "BackendSettings",
    "Price",
    "config_path",
    "resolve_settings",
]


@dataclass(frozen=True)
class Price:
    """USD per one million tokens. User-adjustable ESTIMATES, not quotes."""

    text_input: float = 0.0
    image_input: float = 0.0
    text_output: float = 0.0
    image_output: float = 0.0


#: Estimated prices (USD per 1M tokens), from third-party summaries of OpenAI's price page
#: (see shared notes §6). They change often: override them in the config file, e.g.
#: ``[prices."gpt-image-2"] image_output = 30.0``. Unknown models are not priced.
DEFAULT_PRICES: Mapping[str, Price] = {
    "gpt-image-2": Price(text_input=5.0, image_input=8.0, text_output=10.0, image_output=30.0),
    "gpt-image-1.5": Price(text_input=5.0, image_input=8.0, text_output=10.0, image_output=32.0),
    "gpt-image-1-mini": Price(text_input=2.0, image_input=2.5, text_output=8.0,
                              image_output=8.0),
    "gpt-5.4-mini": Price(text_input=0.75, image_input=0.75, text_output=4.5),
    "gpt-5.4": Price(text_input=2.5, image_input=2.5, text_output=15.0),
}


@dataclass(frozen=True)
class BackendSettings:
    """Everything a backend needs; build one with :func:`resolve_settings`."""

    caption_model: str = "gpt-5.4-mini"
    image_model: str = "gpt-image-2"
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    api_key_env: str = "OPENAI_API_KEY"
    azure_endpoint: str | None = None
    azure_deployment: str | None = None
    api_version: str | None = None
    #: seconds for captioning calls and image calls (high-quality renders can take minutes)
    timeout: float = 120.0
    image_timeout: float = 300.0
    connect_timeout: float = 10.0
    #: SDK retries (429, 5xx, timeouts, connection errors); images are billed per attempt
    max_retries: int = 2
    image_max_retries: int = 1
    concurrency: int = 4
    #: "max_completion_tokens" (OpenAI) or "max_tokens" (Ollama, older servers)
    max_tokens_param: str = "max_completion_tokens"
    caption_max_tokens: int = 4096
    caption_detail: str = "high"
    #: longest side of the image sent to the captioner (downscaled, never upscaled)
    caption_max_side: int = 1536
    #: None: never send response_format (GPT image models reject it); "b64_json" or "url"
    #: for servers that need it (LocalAI)
    response_format: str | None = None
    image_quality: str | None = None
    #: honour HTTP(S)_PROXY / NO_PROXY / SSL_CERT_FILE from the environment
    trust_env: bool = True
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    prices: Mapping[str, Price] = field(default_factory=lambda: dict(DEFAULT_PRICES))

    @property
    def is_azure(self) -> bool:
        return self.azure_endpoint is not None

    def secrets(self) -> tuple[str, ...]:
        """Strings that must never appear in any output (for redaction)."""
        return (self.api_key,) if self.api_key else ()

    def __post_init__(self) -> None:
        if self.max_tokens_param not in ("max_completion_tokens", "max_tokens"):
            msg = ("max_tokens_param must be max_completion_tokens or max_tokens, "
                   f"not {self.max_tokens_param!r}")
            raise UsageError(msg)
        if self.response_format not in (None, "b64_json", "url"):
            msg = f"response_format must be b64_json, url or unset, not {self.response_format!r}"
            raise UsageError(msg)
        if self.concurrency < 1:
            msg = f"concurrency must be at least 1, not {self.concurrency}"
            raise UsageError(msg)
        if self.max_retries < 0 or self.image_max_retries < 0:
            msg = "max retries must be 0 or more"
            raise UsageError(msg)
        if min(self.timeout, self.image_timeout, self.connect_timeout) <= 0:
            msg = "timeouts must be positive"
            raise UsageError(msg)


#: environment variable -> setting
ENV_VARS: Mapping[str, str] = {
    "OPENAI_BASE_URL": "base_url",
    "GPC_CAPTION_MODEL": "caption_model",
    "GPC_IMAGE_MODEL": "image_model",
    "AZURE_OPENAI_ENDPOINT": "azure_endpoint",
    "GPC_AZURE_DEPLOYMENT": "azure_deployment",
    "OPENAI_API_VERSION": "api_version",
    "GPC_TIMEOUT": "timeout",
    "GPC_IMAGE_TIMEOUT": "image_timeout",
    "GPC_MAX_RETRIES": "max_retries",
    "GPC_IMAGE_MAX_RETRIES": "image_max_retries",
    "GPC_CONCURRENCY": "concurrency",
    "GPC_MAX_TOKENS_PARAM": "max_tokens_param",
    "GPC_RESPONSE_FORMAT": "response_format",
    "GPC_IMAGE_QUALITY": "image_quality",
}

_FIELDS = {f.name: f for f in dataclasses.fields(BackendSettings)}
_NUMERIC = {"timeout": float, "image_timeout": float, "connect_timeout": float,
            "max_retries": int, "image_max_retries": int, "concurrency": int,
            "caption_max_tokens": int, "caption_max_side": int}


def config_path(env: Mapping[str, str]) -> Path:
    """``$GPC_CONFIG``, else ``~/.config/gpc/config.toml``."""
    explicit = env.get("GPC_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return Path("~/.config/gpc/config.toml").expanduser()


def _load_config(path: Path, required: bool) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        if required:
            msg = f"config file {path} does not exist"
            raise UsageError(msg) from None
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"cannot read config file {path}: {exc}"
        raise UsageError(msg) from None
    table = data.get("backend", data)
    if not isinstance(table, dict):
        msg = f"config file {path}: [backend] must be a table"
        raise UsageError(msg)
    config = {k: v for k, v in table.items() if k not in ("backend", "prices")}
    unknown = sorted(set(config) - set(_FIELDS) - {"prices"})
    if unknown:
        msg = f"config file {path}: unknown setting(s) {', '.join(unknown)}"
        raise UsageError(msg)
    prices = data.get("prices", {})
    if prices:
        try:
            config["prices"] = {str(m): Price(**p) for m, p in prices.items()}
        except TypeError as exc:
            msg = f"config file {path}: bad [prices] table ({exc})"
            raise UsageError(msg) from None
    return config


def _coerce(name: str, value: Any, origin: str) -> Any:
    kind = _NUMERIC.get(name)
    if kind is None or value is None:
        return value
    try:
        return kind(value)
    except (TypeError, ValueError):
        msg = f"{origin}: {name} must be a number, not {value!r}"
        raise UsageError(msg) from None


def resolve_settings(
    explicit: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
) -> BackendSettings:
    """Merge explicit values > environment > config file > defaults.

    ``explicit`` values of ``None`` count as "not given". ``env`` defaults to
    ``os.environ`` (tests pass their own). ``config_file`` overrides ``$GPC_CONFIG``; an
    explicitly named file must exist.
    """
    env = os.environ if env is None else env
    given = {k: v for k, v in (explicit or {}).items() if v is not None}
    unknown = sorted(set(given) - set(_FIELDS))
    if unknown:
        msg = f"unknown backend setting(s) {', '.join(unknown)}"
        raise UsageError(msg)
    path = Path(config_file) if config_file is not None else config_path(env)
    required = config_file is not None or bool(env.get("GPC_CONFIG"))
    values: dict[str, Any] = {
        k: _coerce(k, v, f"config file {path}") for k, v in _load_config(path, required).items()
    }
    for var, name in ENV_VARS.items():
        if env.get(var):
            values[name] = _coerce(name, env[var], f"environment variable {var}")
    values.update({k: _coerce(k, v, "option") for k, v in given.items()})
    if "prices" in values:
        values["prices"] = {**DEFAULT_PRICES, **values["prices"]}
    if not values.get("api_key"):
        key_env = values.get("api_key_env")
        if key_env is None:
            key_env = "AZURE_OPENAI_API_KEY" if values.get("azure_endpoint") else "OPENAI_API_KEY"
        values["api_key"] = env.get(key_env) or None
        values["api_key_env"] = key_env
    return BackendSettings(**values)
