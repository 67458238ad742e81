"""Every button payload of the bot, typed, with one encoder and one decoder.

Callback data is whatever a client sends back: Telegram limits it to 64
bytes, and a modified client (or a button from last week) can send anything.
So each kind of button is a small typed class here, with a prefix and
bounded fields (checked by a pydantic model built when the kind is first used,
see :mod:`bot.ui.callback_codec`), and handlers receive the decoded payload,
never the string:

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

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from bot.i18n import LANGUAGES
from bot.ui.callback_codec import (  # noqa: F401 - re-exported
    MAX_BYTES,
    SEP,
    CallbackData,
    CallbackDataError,
    Flow,
    FlowButton,
    new_flow,
)

# -- field types: every value a button may carry, with its range -------------------
Index = Annotated[int, Field(ge=0, le=999)]  # a position in a list the draft keeps
Page = Annotated[int, Field(ge=0, le=999)]
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]  # a stored row (SQLite INTEGER)
Key = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]  # a summary's idempotency key
PlaceIndex = Annotated[int, Field(ge=0, le=9999)]  # one of the places staff /qr lists
VendorName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]  # a registry name
ContactMode = Literal["name", "phone", "email"]


def _near(value: date) -> date:
    if not 2000 <= value.year <= 2999:
        raise ValueError("day out of range")
    return value


def _known(value: str) -> str:
    if value not in LANGUAGES:
        raise ValueError("unknown language")
    return value


NearDay = Annotated[date, AfterValidator(_near)]  # a day a booking flow can show
LanguageCode = Annotated[str, AfterValidator(_known)]  # one the bot speaks

# MAX_BYTES, SEP, CallbackData, CallbackDataError, Flow, FlowButton, new_flow: the codec's
# names, re-exported so that features import every button matter from this module.


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
    day: NearDay


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


class SlotWatchStart(BookingButton, prefix="bk:watch"):
    """"Tell me if a time frees up" under a day without free times."""


class SlotWatchButton(CallbackData):
    """A button naming one stored free-slot watch (its row id)."""

    watch: RowId


class SlotWatchStop(SlotWatchButton, prefix="sw:stop"):
    pass


class SlotWatchBook(SlotWatchButton, prefix="sw:book"):
    """The freed time of a watch's notice, in minutes since the epoch (UTC)."""

    at: Annotated[int, Field(ge=0, le=10**9)]


class ConfirmBooking(CallbackData, prefix="bk:ok"):
    """Confirm on a summary; the key is the booking's idempotency key."""

    key: Key


class BookingRef(CallbackData):
    """A button naming one stored booking (its row id)."""

    booking: RowId


class ConfirmMove(BookingRef, prefix="bk:mv"):
    """Confirm on a move summary: which stored booking, under which key."""

    key: Key


# -- /my and receipts (bot/conversations/my_bookings.py) --------------------------
class CancelBooking(BookingRef, prefix="my:cancel"):
    pass


class CancelBookingYes(BookingRef, prefix="my:cancel!"):
    pass


class KeepBooking(CallbackData, prefix="my:keep"):
    pass


class MoveBooking(BookingRef, prefix="my:move"):
    pass


# -- /language (bot/conversations/start.py) ---------------------------------------
class SetLanguage(CallbackData, prefix="lang"):
    code: LanguageCode


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


class DeskButton(StaffButton):
    """A button of staff /next (bot/conversations/staff.py)."""


class StaffVendor(DeskButton, prefix="st:v"):
    index: Index


class StaffSite(DeskButton, prefix="st:s"):
    index: Index


class StaffDesk(DeskButton, prefix="st:d"):
    index: Index


class StaffCallNext(DeskButton, prefix="st:next"):
    pass


class StaffChangeDesk(DeskButton, prefix="st:change"):
    pass


# -- linked accounts (bot/conversations/accounts) ---------------------------------
class LinkButton(CallbackData):
    """Keep or Undo under "Linked as …": the provider's registry name."""

    vendor: VendorName


class LinkKeep(LinkButton, prefix="ac:keep"):
    pass


class LinkUndo(LinkButton, prefix="ac:undo"):
    pass


class CompaniesPage(StaffButton, prefix="co:page"):
    """A page of staff /company results (the query stays in user_data)."""

    page: Page


# -- /rooms (bot/conversations/rooms.py) ------------------------------------------
class RoomButton(FlowButton):
    """Any button of one /rooms run (an earlier run's is answered as stale)."""


class RoomBuilding(RoomButton, prefix="rm:b"):
    index: Index


class RoomNow(RoomButton, prefix="rm:now"):
    pass


class RoomSize(RoomButton, prefix="rm:n"):
    index: Index


class RoomWatch(RoomButton, prefix="rm:w"):
    """The "Notify me when it frees up" button: a busy space of the listing of run ``flow``.

    It outlives its run: the listing's busy spaces stay kept under the run's
    nonce (the last few listings), so it watches the room it was shown under.
    """

    index: Index


# -- staff /qr (bot/conversations/qr.py) ------------------------------------------
class QrPlace(StaffButton, prefix="qr:pick"):
    """A place staff /qr listed (the list stays in user_data)."""

    index: PlaceIndex


class QrPage(StaffButton, prefix="qr:p"):
    page: Page


# -- staff broadcast (bot/conversations/broadcast.py, its progress message) ----------
class BroadcastButton(StaffButton):
    """A button of staff /broadcast or of a broadcast's progress message."""


class BroadcastAudience(BroadcastButton, prefix="bc:to"):
    kind: Literal["everyone", "site", "store"]


class BroadcastPlace(BroadcastButton, prefix="bc:place"):
    index: Index


class BroadcastSend(BroadcastButton, prefix="bc:send"):
    mode: Literal["free", "paid"]


class BroadcastCancel(BroadcastButton, prefix="bc:cancel"):
    pass


class BroadcastControl(BroadcastButton, prefix="bc:ctl"):
    action: Literal["pause", "resume", "stop"]
    broadcast: RowId



# -- /forget (bot/conversations/privacy.py) ----------------------------------------
TelegramId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ForgetOpen(CallbackData, prefix="fg:open"):
    """The "Forget me" button under /help: the same screen as /forget."""


class ForgetButton(CallbackData):
    """A button of one /forget screen: whose it is (checked against who presses) and the
    screen's nonce, kept in their user data (a screen shown before, or before they were
    forgotten, is stale)."""

    user: TelegramId
    flow: Flow


class ForgetCancelFirst(ForgetButton, prefix="fg:cancel"):
    pass


class ForgetYes(ForgetButton, prefix="fg:yes"):
    pass


class ForgetNo(ForgetButton, prefix="fg:no"):
    pass
