"""Every button payload of the bot, typed, with one encoder and one decoder.

Callback data is whatever a client sends back: Telegram limits it to 64
bytes, and a modified client (or a button from last week) can send anything.
So each kind of button is a small pydantic model here, with a prefix and
bounded fields, and handlers receive the decoded model, never the string:

* :meth:`CallbackData.encode` writes ``prefix:field:field`` and refuses a
  payload over 64 bytes *when the button is built*, not when Telegram
  rejects the message;
* :meth:`CallbackData.decode` accepts only the exact text ``encode`` would
  write (right prefix, right number of fields, each within its range, in
  canonical form) and answers ``None`` for anything else, never raising;
* :meth:`CallbackData.pattern` is the matching rule a handler registers.

Buttons of a flow carry the flow's nonce (``flow``): a button from a flow
that ended, or from an earlier run of the same flow, names another nonce and
is answered as stale instead of acting on the current draft. Buttons that
outlive any flow (receipts, /my, ticket cards) carry the stored row's id and
their handler checks the row still exists and belongs to whoever pressed.

The wire format of the long-lived buttons (``my:…``, ``tk:…``, ``lang:…``)
is the one earlier versions wrote, so buttons already in chats keep working.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from bot.i18n import LANGUAGES

MAX_BYTES = 64  # Telegram's limit for callback_data
SEP = ":"

# -- field types: every value a button may carry, with its range -------------------
Index = Annotated[int, Field(ge=0, le=999)]  # a position in a list the draft keeps
Page = Annotated[int, Field(ge=0, le=999)]
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]  # a stored row (SQLite INTEGER)
Key = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]  # a summary's idempotency key
Flow = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{6}$")]  # a flow run's nonce
ContactMode = Literal["name", "phone", "email"]


def new_flow() -> str:
    """A fresh nonce for one run of a flow (see the module docstring)."""
    return secrets.token_hex(3)


class CallbackDataError(ValueError):
    """A payload that cannot be encoded: a separator inside a value, or over 64 bytes."""


class CallbackData(BaseModel):
    """Base of every payload: ``class SlotPick(CallbackData, prefix="bk:slot")``.

    Fields are encoded in declaration order. Prefixes are unique and none is
    the start of another (``bk:ok`` and ``bk:ok:x`` cannot both exist), so
    a string decodes as at most one kind.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

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


class FlowButton(CallbackData):
    """A button of one run of a flow: valid only while that run is the current one."""

    flow: Flow


# -- booking flow (bot/conversations/booking) -------------------------------------
class BookingButton(FlowButton):
    """Any button of the booking flow."""


class BusinessPick(BookingButton, prefix="bk:biz"):
    index: Index


class SitePick(BookingButton, prefix="bk:site"):
    index: Index


class SitesPage(BookingButton, prefix="bk:sites"):
    page: Page


class ServicePick(BookingButton, prefix="bk:svc"):
    index: Index


class DayPick(BookingButton, prefix="bk:day"):
    day: date

    @field_validator("day")
    @classmethod
    def _near(cls, value: date) -> date:
        if not 2000 <= value.year <= 2999:
            raise ValueError("day out of range")
        return value


class SlotPick(BookingButton, prefix="bk:slot"):
    index: Index


class UseKnownDetail(BookingButton, prefix="bk:known"):
    """The "Use …" button: the value we already know for the detail asked."""


class BookingBack(BookingButton, prefix="bk:back"):
    pass


class BookingQuit(BookingButton, prefix="bk:quit"):
    pass


class BookingChange(BookingButton, prefix="bk:change"):
    pass


class ConfirmBooking(CallbackData, prefix="bk:ok"):
    """Confirm on a summary; the key is the booking's idempotency key."""

    key: Key


class ConfirmMove(CallbackData, prefix="bk:mv"):
    """Confirm on a move summary: which stored booking, under which key."""

    booking: RowId
    key: Key


# -- /my and receipts (bot/conversations/my_bookings.py) --------------------------
class CancelBooking(CallbackData, prefix="my:cancel"):
    booking: RowId


class CancelBookingYes(CallbackData, prefix="my:cancel!"):
    booking: RowId


class KeepBooking(CallbackData, prefix="my:keep"):
    pass


class MoveBooking(CallbackData, prefix="my:move"):
    booking: RowId


# -- /language (bot/conversations/start.py) ---------------------------------------
class SetLanguage(CallbackData, prefix="lang"):
    code: str

    @field_validator("code")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError("unknown language")
        return value


# -- joining a queue (bot/conversations/queue) ------------------------------------
class QueueButton(FlowButton):
    """Any button of the join flow."""


class QueueBusinessPick(QueueButton, prefix="q:biz"):
    index: Index


class QueueSitePick(QueueButton, prefix="q:site"):
    index: Index


class QueueChoicePick(QueueButton, prefix="q:ch"):
    index: Index


class QueueAppointmentPick(QueueButton, prefix="q:appt"):
    index: Index


class UseContact(QueueButton, prefix="q:use"):
    mode: ContactMode


class QueueBack(QueueButton, prefix="q:back"):
    pass


class QueueQuit(QueueButton, prefix="q:quit"):
    pass


# -- a ticket's card (bot/notifications, bot/conversations/queue/tickets.py) ------
class TicketButton(CallbackData):
    ticket: RowId


class TicketRefresh(TicketButton, prefix="tk:refresh"):
    pass


class TicketLeave(TicketButton, prefix="tk:leave"):
    pass


class TicketLeaveYes(TicketButton, prefix="tk:leave!"):
    pass


class TicketStay(TicketButton, prefix="tk:stay"):
    pass


# -- staff at a desk (bot/conversations/staff.py) ---------------------------------
class StaffButton(CallbackData):
    """Any staff button: handled only for STAFF_IDS."""


class StaffVendor(StaffButton, prefix="st:v"):
    index: Index


class StaffSite(StaffButton, prefix="st:s"):
    index: Index


class StaffDesk(StaffButton, prefix="st:d"):
    index: Index


class StaffCallNext(StaffButton, prefix="st:next"):
    pass


class StaffChangeDesk(StaffButton, prefix="st:change"):
    pass
