"""The machinery of typed callback data: a prefix, typed fields, 64 bytes at most.

Payload kinds themselves are declared in :mod:`bot.ui.callbacks` (one
module for every button of the bot); this is how any of them is written and
read back, in the spirit of aiogram's ``CallbackData`` factories.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

MAX_BYTES = 64  # Telegram's limit for callback_data
SEP = ":"


def new_flow() -> str:
    """A fresh nonce for one run of a flow (see :class:`FlowButton`)."""
    return secrets.token_hex(3)


class CallbackDataError(ValueError):
    """A payload that cannot be encoded: a separator inside a value, or over 64 bytes."""


class CallbackData(BaseModel):
    """Base of every payload: ``class SlotPick(CallbackData, prefix="bk:slot")``.

    Fields are encoded in declaration order. Prefixes are unique and none is
    the start of another (``bk:ok`` and ``bk:ok:x`` cannot both exist), so
    a string decodes as at most one kind.
    """

    # defer_build: each model's validator is built when first used, not at import; most
    # are not needed for a process's first answer, and building them all cost ~0.1 s.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    prefix: ClassVar[str] = ""
    _kinds: ClassVar[dict[str, type[CallbackData]]] = {}

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix:
            return  # an abstract intermediate class
        if not prefix.isascii() or not prefix.isprintable() or " " in prefix:
            raise TypeError(f"bad callback prefix {prefix!r}")
        for other in CallbackData._kinds:
            if other == prefix or other.startswith(prefix + SEP) or prefix.startswith(other + SEP):
                raise TypeError(f"callback prefix {prefix!r} clashes with {other!r}")
        cls.prefix = prefix
        CallbackData._kinds[prefix] = cls

    # -- encoding ------------------------------------------------------------------
    def encode(self) -> str:
        parts = [self.prefix]
        for name in type(self).model_fields:
            text = _text(getattr(self, name))
            if SEP in text or not text:
                raise CallbackDataError(f"{type(self).__name__}.{name}={text!r} cannot be encoded")
            parts.append(text)
        data = SEP.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise CallbackDataError(f"{type(self).__name__} payload is {len(data.encode())} bytes: {data!r}")
        return data

    # -- decoding ------------------------------------------------------------------
    @classmethod
    def decode(cls, data: object) -> Self | None:
        """The payload ``data`` encodes, if it is one of ``cls`` (any kind, on the base)."""
        if not isinstance(data, str) or not data or len(data.encode()) > MAX_BYTES:
            return None
        parts = data.split(SEP)
        for size in range(1, len(parts) + 1):
            kind = CallbackData._kinds.get(SEP.join(parts[:size]))
            if kind is not None:
                if not issubclass(kind, cls):
                    return None
                return kind._from_parts(parts[size:], data)  # type: ignore[return-value]
        return None

    @classmethod
    def _from_parts(cls, values: list[str], data: str) -> Self | None:
        names = list(cls.model_fields)
        if len(values) != len(names):
            return None
        try:
            decoded = cls.model_validate(dict(zip(names, values, strict=True)))
            canonical = decoded.encode()
        except (ValidationError, CallbackDataError):
            return None
        # Only the exact text encode() writes: no "007", " 7", "1_0" or "+7".
        return decoded if canonical == data else None

    @classmethod
    def matches(cls, data: object) -> bool:
        return cls.decode(data) is not None

    @classmethod
    def pattern(cls) -> Callable[[object], bool]:
        """The ``pattern=`` of a handler for this kind: true exactly when it decodes."""
        return cls.matches

    @classmethod
    def kinds(cls) -> dict[str, type[CallbackData]]:
        """Every registered payload kind by prefix (for tests and docs)."""
        return dict(CallbackData._kinds)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


Flow = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{6}$")]  # a flow run's nonce


class FlowButton(CallbackData):
    """A button of one run of a flow: valid only while that run is the current one.

    The nonce tells a button of a flow that ended, or of an earlier run of
    the same flow, from one of the run the user is in (see bot.ui.buttons).
    """

    flow: Flow
