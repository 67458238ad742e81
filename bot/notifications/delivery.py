"""Putting ticket cards and turn notices on the user's screen.

Two different promises, on purpose:

* the **card** converges: it is edited whenever its digest differs from the
  one stored with it, and the digest is stored only after Telegram took the
  edit, so a failed or lost edit is simply made again at the next round;
* a **notice** goes out at most once: it is claimed with
  :meth:`TicketRepo.mark_notice_sent` (atomic, once per ticket and kind,
  durable) and queued on the outbox in the same transaction, under the key
  ``notice:<ticket>:<kind>``, most urgent priority. The outbox's sender
  (:mod:`bot.notifications.outbox`) makes the rest hold across restarts,
  ``kill -9`` and a standby taking over: claimed before the Bot API call,
  settled after, retried when Telegram surely took nothing (flood wait,
  connection refused), never resent when it may have (a timeout, a crash
  mid-send: "uncertain"). What a lost notice said is on the card too, which
  always catches up. (Sending twice would mislead more than a card that
  already says "go to desk 3".)
"""

from __future__ import annotations

import logging

from telegram import Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.i18n import Translator, translator
from bot.notifications.blocking import user_blocked
from bot.notifications.card import Card, render_card
from bot.runtime import BotApplication
from bot.storage import NewMessage, Priority, TicketRecord
from bot.throttle import NO_RETRY
from bot.vendors import QueueSnapshot

log = logging.getLogger("bot.notifications")


async def translator_for(application: BotApplication, owner: int) -> Translator:
    """The owner's language: their chat data in memory, else the users table."""
    data = application.user_data.get(owner)
    if data and data.get("lang"):
        return translator(str(data["lang"]))
    record = await application.services.storage.users.get(owner)
    return translator(record.language if record else None)


async def post_card(
    application: BotApplication,
    ticket: TicketRecord,
    snapshot: QueueSnapshot | None,
    timezone: str,
) -> Message | None:
    """Send the ticket's card as a new message and remember it as *the* card."""
    t = await translator_for(application, ticket.owner)
    card = render_card(t, ticket, snapshot, timezone)
    chat_id = ticket.card_chat_id or ticket.owner
    try:
        message = await application.bot.send_message(chat_id, card.text, reply_markup=card.markup)
    except Forbidden as exc:
        log.info("ticket=%d card not sent: %s", ticket.id, exc)
        await _refused(application, ticket, chat_id)
        return None
    except TelegramError as exc:
        log.warning("ticket=%d card not sent: %s", ticket.id, exc)
        return None
    await application.services.storage.tickets.set_card(
        ticket.id, chat_id=chat_id, message_id=message.message_id, text_hash=card.digest
    )
    return message


CardWrite = tuple[int, int, int, str]  # ticket id, chat id, message id, digest


async def update_card(
    application: BotApplication,
    ticket: TicketRecord,
    snapshot: QueueSnapshot | None,
    timezone: str,
    t: Translator | None = None,
) -> None:
    """Edit the card in place when what it says changed; skip it otherwise."""
    write = await edit_card(application, ticket, snapshot, timezone, t)
    if write is not None:
        await save_cards(application, [write])


async def edit_card(
    application: BotApplication,
    ticket: TicketRecord,
    snapshot: QueueSnapshot | None,
    timezone: str,
    t: Translator | None = None,
) -> CardWrite | None:
    """The edit half of :func:`update_card`: returns what to store, so a round can
    store a whole store's cards in one transaction (one fsync, not one per card)."""
    t = t or await translator_for(application, ticket.owner)
    card = render_card(t, ticket, snapshot, timezone)
    if ticket.card_message_id is None or ticket.card_chat_id is None:
        await post_card(application, ticket, snapshot, timezone)  # stored, then a crash
        return None
    if card.digest == ticket.card_hash:
        return None
    outcome = await _edit(application, ticket, card)
    if outcome == "gone":
        await post_card(application, ticket, snapshot, timezone)
    if outcome != "done":
        return None
    return ticket.id, ticket.card_chat_id, ticket.card_message_id, card.digest


async def save_cards(application: BotApplication, writes: list[CardWrite]) -> None:
    storage = application.services.storage
    if not writes:
        return
    async with storage.db.transaction():
        for ticket_id, chat_id, message_id, digest in writes:
            await storage.tickets.set_card(ticket_id, chat_id=chat_id, message_id=message_id, text_hash=digest)


async def _edit(application: BotApplication, ticket: TicketRecord, card: Card) -> str:
    """Edit; "done" when the card now shows ``card`` (or never will), "gone" when the
    message no longer exists, "later" when worth trying again next round."""
    try:
        await application.bot.edit_message_text(
            card.text, chat_id=ticket.card_chat_id, message_id=ticket.card_message_id,
            reply_markup=card.markup, rate_limit_args=NO_RETRY,  # a flood wait defers, never blocks a round
        )
    except BadRequest as exc:
        reason = str(exc).lower()
        if "not found" in reason or "can't be edited" in reason:
            return "gone"  # the user deleted it: a new card takes its place
        if "not modified" not in reason:
            log.warning("ticket=%d card edit refused: %s", ticket.id, exc)
    except Forbidden as exc:  # blocked: the watcher stops (and repaints if they return)
        log.info("ticket=%d card not editable: %s", ticket.id, exc)
        if await _refused(application, ticket, ticket.card_chat_id):
            return "later"
    except (RetryAfter, NetworkError) as exc:
        log.info("ticket=%d card edit deferred: %s", ticket.id, exc)
        return "later"
    return "done"


async def send_notice(
    application: BotApplication,
    ticket: TicketRecord,
    kind: str,
    text: str,
) -> bool:
    """Claim the (ticket, kind) notice and queue it for the outbox's sender; True when
    this call queued it (False: it was claimed before, by this or another round)."""
    if kind in ticket.notices_sent:
        return False
    storage = application.services.storage
    async with storage.db.transaction():
        if not await storage.tickets.mark_notice_sent(ticket.id, kind):
            return False
        await storage.outbox.enqueue(NewMessage(
            key=f"notice:{ticket.id}:{kind}", chat_id=ticket.card_chat_id or ticket.owner,
            kind=f"queue-{kind}", payload={"text": text}, priority=Priority.NOTICE,
        ))
    log.info("ticket=%d notice=%s queued", ticket.id, kind)
    if application.services.outbox is not None:
        application.services.outbox.wake()
    return True


async def _refused(application: BotApplication, ticket: TicketRecord, chat_id: int | None) -> bool:
    """A 403 in the owner's private chat: they blocked the bot (see :mod:`.blocking`).
    True when that is what it meant (a group's refusal says nothing about the owner)."""
    if chat_id != ticket.owner:
        return False
    await user_blocked(application, ticket.owner)
    return True
