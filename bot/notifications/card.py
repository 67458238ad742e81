"""The live ticket card and the two turn notices, as pure functions.

The card is one message per ticket, edited in place by the watcher; its
:attr:`Card.digest` covers everything but the "updated at" line, so an edit
happens only when something the user cares about changed (and the time shown
is when that last happened). Notices are separate messages so the phone rings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator, format_time
from bot.storage import TicketRecord, card_text_hash
from bot.ui import callbacks as cb
from bot.ui import keyboard
from bot.vendors import QueueSnapshot, TicketState


@dataclass(frozen=True)
class Card:
    text: str
    markup: InlineKeyboardMarkup | None
    digest: str  # of the text without the time line: what decides an edit


def rounded_minutes(wait: float) -> int:
    """Minutes as people read an estimate: exact up to 15, then by fives (which
    also spares the card an edit for every small wobble of a long wait)."""
    if wait <= 15:
        return max(1, math.ceil(wait))
    return int(5 * round(wait / 5))


def state_of(ticket: TicketRecord, snapshot: QueueSnapshot | None) -> TicketState:
    """The snapshot's word, unless we know better: ended tickets stay ended, and a
    call we learned of after the snapshot was taken is not undone by it."""
    if ticket.state in ("done", "left") or snapshot is None:
        return ticket.state
    seen = snapshot.state_of(ticket.external_id) or ticket.state
    if seen == "waiting" and ticket.state == "called" and snapshot.taken_at <= ticket.updated_at:
        return "called"
    return seen


def desk_of(ticket: TicketRecord, snapshot: QueueSnapshot | None) -> str | None:
    called = snapshot.called_ticket(ticket.external_id) if snapshot else None
    return (called.desk_name if called else None) or ticket.desk


def render_card(
    t: Translator, ticket: TicketRecord, snapshot: QueueSnapshot | None, timezone: str
) -> Card:
    state = state_of(ticket, snapshot)
    title = t._("Ticket {number}", number=ticket.number)  # not inside an f-string: extracted
    lines = [f"🎫 {title} · {ticket.site_name}"]
    markup: InlineKeyboardMarkup | None = keyboard([[
        (t._("🔄 Refresh"), cb.TicketRefresh(ticket=ticket.id).encode()),
        (t._("🚪 Leave queue"), cb.TicketLeave(ticket=ticket.id).encode()),
    ]])
    if state == "done":
        lines.append(t._("✅ You have been served. Thank you!"))
        markup = None
    elif state == "left":
        lines.append(t._("This ticket is no longer in the queue."))
        markup = None
    elif state == "called":
        lines.append(called_line(t, desk_of(ticket, snapshot)))
    elif snapshot is None or snapshot.people_before(ticket.external_id) is None:
        lines.append(t._("🔎 Checking your place in the queue…"))
    else:
        lines += _waiting_lines(t, ticket.external_id, snapshot)
    digest = card_text_hash("\n".join(lines) + ("" if markup is None else "\n[buttons]"))
    if snapshot is not None and state in ("waiting", "called"):
        when = format_time(snapshot.taken_at, timezone, t.locale)
        lines.append(t._("🕒 Updated at {time} (store time)", time=when))
    return Card("\n".join(lines), markup, digest)


def _waiting_lines(t: Translator, ticket_id: str, snapshot: QueueSnapshot) -> list[str]:
    before = snapshot.people_before(ticket_id) or 0
    if before == 0:
        lines = [t._("👥 You are next!")]
    else:
        lines = [t.n_("👥 {n} person before you", "👥 {n} people before you", before)]
    wait = snapshot.estimated_wait_minutes(ticket_id)
    if wait is not None and before > 0:
        lines.append(t._("⏱ Estimated wait: about {minutes} min", minutes=rounded_minutes(wait)))
    if snapshot.notice_due(ticket_id):
        lines.append(t._("🔔 Your turn is near: please come back now."))
    return lines


def called_line(t: Translator, desk: str | None) -> str:
    if desk:
        return t._("📣 It's your turn! Please go to {desk}.", desk=desk)
    return t._("📣 It's your turn! Please go to the desk.")


def near_notice(t: Translator, ticket: TicketRecord, snapshot: QueueSnapshot) -> str:
    """Sent once when the site's rule (people or minutes left) says "come back"."""
    before = snapshot.people_before(ticket.external_id) or 0
    head = t._("🔔 {site}: your turn is near (ticket {number}).",
               site=ticket.site_name, number=ticket.number)
    wait = snapshot.estimated_wait_minutes(ticket.external_id)
    if before == 0:
        detail = t._("You are next.")
    elif snapshot.notice.minutes_left is not None and wait is not None:
        detail = t._("About {minutes} min left.", minutes=rounded_minutes(wait))
    else:
        detail = t.n_("{n} person before you.", "{n} people before you.", before)
    come = t._("Please come back now.")
    return f"{head}\n{detail} {come}"


def called_notice(t: Translator, ticket: TicketRecord, desk: str | None) -> str:
    """Sent once when a desk calls the ticket."""
    if desk:
        return t._("📣 {site}: it's your turn! Ticket {number}, please go to {desk}.",
                   site=ticket.site_name, number=ticket.number, desk=desk)
    return t._("📣 {site}: it's your turn! Ticket {number}, please go to the desk.",
               site=ticket.site_name, number=ticket.number)
