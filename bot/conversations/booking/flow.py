"""The booking conversation's handlers, one per step.

/book → business (when several) → site → service → day → slot → details →
summary → receipt; "🔁 Move" in /my enters at the day step to move a booking
(:mod:`bot.conversations.booking.move`). Each handler does one step and
returns the next state; Back re-shows the previous step; /cancel or ✖ leaves
at any point. Vendor failures keep the user on the step they were on, with
the message from :mod:`bot.conversations.errors`. The ConversationHandler
that wires them is in :mod:`bot.conversations.booking.conversation`.
"""

from __future__ import annotations

import logging
from datetime import date

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler

from bot.conversations.booking import details, entry, move, steps
from bot.conversations.booking.draft import Draft
from bot.conversations.booking.states import Step
from bot.conversations.booking.submit import (
    AlreadyConfirmed,
    NotYours,
    StaleSummary,
    issued_to,
    field_for,
    send_receipt,
    submit,
)
from bot.runtime import BotContext
from bot.ui import callbacks as cb
from bot.ui import reply, stay_on_vendor_error
from bot.ui.answers import answer, answers_itself
from bot.ui.buttons import answer_not_yours, answer_stale
from bot.ui.errors import user_message
from bot.vendors import InputRejected, Service, Site, Slot, SlotUnavailable, VendorError

log = logging.getLogger(__name__)
END = ConversationHandler.END


# -- entry -------------------------------------------------------------
@stay_on_vendor_error(Step.BUSINESS)
async def start_booking(update: Update, context: BotContext) -> object:
    vendors = list(context.services.vendors)
    if not vendors:
        await reply(update, context, context.t._("No booking system is set up yet. Please come back later."))
        return END
    draft = Draft.of(context.user_data, new=True)
    if len(vendors) == 1:
        draft.vendor = vendors[0].name
        return await steps.show_sites(update, context)
    return await steps.show_businesses(update, context)


@stay_on_vendor_error(Step.BUSINESS)
async def on_business(update: Update, context: BotContext, pick: cb.BusinessPick) -> object:
    vendors = list(context.services.vendors)
    index = pick.index
    if not 0 <= index < len(vendors):
        return await steps.show_businesses(update, context)
    Draft.of(context.user_data).vendor = vendors[index].name
    return await entry.after_business(update, context)


# -- site --------------------------------------------------------------
@stay_on_vendor_error(Step.SITE)
async def on_site(update: Update, context: BotContext, pick: cb.SitePick) -> object:
    draft = Draft.of(context.user_data)
    site = draft.pick("sites", Site, pick.index)
    if site is None:
        return await steps.show_sites(update, context)
    draft.site = site
    return await entry.after_site(update, context)


@stay_on_vendor_error(Step.SITE)
async def on_sites_page(update: Update, context: BotContext, page: cb.SitesPage) -> object:
    return await steps.show_sites(update, context, page.page, fetch=False)


