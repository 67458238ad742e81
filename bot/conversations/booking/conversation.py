"""The booking conversation, declared in one ConversationHandler.

Which handler of :mod:`bot.conversations.booking.flow` answers what, in each
step; what Back leads to from each step; and the handlers that answer taps on
a flow's buttons after the flow ended.
"""

from __future__ import annotations

import warnings

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.conversations.booking import details, entry, move, steps
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
from bot.conversations.booking.states import BACK, QUIT, Step
from bot.ui import Handler, stay_on_vendor_error
from bot.ui.links import StartLinkFilter

BACK_TO: dict[Step, Handler] = {
    Step.SITE: back_to_start,
    Step.SERVICE: lambda u, c: steps.show_sites(u, c, fetch=False),
    Step.DAY: back_from_days,
    Step.SLOT: steps.show_days,
    Step.DETAIL: details.back_from_detail,
    Step.CONFIRM: details.back_from_detail,
}


def _back(step: Step) -> CallbackQueryHandler:  # type: ignore[type-arg]
    return CallbackQueryHandler(stay_on_vendor_error(step)(BACK_TO[step]), pattern=f"^{BACK}$")


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
        CallbackQueryHandler(move.start_move, pattern=r"^my:move:\d+$"),
    ]
    request = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & text & entry.BookingRequest()
    return ConversationHandler(
        name="booking",
        persistent=True,
        allow_reentry=False,
        entry_points=[*restart, MessageHandler(request, entry.book_from_text)],
        states={
            Step.BUSINESS: [CallbackQueryHandler(on_business, pattern=r"^bk:biz:\d+$")],
            Step.SITE: [
                CallbackQueryHandler(on_site, pattern=r"^bk:site:\d+$"),
                CallbackQueryHandler(on_sites_page, pattern=r"^bk:sites:\d+$"),
                MessageHandler(filters.LOCATION, on_location),
                _back(Step.SITE),
            ],
            Step.SERVICE: [CallbackQueryHandler(on_service, pattern=r"^bk:svc:\d+$"), _back(Step.SERVICE)],
            Step.DAY: [
                CallbackQueryHandler(on_day, pattern=r"^bk:day:\d{4}-\d{2}-\d{2}$"),
                MessageHandler(text, on_day_text),
                _back(Step.DAY),
            ],
            Step.SLOT: [
                CallbackQueryHandler(on_slot, pattern=r"^bk:slot:\d+$"),
                MessageHandler(text, on_day_text),
                _back(Step.SLOT),
            ],
            Step.DETAIL: [
                MessageHandler(filters.CONTACT, details.on_contact),
                MessageHandler(text, details.on_text),
                CallbackQueryHandler(details.on_known, pattern=r"^bk:known$"),
                _back(Step.DETAIL),
            ],
            Step.CONFIRM: [
                CallbackQueryHandler(on_confirm, pattern=r"^bk:ok:"),
                CallbackQueryHandler(move.on_confirm, pattern=r"^bk:mv:\d+:"),
                CallbackQueryHandler(on_change, pattern=r"^bk:change$"),
                _back(Step.CONFIRM),
            ],
        },
        fallbacks=[
            *restart,
            CommandHandler("cancel", quit_flow),
            CallbackQueryHandler(quit_flow, pattern=f"^{QUIT}$"),
            MessageHandler(filters.ALL & ~filters.COMMAND, unexpected),
            CallbackQueryHandler(unexpected, pattern=r"^bk:"),
        ],
    )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(conversation())
    # Confirm taps that arrive after the flow ended (a double tap) never book again.
    application.add_handler(CallbackQueryHandler(on_stale_confirm, pattern=r"^bk:ok:"))
    application.add_handler(CallbackQueryHandler(move.on_stale, pattern=r"^bk:mv:\d+:"))
    application.add_handler(CallbackQueryHandler(quit_flow, pattern=f"^{QUIT}$"))
