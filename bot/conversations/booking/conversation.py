"""The booking conversation, declared in one ConversationHandler.

Which handler of :mod:`bot.conversations.booking.flow` answers what, in each
step; what Back leads to from each step; and the handlers that answer taps on
a flow's buttons after the flow ended.
"""

from __future__ import annotations

import warnings

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.conversations.booking import details, entry, move, steps, watch
from bot.conversations.booking.draft import Draft
from bot.conversations.booking.flow import (
    back_from_days,
    back_to_start,
    on_business,
    on_change,
    on_confirm,
    on_day,
    on_day_text,
    on_location,
    on_service,
    on_site,
    on_sites_page,
    on_slot,
    on_stale_confirm,
    quit_flow,
    start_booking,
    unexpected,
)
from bot.conversations.booking.states import Step
from bot.runtime import BotContext
from bot.ui import Handler, stay_on_vendor_error
from bot.ui import callbacks as cb
from bot.ui.buttons import ButtonHandler
from bot.ui.links import StartLinkFilter

D = TypeVar("D", bound=cb.CallbackData)

BACK_TO: dict[Step, Handler] = {
    Step.SITE: back_to_start,
    Step.SERVICE: lambda u, c: steps.show_sites(u, c, fetch=False),
    Step.DAY: back_from_days,
    Step.SLOT: steps.show_days,
    Step.DETAIL: details.back_from_detail,
    Step.CONFIRM: details.back_from_detail,
}


def _button(kind: type[D], callback: Callable[[Update, BotContext, D], Awaitable[Any]]) -> ButtonHandler:
    """A button of this run of the booking flow (an earlier run's is answered as stale)."""
    return ButtonHandler(kind, callback, flow=Draft)


def _back(step: Step) -> ButtonHandler:
    back = stay_on_vendor_error(step)(BACK_TO[step])
    return _button(cb.BookingBack, lambda update, context, _: back(update, context))


def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        # One conversation per user and chat, not per message, is the point:
        # PTB warns that callback queries are then tracked per chat; we want that.
        warnings.filterwarnings("ignore", message=".*per_message=False.*")
        return _conversation(text)


def _conversation(text: filters.BaseFilter) -> ConversationHandler:  # type: ignore[type-arg]
    # Ways in that also restart a booking under way. Free text starts one only
    # outside the flow (inside, it answers the step), so re-entry is not PTB's
    # allow_reentry (which tries every entry point first) but these, as fallbacks.
    restart = [
        CommandHandler("book", start_booking),
        CommandHandler("start", entry.book_from_link, filters=StartLinkFilter("book")),
        # /my shows this button only for vendors with Capability.RESCHEDULE
        ButtonHandler(cb.MoveBooking, move.start_move),
        # a time on a free-slot notice (bot/notifications/slot_watch.py)
        ButtonHandler(cb.SlotWatchBook, watch.book_from_notice),
    ]
    request = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & text & entry.BookingRequest()
    return ConversationHandler(
        name="booking",
        persistent=True,
        allow_reentry=False,
        entry_points=[*restart, MessageHandler(request, entry.book_from_text)],
        states={
            Step.BUSINESS: [_button(cb.BusinessPick, on_business)],
            Step.SITE: [
                _button(cb.SitePick, on_site),
                _button(cb.SitesPage, on_sites_page),
                MessageHandler(filters.LOCATION, on_location),
                _back(Step.SITE),
            ],
            Step.SERVICE: [_button(cb.ServicePick, on_service), _back(Step.SERVICE)],
            Step.DAY: [
                _button(cb.DayPick, on_day),
                MessageHandler(text, on_day_text),
                _back(Step.DAY),
            ],
            Step.SLOT: [
                _button(cb.SlotPick, on_slot),
                _button(cb.SlotWatchStart, watch.on_watch),
                MessageHandler(text, on_day_text),
                _back(Step.SLOT),
            ],
            Step.DETAIL: [
                MessageHandler(filters.CONTACT, details.on_contact),
                MessageHandler(text, details.on_text),
                _button(cb.UseKnownDetail, details.on_known),
                _back(Step.DETAIL),
            ],
            Step.CONFIRM: [
                ButtonHandler(cb.ConfirmBooking, on_confirm),
                ButtonHandler(cb.ConfirmMove, move.on_confirm),
                _button(cb.BookingChange, on_change),
                _back(Step.CONFIRM),
            ],
        },
        fallbacks=[
            *restart,
            CommandHandler("cancel", quit_flow),
            _button(cb.BookingQuit, quit_flow),
            MessageHandler(filters.ALL & ~filters.COMMAND, unexpected),
        ],
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(conversation())
    # Confirm taps that arrive after the flow ended (a double tap) never book again.
    application.add_handler(ButtonHandler(cb.ConfirmBooking, on_stale_confirm))
    application.add_handler(ButtonHandler(cb.ConfirmMove, move.on_stale))
    application.add_handler(ButtonHandler(cb.SlotWatchStop, watch.on_stop))
    # ✖ of the current run when the conversation itself was lost; other runs' are stale.
    application.add_handler(_button(cb.BookingQuit, quit_flow))
