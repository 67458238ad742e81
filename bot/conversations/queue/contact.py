"""The contact step and taking the ticket.

The store is told how to reach the person in the cheapest way it accepts:
a name when it allows one (the bot itself rings the phone on Telegram, so
the business pays for no SMS), else a phone number (Telegram's contact
button) or an email address. A mode the vendor refuses is not offered again.

Joining has no idempotency key at the vendor, so a repeat (a double tap, an
update redelivered after a crash once the ticket was stored) must not take
a second ticket: whoever already holds a ticket at that store gets its card
again instead. A crash while the vendor registers the person is covered by a
claim written before the call (:class:`~bot.storage.JoinClaimRepo`) and
removed with the write that stores the ticket: a claim still there means
"maybe registered", so the next join at that store (or recovery after the
restart, :mod:`.recovery`) first asks the vendor for the registration made
under the claim's key (:meth:`QueueRole.find_joined`) and registers the
person only when there is none, under the same key.
"""

from __future__ import annotations

import logging
import secrets

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler

from bot.conversations.queue import steps, views
from bot.conversations.queue.draft import QueueDraft
from bot.conversations.queue.states import Step
from bot.conversations.queue.values import contact_limit, normalise_phone, read_contact
from bot.notifications.delivery import post_card
from bot.runtime import BotContext, bot_application
from bot.runtime import Services
from bot.storage import JoinClaim, TicketRecord
from bot.ui import callbacks as cb
from bot.ui.answers import answer
from bot.ui.errors import user_message
from bot.ui.settling import settling
from bot.vendors import ContactMode, InputRejected, JoinRequest, QueueRole, Ticket

log = logging.getLogger(__name__)
END = ConversationHandler.END

async def on_text(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    draft = QueueDraft.of(context.user_data)
    text, limit = " ".join((message.text or "").split()), contact_limit(draft.modes())
    if len(text) > limit:
        await message.reply_text(context.t._(
            "That is too long: please send at most {n} characters.", n=limit))
        return Step.CONTACT
    found = read_contact(text, draft.modes())
    if found is None:
        await message.reply_text(context.t._("Sorry, that does not look right.") + " "
                                 + views.contact_prompt(context.t, draft.modes()))
        return Step.CONTACT
    return await join(update, context, *found)


async def on_contact(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None and message.contact is not None
    if "phone" not in QueueDraft.of(context.user_data).modes():
        await message.reply_text(context.t._("Thanks, but this store does not take phone numbers."))
        return Step.CONTACT
    return await join(update, context, "phone", normalise_phone(message.contact.phone_number))


async def on_use(update: Update, context: BotContext, button: cb.UseContact) -> object:
    """A one-tap suggestion: use the value we know for ``button.mode``."""
    query = update.callback_query
    assert query is not None
    await answer(update)
    draft = QueueDraft.of(context.user_data)
    value = {mode: value for value, mode in steps.suggestions(update, context, draft)}.get(button.mode)
    if value is None or button.mode not in draft.modes():
        return await steps.ask_contact(update, context)
    return await join(update, context, button.mode, value)


async def join(update: Update, context: BotContext, mode: ContactMode, value: str) -> object:
    draft = QueueDraft.of(context.user_data)
    vendor = steps.vendor_of(context, draft)
    site, t = draft.site, context.t
    user, chat = update.effective_user, update.effective_chat
    assert site is not None and user is not None and chat is not None
    repo = context.services.storage.tickets
    held = [k for k in await repo.list_for_owner(user.id) if k.vendor == vendor.name and k.site_id == site.id]
    if held:
        await context.bot.send_message(
            chat.id, t._("You already hold ticket {number} at {site}.", number=held[0].number, site=site.name),
            reply_markup=ReplyKeyboardRemove(),
        )
        await _show_card(context, held[0], site.timezone)
        QueueDraft.clear(context.user_data)
        return END
    claims = context.services.storage.join_claims
    pending = await claims.pending(user.id, vendor.name, site.id)
    key = pending.claim_key if pending is not None else secrets.token_hex(8)
    request = JoinRequest(site_id=site.id, choice_path=tuple(draft.path), contact_mode=mode,
                          contact_value=value, language=context.language,
                          appointment=draft.appointment, claim_key=key)
    async with settling(f"join:{key}"):
        if pending is not None and await claims.get(key) is None:
            return await join(update, context, mode, value)  # recovery settled it meanwhile
        try:
            ticket = await _claimed_join(context.services, vendor, request, pending, user.id, site.name)
        except InputRejected as exc:
            log.info("queue join refused: field=%s", exc.field)
            await context.bot.send_message(chat.id, user_message(exc, t, queue=True))
            return await _after_refusal(update, context, exc, mode)
        stored = await store_ticket(context.services, vendor.name, key, ticket, user.id, site.name)
    _remember(context, mode, value)
    QueueDraft.clear(context.user_data)
    await context.bot.send_message(chat.id, views.joined(t, site.name), reply_markup=ReplyKeyboardRemove())
    await _show_card(context, stored, site.timezone)
    return END


async def _claimed_join(services: Services, vendor: QueueRole, request: JoinRequest,
                        pending: JoinClaim | None, owner: int, site_name: str) -> Ticket:
    """The registration made under the claim (after a crash), else a new one under it."""
    assert request.claim_key is not None
    claims = services.storage.join_claims
    if pending is not None:
        found = await vendor.find_joined(JoinRequest.model_validate(pending.request))
        if found is not None:
            return found
    else:
        await claims.claim(request.claim_key, vendor=vendor.name, owner=owner,
                           site_id=request.site_id, site_name=site_name,
                           request=request.model_dump(mode="json"))
    try:
        return await vendor.join(request)
    except InputRejected:
        await claims.settle(request.claim_key)  # refused: nobody was registered
        raise


async def store_ticket(services: Services, vendor: str, key: str, ticket: Ticket, owner: int,
                       site_name: str) -> TicketRecord:
    """Store the vendor's ticket and drop its claim, in one transaction."""
    storage = services.storage
    async with storage.db.transaction():
        stored, _ = await storage.tickets.add(
            vendor, ticket.external_id, owner=owner, site_id=ticket.site_id,
            site_name=site_name, number=ticket.number, state=ticket.state,
        )
        await storage.join_claims.settle(key)
    return stored


async def _show_card(context: BotContext, ticket: TicketRecord, timezone: str) -> None:
    """Send the ticket's card (a new message) and let the watcher keep it current."""
    watcher = context.services.queue_watcher
    if watcher is not None:
        await watcher.show_card(ticket, timezone)
    else:  # no watcher (e.g. a bare application in a test): a static card
        await post_card(bot_application(context.application), ticket, None, timezone)


async def _after_refusal(update: Update, context: BotContext, error: InputRejected, mode: ContactMode) -> object:
    draft = QueueDraft.of(context.user_data)
    if error.field == "appointment" and draft.leaf is not None and draft.leaf.appointment:
        draft.appointment = None
        return await steps.show_appointments(update, context, edit=False)
    if error.field == "contact_mode":
        draft.refuse_mode(mode)  # ask_contact ends the flow when no mode is left
    return await steps.ask_contact(update, context, edit=False)  # below the explanation


def _remember(context: BotContext, mode: ContactMode, value: str) -> None:
    if context.user_data is not None:
        context.user_data.setdefault(steps.PROFILE, {})[mode] = value
