"""construct fields shared by the container (:mod:`refcodec.schema`) and the chunk
modules (:mod:`refcodec.chunks`): the canonical varint of §2.2 and a check that names
its spec clause."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from construct import Construct

from .errors import FormatError
from .varint import CanonicalVarInt

__all__ = ["Require", "VarInt"]

#: A canonical, length-bounded ULEB128 (VINT-1..3).
VarInt = CanonicalVarInt()


class Require(Construct):  # type: ignore[misc]
    """A zero-width check, like construct's ``Check``, that names its spec clause."""

    def __init__(
        self, clause: str, predicate: Callable[[Any], bool], message: Callable[[Any], str]
    ) -> None:
        super().__init__()
        self.clause = clause
        self.predicate = predicate
        self.message = message
        self.flagbuildnone = True

    def _check(self, context: Any) -> None:
        if not self.predicate(context):
            raise FormatError(self.clause, self.message(context))

    def _parse(self, stream: Any, context: Any, path: str) -> None:
        self._check(context)

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> None:
        self._check(context)

    def _sizeof(self, context: Any, path: str) -> int:
        return 0
