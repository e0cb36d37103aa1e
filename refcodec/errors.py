"""The project's error types.

Every malformed input raises :class:`FormatError`, which names the clause of
``spec/gpc.md`` that the input breaks (for example ``[TXT-4]``). Nothing else
may escape the reader; the CLI turns these into one line on stderr.
"""

from __future__ import annotations

__all__ = ["BackendUnavailable", "FormatError", "GpcError", "UsageError"]


class GpcError(Exception):
    """Base class of every error the reference codec raises on purpose."""


class FormatError(GpcError, ValueError):
    """The bytes are not a valid GPC file; ``clause`` is the spec clause broken."""

    def __init__(self, clause: str, message: str) -> None:
        super().__init__(f"[{clause}] {message}")
        self.clause = clause
        self.message = message


class UsageError(GpcError):
    """The caller asked for something impossible (bad option, missing input)."""


class BackendUnavailable(GpcError):
    """An optional backend cannot run here; the message says what to install."""
