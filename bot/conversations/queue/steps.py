"""Showing each step of joining a queue.

Every ``show_*`` function renders its step from the draft and returns the
state the conversation moves to, so handlers read as "do this, then show
that", and Back is calling the previous step's ``show_*`` again.
"""

from __future__ import annotations

from datetime import datetime, timezone

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler

from bot.conversations.queue import views
from bot.conversations.queue.draft import QueueDraft
from bot.conversations.queue.states import Step
from bot.conversations.queue.values import from_profile
from bot.i18n import format_datetime
from bot.runtime import BotContext
from bot.ui import reply
from bot.ui.answers import answer
from bot.ui.accounts import linked_profile
from bot.vendors import ContactMode, NotFound, QueueRole

PROFILE = "profile"  # remembered contact details, shared with the booking flow
END = ConversationHandler.END


def queue_vendors(context: BotContext) -> list[QueueRole]:
    return list(context.services.vendors.queues.values())


def vendor_of(context: BotContext, draft: QueueDraft) -> QueueRole:
    vendor = context.services.vendors.queue(draft.vendor or "")
    if vendor is None:
        raise NotFound("queue vendor no longer enabled")
    return vendor


async def show_businesses(update: Update, context: BotContext) -> Step:
    text, markup = views.businesses(context.t, QueueDraft.of(context.user_data).flow, [v.title for v in queue_vendors(context)])
    await reply(update, context, text, markup)
    return Step.BUSINESS


async def show_sites(update: Update, context: BotContext, *, fetch: bool = True) -> Step:
    draft = QueueDraft.of(context.user_data)
    if fetch:
        draft.sites = await vendor_of(context, draft).queue_sites()
    text, markup = views.sites(context.t, draft.flow, draft.sites, back=len(queue_vendors(context)) > 1)
    await reply(update, context, text, markup)
    return Step.SITE


async def open_level(update: Update, context: BotContext, parent_id: str | None) -> Step:
    """Fetch the choices under ``parent_id`` (the roots for None) and show them."""
    draft = QueueDraft.of(context.user_data)
    site = draft.site
    assert site is not None
    listed = await vendor_of(context, draft).choices(site.id, parent_id, context.language)
    draft.push_level(listed)
    return await show_choices(update, context)


async def show_choices(update: Update, context: BotContext, *, edit: bool = True) -> Step:
    draft = QueueDraft.of(context.user_data)
    site, levels = draft.site, draft.levels
    assert site is not None and levels
    text, markup = views.choices(context.t, draft.flow, site, levels[-1], first=len(levels) == 1)
    await reply(update, context, text, markup, edit=edit)
    return Step.CHOICE


async def show_appointments(update: Update, context: BotContext, *, edit: bool = True) -> Step:
    """The user's upcoming bookings, those at this store first (matched by name)."""
    draft = QueueDraft.of(context.user_data)
    site = draft.site
    assert site is not None and update.effective_user is not None
    t = context.t
    upcoming = await context.services.storage.bookings.list_upcoming(
        update.effective_user.id, datetime.now(timezone.utc), states=("confirmed",)
    )
    usable = [b for b in upcoming if b.external_id]
    name = site.name.casefold()
    here = [b for b in usable if b.site_name.casefold() in name or name in b.site_name.casefold()]
    offered = here or usable
    draft.appointments = [
        {
            "label": f"{format_datetime(b.start_utc, b.timezone, t.locale)} · {b.service_name} – {b.site_name}",
            "external_id": b.external_id,
            "start": b.start_utc.isoformat(),
        }
        for b in offered
    ]
    text, markup = views.appointments(t, draft.flow, [a["label"] for a in draft.appointments])
    await reply(update, context, text, markup, edit=edit)
    return Step.APPOINTMENT


LINKED = "linked"  # the linked profile's contact values, read once per join


def suggestions(update: Update, context: BotContext, draft: QueueDraft) -> list[tuple[str, ContactMode]]:
    """One-tap contact answers (value, mode): a linked profile's first, then what the
    user gave before, then (for a name) their Telegram first name."""
    modes = draft.modes()
    linked: dict[str, str] = draft.data.get(LINKED) or {}
    profile = (context.user_data or {}).get(PROFILE, {})
    if modes and modes[0] == "name":
        name = linked.get("name") or profile.get("name") or (
            update.effective_user.first_name if update.effective_user else "")
        return [(str(name), "name")] if name else []
    found: list[tuple[str, ContactMode]] = []
    for mode in ("phone", "email"):
        value = linked.get(mode) or profile.get(mode)
        if mode in modes and value:
            found.append((str(value), mode))
    return found


async def read_linked(update: Update, context: BotContext, draft: QueueDraft) -> None:
    """Ask the account providers once per join (not at every return to this step)."""
    if LINKED not in draft.data:
        draft.data[LINKED] = dict(from_profile(await linked_profile(update, context)))


async def ask_contact(update: Update, context: BotContext, *, edit: bool = True) -> int:
    draft = QueueDraft.of(context.user_data)
    t = context.t
    modes = draft.modes()
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    if not modes:  # the store takes nobody from here (no mode it accepts is left)
        if update.callback_query:
            await answer(update)
        QueueDraft.clear(context.user_data)
        await context.bot.send_message(
            chat_id, t._("Sorry, this store cannot take you in its queue from here right now."),
            reply_markup=ReplyKeyboardRemove(),
        )
        return END
    await read_linked(update, context, draft)
    if "phone" in modes and modes[0] != "name":
        if update.callback_query:
            await answer(update)
        await context.bot.send_message(chat_id, views.contact_prompt(t, modes), reply_markup=views.phone_keyboard(t))
        await context.bot.send_message(
            chat_id, t._("Or:"), reply_markup=views.contact_buttons(t, draft.flow, suggestions(update, context, draft))
        )
    else:  # no reply keyboard needed: the step replaces the previous one in place
        markup = views.contact_buttons(t, draft.flow, suggestions(update, context, draft))
        await reply(update, context, views.contact_prompt(t, modes), markup, edit=edit)
    return Step.CONTACT


async def after_choice(update: Update, context: BotContext) -> int:
    """A leaf was chosen: the appointment step when it needs one, else the contact."""
    leaf = QueueDraft.of(context.user_data).leaf
    if leaf is not None and leaf.appointment:
        return await show_appointments(update, context)
    return await ask_contact(update, context)
