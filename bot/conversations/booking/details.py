"""Asking the details a service requires, one at a time.

Each value is checked with the vendor's own rule before moving on, so the
user fixes a typo on the spot instead of after Confirm. Values are remembered
per kind (phone, email, names) and offered as a one-tap answer next time; a
linked profile (the accounts role, :mod:`bot.ui.accounts`) is offered first.
"""

from __future__ import annotations

import re

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update

from bot.conversations.booking import views
from bot.conversations.booking.draft import Draft
from bot.conversations.booking.states import Step
from bot.conversations.booking.steps import show_slots
from bot.conversations.booking.submit import show_summary
from bot.i18n import Translator
from bot.runtime import BotContext
from bot.ui import keyboard
from bot.ui import callbacks as cb
from bot.ui.answers import answer
from bot.ui.accounts import linked_profile
from bot.ui.limits import shorten
from bot.vendors import DetailField

PROFILE = "profile"
PREFILL = "prefill"  # draft: the linked profile's details by kind


def _prompt(t: Translator, field: DetailField) -> str:
    text = t._("Please send: {label}", label=field.label)
    if field.placeholder:
        text += "\n" + t._("For example: {example}", example=field.placeholder)
    return text


async def ask_detail(update: Update, context: BotContext) -> Step:
    """Ask the current field, or go to the summary when all are answered."""
    draft = Draft.of(context.user_data)
    fields = draft.fields
    if draft.field_index >= len(fields):
        return await show_summary(update, context)
    field = fields[draft.field_index]
    t = context.t
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    await answer(update)  # after "Use …" it was answered already: no call then
    if PREFILL not in draft.data:  # once per booking: the provider is asked, not per field
        profile = await linked_profile(update, context)
        draft.data[PREFILL] = dict(profile.prefill()) if profile else {}
    rows = []
    known = _suggestion(update, context, field)
    if known:
        rows.append([(t._("Use “{value}”", value=known), cb.UseKnownDetail(flow=draft.flow).encode())])
    rows.append(views.nav_row(t, draft.flow))
    if field.kind != "phone":
        await context.bot.send_message(chat_id, _prompt(t, field), reply_markup=keyboard(rows))
        return Step.DETAIL
    # Telegram's contact button lives on a reply keyboard, which cannot share
    # a message with inline buttons: the prompt carries it, a second line the rest.
    contact = ReplyKeyboardMarkup(
        [[KeyboardButton(t._("📱 Share my phone number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await context.bot.send_message(chat_id, _prompt(t, field), reply_markup=contact)
    await context.bot.send_message(chat_id, t._("Or:"), reply_markup=keyboard(rows))
    return Step.DETAIL


def _suggestion(update: Update, context: BotContext, field: DetailField) -> str | None:
    linked = Draft.of(context.user_data).data.get(PREFILL) or {}
    if field.kind in linked and field.accepts(normalise(field, str(linked[field.kind]))):
        return str(linked[field.kind])
    profile = (context.user_data or {}).get(PROFILE, {})
    if field.kind in profile and field.accepts(str(profile[field.kind])):
        return str(profile[field.kind])
    user = update.effective_user
    if user is not None:
        if field.kind == "first_name" and user.first_name:
            return user.first_name
        if field.kind == "last_name" and user.last_name:
            return user.last_name
    return None


def normalise(field: DetailField, value: str) -> str:
    """Accept what people type: a phone as '+39 333 123 4567' or '333-1234567'.

    If the vendor's rule refuses the raw text, its digits are tried, since
    phone rules are usually digits only.
    """
    value = value.strip()
    if field.kind == "phone" and not field.accepts(value):
        digits = re.sub(r"\D", "", value)
        if digits and field.accepts(digits):
            return digits
    if field.kind == "email":
        return value.lower()
    return value


async def accept_value(update: Update, context: BotContext, raw: str) -> Step:
    draft = Draft.of(context.user_data)
    fields = draft.fields
    if draft.field_index >= len(fields):
        return await ask_detail(update, context)
    field = fields[draft.field_index]
    value = normalise(field, raw)
    t = context.t
    if len(value) > field.limit:
        await update.effective_message.reply_text(t._(  # type: ignore[union-attr]
            "That is too long: “{label}” takes at most {n} characters. Please send a shorter one.",
            label=shorten(field.label), n=field.limit,
        ))
        return Step.DETAIL
    if not field.accepts(value) or not _plausible(field, value):
        hint = t._("“{value}” is not a valid value for “{label}”.", value=shorten(raw), label=shorten(field.label))
        if field.placeholder:
            hint += " " + t._("For example: {example}", example=field.placeholder)
        await update.effective_message.reply_text(hint)  # type: ignore[union-attr]
        return Step.DETAIL
    draft.details[field.id] = value
    if context.user_data is not None and field.kind != "text":
        context.user_data.setdefault(PROFILE, {})[field.kind] = value
    draft.field_index = draft.field_index + 1
    return await ask_detail(update, context)


def _plausible(field: DetailField, value: str) -> bool:
    if field.kind == "email":
        return re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) is not None
    return True


async def on_text(update: Update, context: BotContext) -> Step:
    return await accept_value(update, context, update.effective_message.text or "")  # type: ignore[union-attr]


async def on_contact(update: Update, context: BotContext) -> Step:
    message = update.effective_message
    assert message is not None and message.contact is not None
    draft = Draft.of(context.user_data)
    fields = draft.fields
    if draft.field_index < len(fields) and fields[draft.field_index].kind != "phone":
        await message.reply_text(context.t._("Thanks, but I need something else here."))
        return Step.DETAIL
    return await accept_value(update, context, message.contact.phone_number)


async def on_known(update: Update, context: BotContext, _: cb.UseKnownDetail) -> Step:
    draft = Draft.of(context.user_data)
    fields = draft.fields
    if draft.field_index >= len(fields):
        return await ask_detail(update, context)
    value = _suggestion(update, context, fields[draft.field_index])
    await answer(update)
    if value is None:
        return await ask_detail(update, context)
    return await accept_value(update, context, value)


async def back_from_detail(update: Update, context: BotContext) -> Step:
    """Back re-asks the previous detail, or returns to the times."""
    draft = Draft.of(context.user_data)
    if draft.field_index > 0:
        draft.field_index = draft.field_index - 1
        return await ask_detail(update, context)
    return await show_slots(update, context)
