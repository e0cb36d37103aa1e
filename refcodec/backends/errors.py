"""Backend failures as one line a user can act on, with every secret redacted.

The SDK already retried what can be retried (429, 5xx, timeouts, connection errors, with
the server's ``retry-after``) before any of these reach the user; moderation blocks and
other 4xx are never retried (shared notes §4).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..errors import GpcError

__all__ = [
    "BackendError",
    "ModerationBlocked",
    "MalformedResponse",
    "redact",
    "translate_error",
]

#: things that look like OpenAI keys, even when the key in use is unknown
_KEY_PATTERN = re.compile(r"\b(sk|sess|rk)-[A-Za-z0-9_\-*]{6,}")
REDACTED = "<redacted>"


class BackendError(GpcError):
    """A captioning or generation call failed; the message is one line, key-free."""


class ModerationBlocked(BackendError):
    """The provider's safety system refused the request (never retried)."""


class MalformedResponse(BackendError):
    """The server answered, but not with what the API promises."""


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Remove every secret (and anything shaped like an API key) from ``text``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return _KEY_PATTERN.sub(REDACTED, text)


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _api_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
    return str(getattr(exc, "message", "") or exc)


def _moderation_detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    error = body.get("error", body) if isinstance(body, dict) else None
    details = error.get("moderation_details") if isinstance(error, dict) else None
    if not isinstance(details, dict):
        return ""
    parts = []
    if details.get("moderation_stage"):
        parts.append(f"stage {details['moderation_stage']}")
    categories = details.get("categories")
    if isinstance(categories, list) and categories:
        parts.append("categories " + ", ".join(map(str, categories)))
    return f" ({'; '.join(parts)})" if parts else ""


def translate_error(
    exc: BaseException, *, what: str, where: str, secrets: Iterable[str | None] = ()
) -> BackendError:
    """Map an ``openai`` exception to a :class:`BackendError` with one clear line.

    ``what`` names the call ("captioning with gpt-5.4-mini"), ``where`` the server.
    """
    import openai

    secrets = tuple(secrets)
    detail = _one_line(_api_message(exc))
    request_id = getattr(exc, "request_id", None)
    rid = f" [request {request_id}]" if request_id else ""
    error: BackendError
    if isinstance(exc, openai.APITimeoutError):
        error = BackendError(f"{what} timed out at {where} (after the retries); raise "
                             "--timeout or check the server")
    elif isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        reason = _one_line(str(cause)) if cause else detail
        error = BackendError(f"cannot connect to {where} for {what} ({reason}); check "
                             "--base-url / OPENAI_BASE_URL and that the server is running")
    elif isinstance(exc, openai.AuthenticationError):
        error = BackendError(f"authentication failed at {where} for {what} (HTTP 401): "
                             f"{detail}; check the API key{rid}")
    elif isinstance(exc, openai.PermissionDeniedError):
        error = BackendError(f"permission denied at {where} for {what} (HTTP 403): "
                             f"{detail}{rid}")
    elif isinstance(exc, openai.NotFoundError):
        error = BackendError(f"not found at {where} for {what} (HTTP 404): {detail}; check "
                             f"the model name and --base-url{rid}")
    elif isinstance(exc, openai.RateLimitError):
        error = BackendError(f"rate limited at {where} for {what} (HTTP 429, retries "
                             f"exhausted): {detail}; lower --concurrency or retry later{rid}")
    elif isinstance(exc, openai.InternalServerError):
        error = BackendError(f"server error at {where} for {what} (HTTP "
                             f"{exc.status_code}, retries exhausted): {detail}{rid}")
    elif isinstance(exc, openai.BadRequestError) and exc.code == "moderation_blocked":
        error = ModerationBlocked(f"{what} was blocked by the provider's safety system"
                                  f"{_moderation_detail(exc)}: {detail}{rid}")
    elif isinstance(exc, openai.APIStatusError):
        error = BackendError(f"{what} rejected by {where} (HTTP {exc.status_code}"
                             f"{', ' + str(exc.code) if exc.code else ''}): {detail}{rid}")
    elif isinstance(exc, openai.APIResponseValidationError | ValueError | KeyError):
        error = MalformedResponse(f"malformed response from {where} for {what}: {detail}")
    elif isinstance(exc, openai.OpenAIError):
        error = BackendError(f"{what} failed: {detail}")
    else:
        error = BackendError(f"{what} failed: {type(exc).__name__}: {detail}")
    error.args = (redact(str(error), secrets),)
    return error
