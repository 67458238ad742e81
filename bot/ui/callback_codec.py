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
from typing import Annotated, Any, ClassVar, Self, get_type_hints

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, create_model

MAX_BYTES = 64  # Telegram's limit for callback_data
SEP = ":"


def new_flow() -> str:
    """A fresh nonce for one run of a flow (see :class:`FlowButton`)."""
    return secrets.token_hex(3)


_CHECKED = ConfigDict(frozen=True, extra="forbid")


def _is_class_var(hint: object) -> bool:
    """Whether an annotation (a string, under ``from __future__ import annotations``)
    declares a class variable rather than a field."""
    text = hint if isinstance(hint, str) else repr(hint)
    return text.startswith(("ClassVar", "typing.ClassVar"))


class CallbackDataError(ValueError):
    """A payload that cannot be encoded: a separator inside a value, or over 64 bytes."""


class CallbackData:
    """Base of every payload: ``class SlotPick(CallbackData, prefix="bk:slot")``.

    Fields are declared as annotations, with their range in the type (``Annotated``
    with pydantic's ``Field``, ``StringConstraints`` or ``AfterValidator``), and are
    encoded in declaration order, a base's first. Prefixes are unique and none is the
    start of another (``bk:ok`` and ``bk:ok:x`` cannot both exist), so a string decodes
    as at most one kind. Payloads are immutable and equal when kind and values are.

    Each kind is checked by a pydantic model built from its annotations the first time
    the kind is made or read, not when it is declared: declaring the bot's 65 kinds as
    pydantic models cost about 20 ms of every start, for a first answer that needs one
    or two of them.
    """

    prefix: ClassVar[str] = ""
    fields: ClassVar[tuple[str, ...]] = ()  # declaration order, bases first
    _kinds: ClassVar[dict[str, type[CallbackData]]] = {}
    _model: ClassVar[type[BaseModel] | None] = None

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if any(hasattr(value, "decorator_info") for value in vars(cls).values()):
            raise TypeError(f"{cls.__name__}: put checks in the field's type "
                            "(Annotated[..., AfterValidator(...)]), not in a validator method")
        own = [name for name, hint in vars(cls).get("__annotations__", {}).items()
               if not _is_class_var(hint)]
        cls.fields = tuple(dict.fromkeys([*cls.fields, *own]))
        cls._model = None  # each kind its own, built by _validator()
        if not prefix:
            return  # an abstract intermediate class
        if not prefix.isascii() or not prefix.isprintable() or " " in prefix:
            raise TypeError(f"bad callback prefix {prefix!r}")
        for other in CallbackData._kinds:
            if other == prefix or other.startswith(prefix + SEP) or prefix.startswith(other + SEP):
                raise TypeError(f"callback prefix {prefix!r} clashes with {other!r}")
        cls.prefix = prefix
        CallbackData._kinds[prefix] = cls

    def __init__(self, **values: Any) -> None:
        """Checked like a pydantic model: a value out of range raises ``ValidationError``."""
        checked = type(self)._validator()(**values)
        for name in self.fields:
            object.__setattr__(self, name, getattr(checked, name))

    @classmethod
    def _validator(cls) -> type[BaseModel]:
        if cls._model is None:
            hints = get_type_hints(cls, include_extras=True)
            cls._model = create_model(  # type: ignore[call-overload]
                cls.__name__, __config__=_CHECKED, __module__=cls.__module__,
                **{name: (hints[name], ...) for name in cls.fields})
        return cls._model  # type: ignore[return-value]

    def values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.fields)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, CallbackData) and type(other) is type(self)
                and other.values() == self.values())

    def __hash__(self) -> int:
        return hash((type(self), self.values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self.fields, self.values()))
        return f"{type(self).__name__}({shown})"

    # -- encoding ------------------------------------------------------------------
    def encode(self) -> str:
        parts = [self.prefix]
        for name in self.fields:
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
        if len(values) != len(cls.fields):
            return None
        try:
            decoded = cls(**dict(zip(cls.fields, values, strict=True)))
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
