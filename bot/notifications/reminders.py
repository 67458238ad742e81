"""Reminders before every upcoming booking, of any vendor, as outbox rows.

Each reminder is one outbox row (:mod:`bot.storage.outbox`) keyed by the
booking, its start and the lead (``reminder:<id>:<start>:<minutes>``), with
``due_at`` in the database. So:

* a restart loses none and sends none twice: :meth:`Reminders.start` queues
  every upcoming booking's reminders again, and a key queued before (sent or
  not) is ignored;
* a cancelled booking's unsent reminders are cancelled; a moved booking's
  are cancelled for the old start and queued for the new one (other keys);
* a reminder never falls in the quiet hours of the booking's site (in the
  site's timezone): it moves to their end, unless that is already past the
  start, when there is nothing left to remind of.

Reminders already due when a booking is made (booked 1 h ahead: no "in
2 hours") are not queued. A user who blocks the bot has theirs settled
``blocked`` (:mod:`.blocking`); when they come back, :meth:`Reminders.resume`
queues those of bookings still ahead again. The clock is injectable so tests move time the
way the vendors' simulators do; the outbox's sender uses the same clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.i18n import format_datetime, translator
from bot.runtime import Services
from bot.storage import BookingRecord, NewMessage, Priority
from bot.ui import callbacks as cb
from bot.vendors import Capability

log = logging.getLogger("bot.notifications.reminders")

KIND = "reminder"


@dataclass(frozen=True)
class QuietHours:
    """A daily range of local time without reminders; it may run past midnight."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def after(self, local: datetime) -> datetime:
        """``local`` when it is outside the quiet hours, else the end of those it is in."""
        if not self.contains(local.time()):
            return local
        zone = local.tzinfo
        end = datetime.combine(local.date(), self.end, tzinfo=zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=zone)
        return end


def reminder_times(start: datetime, zone: str, leads: Iterable[timedelta],
                   quiet: QuietHours | None) -> list[tuple[timedelta, datetime]]:
    """When each lead's reminder goes (UTC), moved out of quiet hours; longest lead first.

    Leads whose moved time is not before the start are left out, and so is a
    lead that the quiet hours moved onto the time of a longer one."""
    times: list[tuple[timedelta, datetime]] = []
    for lead in sorted(set(leads), reverse=True):
        local = (start - lead).astimezone(ZoneInfo(zone))
        due = (quiet.after(local) if quiet else local).astimezone(timezone.utc)
        if due < start and all(due != other for _, other in times):
            times.append((lead, due))
    return times


def reminder_prefix(booking_id: int) -> str:
    return f"{KIND}:{booking_id}:"


def reminder_key(booking: BookingRecord, lead: timedelta) -> str:
    start = booking.start_utc.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S")
    return f"{reminder_prefix(booking.id)}{start}:{int(lead.total_seconds() // 60)}"


class Reminders:
    """Keeps each booking's reminder rows in line with the booking."""

    def __init__(self, services: Services, *, leads: Iterable[timedelta],
                 quiet: QuietHours | None, clock: Callable[[], datetime]) -> None:
        self.services = services
        self.leads = tuple(leads)
        self.quiet = quiet
        self.clock = clock

    async def start(self) -> None:
        """Queue the reminders of every booking ahead (idempotent: keys queued stay as they are)."""
        storage = self.services.storage
        queued = 0
        for booking in await storage.bookings.list_ahead(self.clock()):
            queued += await self.schedule(booking)
        if queued:
            log.info("%d reminder(s) queued at start", queued)
            self._wake()

    async def stop(self) -> None:
        """Nothing runs here: the outbox's sender sends what is queued."""

    async def schedule(self, booking: BookingRecord) -> int:
        """Match the booking's reminder rows to it now; how many were newly queued."""
        outbox = self.services.storage.outbox
        now = self.clock()
        if booking.state != "confirmed" or booking.start_utc <= now:
            await outbox.cancel_prefix(reminder_prefix(booking.id))
            return 0
        times = reminder_times(booking.start_utc, booking.timezone, self.leads, self.quiet)
        keys = {lead: reminder_key(booking, lead) for lead, _ in times}
        cancelled = await outbox.cancel_prefix(reminder_prefix(booking.id), keep=keys.values())
        if cancelled:
            log.info("booking %d: %d reminder(s) of an earlier time cancelled", booking.id,
                     cancelled)
        due = [(lead, at) for lead, at in times if at > now]
        if not due:
            return 0
        language = await self._language(booking.owner)
        messages = [
            NewMessage(key=keys[lead], chat_id=booking.owner, kind=KIND, due_at=at,
                       priority=Priority.UPDATE, payload=self._payload(booking, language))
            for lead, at in due
        ]
        queued = await outbox.enqueue_many(messages)
        if queued:
            self._wake()
        return queued

    async def resume(self, owner: int) -> int:
        """``owner`` unblocked the bot: their reminders settled ``blocked`` meanwhile go
        back to the queue, for bookings still confirmed and ahead, at the current start.

        Those not yet due keep their time. Of those that fell due during the block,
        only the latest of each booking goes, now (it names the booking's time, so
        late it is still right; the earlier ones would only repeat it); the rest
        stay ``blocked``. Rows move from ``blocked`` to ``queued`` once, under
        their own keys: a second return finds nothing to move, and nothing is
        queued twice. How many were queued again."""
        now = self.clock()
        keys: list[str] = []
        for booking in await self.services.storage.bookings.list_upcoming(
                owner, now, states=("confirmed",)):
            if booking.start_utc <= now:
                continue
            times = reminder_times(booking.start_utc, booking.timezone, self.leads, self.quiet)
            keys += [reminder_key(booking, lead) for lead, at in times if at > now]
            late = [reminder_key(booking, lead) for lead, at in times if at <= now]
            keys += late[-1:]  # longest lead first: the last is the latest due
        queued = await self.services.storage.outbox.unblock(owner, keys) if keys else 0
        if queued:
            log.info("%d reminder(s) queued again for a user who came back", queued)
            self._wake()
        return queued

    async def _language(self, owner: int) -> str:
        user = await self.services.storage.users.get(owner)
        return (user.language if user and user.language else None) or "en"

    def _payload(self, booking: BookingRecord, language: str) -> dict[str, object]:
        t = translator(language)
        when = format_datetime(booking.start_utc, booking.timezone, t.locale)
        text = t._("⏰ Reminder: {service} at {site}, {when}.", service=booking.service_name,
                   site=booking.site_name, when=when)
        if booking.label:
            text += "\n" + t._("Your code: {label}", label=booking.label)
        vendor = self.services.vendors.get(booking.vendor)
        # The buttons of /my: they check the booking is still there and the presser's.
        row = [[t._("👍 Keep"), cb.KeepBooking().encode()]]
        if vendor is not None and vendor.can(Capability.CANCEL):
            row.append([t._("✖ Cancel"), cb.CancelBooking(booking=booking.id).encode()])
        if vendor is not None and vendor.can(Capability.RESCHEDULE):
            row.append([t._("🔁 Reschedule"), cb.MoveBooking(booking=booking.id).encode()])
        return {"text": text, "buttons": [row]}

    def _wake(self) -> None:
        if self.services.outbox is not None:
            self.services.outbox.wake()
