"""Joining a virtual queue, declared in one ConversationHandler.

/queue → business (when several run queues) → store → the store's choices,
one level at a time → the user's appointment (when the choice is for
people with one) → contact → ticket and its live card. Back re-shows the
previous step; /cancel or ✖ leaves at any point. Vendor failures keep the
user on the step they were on, with the message from
:mod:`bot.conversations.errors`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from datetime import datetime

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.conversations.queue import contact, steps
from bot.conversations.queue.draft import QueueDraft
from bot.conversations.queue.states import Step
from bot.runtime import BotContext
from bot.ui import Handler, reply, stay_on_vendor_error
from bot.ui import callbacks as cb
from bot.ui.answers import answer
from bot.ui.buttons import ButtonHandler
from bot.ui.links import StartLinkFilter, start_link
from bot.vendors import Appointment

log = logging.getLogger(__name__)
END = ConversationHandler.END
D = TypeVar("D", bound=cb.CallbackData)


def stay_on_queue_error(step: Step) -> Callable[[Any], Any]:
    return stay_on_vendor_error(step, queue=True)


@stay_on_queue_error(Step.BUSINESS)
async def start_queue(update: Update, context: BotContext) -> object:
    vendors = steps.queue_vendors(context)
    t = context.t
    if not vendors:
        await reply(update, context, t._("No queue is set up yet. Please come back later."))
        return END
    draft = QueueDraft.of(context.user_data, new=True)
    user = update.effective_user
    held = await context.services.storage.tickets.list_for_owner(user.id) if user else []
    if held:
        names = ", ".join(t._("ticket {number} at {site}", number=k.number, site=k.site_name) for k in held)
        await reply(update, context, t._("You are already in the queue: {tickets}. Its card shows where you stand.", tickets=names), edit=False)
    if len(vendors) == 1:
        draft.vendor = vendors[0].name
        return await steps.show_sites(update, context)
    return await steps.show_businesses(update, context)


@stay_on_queue_error(Step.BUSINESS)
async def join_from_link(update: Update, context: BotContext) -> object:
    """``/start q_…`` (a QR code at a store's door): that store's choices, else /queue."""
    link = start_link(update)
    vendor = context.services.vendors.queue(link.vendor) if link is not None else None
    if link is not None and vendor is not None:
        sites = await vendor.queue_sites()
        site = next((s for s in sites if link.names_site(s.id)), None)
        if site is not None:
            draft = QueueDraft.of(context.user_data, new=True)
            draft.vendor, draft.sites, draft.site = vendor.name, sites, site
            return await steps.open_level(update, context, None)
    await reply(update, context, context.t._("This link does not lead anywhere any more; here is where you can queue."))
    return await start_queue(update, context)


@stay_on_queue_error(Step.BUSINESS)
async def on_business(update: Update, context: BotContext, pick: cb.QueueBusinessPick) -> object:
    vendors = steps.queue_vendors(context)
    index = pick.index
    if not 0 <= index < len(vendors):
        return await steps.show_businesses(update, context)
    QueueDraft.of(context.user_data).vendor = vendors[index].name
    return await steps.show_sites(update, context)


@stay_on_queue_error(Step.SITE)
async def on_site(update: Update, context: BotContext, pick: cb.QueueSitePick) -> object:
    draft = QueueDraft.of(context.user_data)
    listed = draft.sites
    index = pick.index
    if not 0 <= index < len(listed):
        return await steps.show_sites(update, context)
    draft.site = listed[index]
    return await steps.open_level(update, context, None)


@stay_on_queue_error(Step.CHOICE)
async def on_choice(update: Update, context: BotContext, pick: cb.QueueChoicePick) -> object:
    draft = QueueDraft.of(context.user_data)
    levels, index = draft.levels, pick.index
    if not levels or not 0 <= index < len(levels[-1]):
        return await steps.show_sites(update, context, fetch=False)
    choice = levels[-1][index]
    draft.choose(choice)
    if choice.has_children:
        return await steps.open_level(update, context, choice.id)
    return await steps.after_choice(update, context)


@stay_on_queue_error(Step.APPOINTMENT)
async def on_appointment(update: Update, context: BotContext, pick: cb.QueueAppointmentPick) -> object:
    draft = QueueDraft.of(context.user_data)
    offered, index = draft.appointments, pick.index
    if not 0 <= index < len(offered):
        return await steps.show_appointments(update, context)
    chosen = offered[index]
    draft.appointment = Appointment(external_id=chosen["external_id"], start=datetime.fromisoformat(chosen["start"]))
    return await steps.ask_contact(update, context)


# -- leaving and going back -------------------------------------------
async def quit_flow(update: Update, context: BotContext, _: cb.QueueQuit | None = None) -> object:
    QueueDraft.clear(context.user_data)
    text = context.t._("OK, you did not join any queue.")
    if update.callback_query:
        await reply(update, context, text)
    else:
        await update.effective_message.reply_text(text, reply_markup=ReplyKeyboardRemove())  # type: ignore[union-attr]
    return END


async def _back_from_site(update: Update, context: BotContext) -> object:
    if len(steps.queue_vendors(context)) > 1:
        return await steps.show_businesses(update, context)
    return await quit_flow(update, context)


async def _back_from_choice(update: Update, context: BotContext) -> object:
    draft = QueueDraft.of(context.user_data)
    if len(draft.levels) > 1:
        draft.pop_level()
        draft.unchoose()
        return await steps.show_choices(update, context)
    return await steps.show_sites(update, context, fetch=False)


async def _back_from_appointment(update: Update, context: BotContext) -> object:
    QueueDraft.of(context.user_data).unchoose()
    return await steps.show_choices(update, context)


async def _back_from_contact(update: Update, context: BotContext) -> object:
    draft = QueueDraft.of(context.user_data)
    if update.callback_query:
        await answer(update)
    modes = draft.modes()
    keyboard_shown = "phone" in modes and modes[0] != "name"
    if keyboard_shown:  # the contact button is on screen: take it away
        await context.bot.send_message(
            update.effective_chat.id, context.t._("OK, one step back."), reply_markup=ReplyKeyboardRemove()  # type: ignore[union-attr]
        )
    if draft.leaf is not None and draft.leaf.appointment:
        draft.appointment = None
        return await steps.show_appointments(update, context, edit=not keyboard_shown)
    draft.unchoose()
    return await steps.show_choices(update, context, edit=not keyboard_shown)


BACK_TO: dict[Step, Handler] = {
    Step.SITE: _back_from_site,
    Step.CHOICE: _back_from_choice,
    Step.APPOINTMENT: _back_from_appointment,
    Step.CONTACT: _back_from_contact,
}


def _button(kind: type[D], callback: Callable[[Update, BotContext, D], Awaitable[Any]]) -> ButtonHandler:
    """A button of this run of the join flow (an earlier run's is answered as stale)."""
    return ButtonHandler(kind, callback, flow=QueueDraft)


def _back(step: Step) -> ButtonHandler:
    back = stay_on_queue_error(step)(BACK_TO[step])
    return _button(cb.QueueBack, lambda update, context, _: back(update, context))


async def unexpected(update: Update, context: BotContext) -> None:
    """Any other message inside the flow: a hint rather than silence (buttons: bot.ui.buttons)."""
    await update.effective_message.reply_text(  # type: ignore[union-attr]
        context.t._("Please use the buttons above, or /cancel to stop joining the queue.")
    )


def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    contact_step = stay_on_queue_error(Step.CONTACT)
    with warnings.catch_warnings():
        # One conversation per user and chat, not per message, is the point.
        warnings.filterwarnings("ignore", message=".*per_message=False.*")
        return ConversationHandler(
            name="queue",
            persistent=True,
            allow_reentry=True,
            entry_points=[
                CommandHandler("queue", start_queue),
                CommandHandler("start", join_from_link, filters=StartLinkFilter("queue")),
            ],
            states={
                Step.BUSINESS: [_button(cb.QueueBusinessPick, on_business)],
                Step.SITE: [_button(cb.QueueSitePick, on_site), _back(Step.SITE)],
                Step.CHOICE: [_button(cb.QueueChoicePick, on_choice), _back(Step.CHOICE)],
                Step.APPOINTMENT: [
                    _button(cb.QueueAppointmentPick, on_appointment),
                    _back(Step.APPOINTMENT),
                ],
                Step.CONTACT: [
                    MessageHandler(filters.CONTACT, contact_step(contact.on_contact)),
                    MessageHandler(text, contact_step(contact.on_text)),
                    _button(cb.UseContact, contact_step(contact.on_use)),
                    _back(Step.CONTACT),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", quit_flow),
                _button(cb.QueueQuit, quit_flow),
                MessageHandler(filters.ALL & ~filters.COMMAND, unexpected),
            ],
        )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(conversation())
    # ✖ of the current run when the conversation itself was lost; other runs' buttons,
    # and those of a flow that ended, fall through to bot.ui.buttons.stale_buttons.
    application.add_handler(_button(cb.QueueQuit, quit_flow))