@stay_on_vendor_error(Step.SITE)
async def on_location(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None and message.location is not None
    draft = Draft.of(context.user_data)
    steps.sort_by_distance(draft, message.location.latitude, message.location.longitude)
    await message.reply_text(context.t._("Here are the nearest places:"), reply_markup=ReplyKeyboardRemove())
    return await steps.show_sites(update, context, fetch=False)


# -- service -----------------------------------------------------------
@stay_on_vendor_error(Step.SERVICE)
async def on_service(update: Update, context: BotContext, pick: cb.ServicePick) -> object:
    draft = Draft.of(context.user_data)
    service = draft.pick("services", Service, pick.index)
    if service is None:
        return await steps.show_services(update, context)
    draft.service = service
    return await entry.after_service(update, context)


# -- day ---------------------------------------------------------------
@stay_on_vendor_error(Step.DAY)
async def on_day(update: Update, context: BotContext, pick: cb.DayPick) -> object:
    Draft.of(context.user_data).day = pick.day
    return await steps.show_slots(update, context)


@stay_on_vendor_error(Step.DAY)
async def on_day_text(update: Update, context: BotContext) -> object:
    """Free text like "tomorrow at 11" / "domani alle 11": a day, maybe a time."""
    message = update.effective_message
    assert message is not None and message.text is not None
    shown = await entry.apply_when(update, context, message.text)
    if shown is None:
        await message.reply_text(
            context.t._("Sorry, I did not understand which day. Try “tomorrow at 11” or pick a button.")
        )
        return Step.DAY
    return shown


# -- slot --------------------------------------------------------------
@stay_on_vendor_error(Step.SLOT)
async def on_slot(update: Update, context: BotContext, pick: cb.SlotPick) -> object:
    slot = Draft.of(context.user_data).pick("slots", Slot, pick.index)
    if slot is None:
        return await steps.show_slots(update, context)
    return await entry.slot_chosen(update, context, slot)


# -- confirm -----------------------------------------------------------
@answers_itself
async def on_confirm(update: Update, context: BotContext, button: cb.ConfirmBooking) -> object:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    if Draft.of(context.user_data).key != button.key:
        await on_stale_confirm(update, context, button)
        return None  # an older or foreign summary: this run's own summary stays valid
    await answer(update)  # before the vendor is asked
    message = query.message
    summary = (message.chat.id, message.message_id) if message is not None else None
    try:
        booking = await submit(context, context.customer(update.effective_user), button.key, summary)
    except NotYours:
        await answer_not_yours(update, context)
        return None
    except AlreadyConfirmed:
        Draft.clear(context.user_data)
        await _remove_buttons(update)
        await reply(update, context, context.t._("This booking is already confirmed. See /my."), edit=False)
        return END
    except StaleSummary:
        Draft.clear(context.user_data)
        return await on_stale_confirm(update, context, button)
    except SlotUnavailable as exc:
        await reply(update, context, user_message(exc, context.t), edit=False)
        return await steps.show_slots(update, context, edit=False)
    except InputRejected as exc:
        await reply(update, context, user_message(exc, context.t), edit=False)
        index = field_for(exc, context)
        if index is None:
            return Step.CONFIRM
        Draft.of(context.user_data).field_index = index
        return await details.ask_detail(update, context)
    except VendorError as exc:
        await reply(update, context, user_message(exc, context.t), edit=False)
        return Step.CONFIRM
    Draft.clear(context.user_data)
    await _remove_buttons(update)
    await send_receipt(context.bot, update.effective_chat.id, context.t, booking)  # type: ignore[union-attr]
    return END


async def _remove_buttons(update: Update) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        try:
            await query.edit_message_reply_markup(None)
        except Exception:  # noqa: BLE001 - removing buttons is cosmetic
            pass


@answers_itself
async def on_stale_confirm(update: Update, context: BotContext, button: cb.ConfirmBooking) -> object:
    """A Confirm from an old summary: never books, says where things stand.

    A key another user was given (copied, forged) is refused as such: it
    neither books nor shows their booking, and the flow it lands in goes on.
    """
    assert update.effective_user is not None
    existing = await context.services.storage.bookings.get_by_key(button.key)
    if not issued_to(context, update.effective_user.id, button.key, existing):
        await answer_not_yours(update, context)
        return None
    if existing is not None and existing.state == "confirmed":
        await reply(update, context, context.t._("This booking is already confirmed. See /my."), edit=False)
        return None
    if Draft.flow_of(context.user_data) is not None:
        await answer_stale(update, context)  # an earlier summary of a flow still going on
        return None
    await reply(update, context, context.t._("This summary is no longer valid. Start again with /book."), edit=False)
    return END


async def on_change(update: Update, context: BotContext, _: cb.BookingChange) -> object:
    return await steps.show_days(update, context)


# -- leaving and going back -------------------------------------------
async def quit_flow(update: Update, context: BotContext, _: cb.BookingQuit | None = None) -> object:
    if move.moving(context) is not None:
        return await move.keep(update, context)
    Draft.clear(context.user_data)
    text = context.t._("Booking cancelled. Nothing was booked.")
    if update.callback_query:
        await reply(update, context, text)
    else:
        await update.effective_message.reply_text(text, reply_markup=ReplyKeyboardRemove())  # type: ignore[union-attr]
    return END


async def back_to_start(update: Update, context: BotContext) -> object:
    if len(context.services.vendors) > 1:
        return await steps.show_businesses(update, context)
    return await quit_flow(update, context)


async def back_from_days(update: Update, context: BotContext) -> object:
    if move.moving(context) is not None:  # a move keeps its service: Back leaves it
        return await move.keep(update, context)
    return await steps.show_services(update, context)


async def unexpected(update: Update, context: BotContext) -> None:
    """Any other message inside the flow: a hint rather than silence (buttons: bot.ui.buttons)."""
    await update.effective_message.reply_text(  # type: ignore[union-attr]
        context.t._("Please use the buttons above, or /cancel to stop booking.")
    )
