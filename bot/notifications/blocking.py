"""A user who blocked the bot: everything that would write to them stops, until they return.

Telegram tells in two ways: a ``my_chat_member`` update (kicked), and a 403
Forbidden on any send or edit to their chat (the update can be lost, or come
after the watcher's next round). Either way :func:`user_blocked` runs, once
or many times (it is idempotent):

* the user is marked blocked (``users.blocked_bot``): broadcasts skip them,
  and so do the queue watcher (their tickets are no longer polled, their
  cards no longer edited, their turn notices not claimed), reminders queued
  at start and the re-reading of their bookings at the vendors;
* their unsent outbox rows (reminders, status notices, a broadcast's
  message) are settled ``blocked``: tried never, rather than once each;
* their free-slot and room ("notify me when it frees up") watches are dropped.

Nothing is cancelled at any vendor: their bookings and places in a queue
stay theirs. When they come back (``my_chat_member``: member again, or
any other update from them in their private chat, in case that one was
lost: :func:`bot.conversations.users.remember_user`)
:func:`user_returned` clears the mark, the queue watcher takes their
tickets still waiting up again, and their reminders settled ``blocked`` go
back to the queue for bookings still confirmed and ahead: those not yet due
at their time, and of those due during the block only each booking's latest,
at once (:meth:`~bot.notifications.reminders.Reminders.resume`). Other
blocked rows (status notices, broadcasts) stay so: they were news then.
"""

from __future__ import annotations

import logging

from bot.runtime import BotApplication

log = logging.getLogger("bot.notifications")


async def user_blocked(application: BotApplication, user_id: int) -> None:
    services = application.services
    storage = services.storage
    before = await storage.users.get(user_id)
    await storage.users.set_blocked(user_id, True)
    services.blocked_users.add(user_id)
    dropped = await storage.outbox.block_chat(user_id)
    await storage.slot_watches.delete_for_user(user_id)
    if services.space_watcher is not None:
        await services.space_watcher.forget_user(user_id)
    if before is None or not before.blocked_bot or dropped:
        log.info("user=%s blocked the bot: watches stopped, %d unsent message(s) dropped",
                 services.pseudonym(user_id), dropped)


async def user_returned(application: BotApplication, user_id: int) -> None:
    services = application.services
    await services.storage.users.set_blocked(user_id, False)
    services.blocked_users.discard(user_id)
    resumed = reminded = 0
    if services.queue_watcher is not None:
        resumed = await services.queue_watcher.resume(user_id)
    if services.booking_follow is not None:
        reminded = await services.booking_follow.user_returned(user_id)
    log.info("user=%s is back: %d ticket(s) watched again, %d reminder(s) queued again",
             services.pseudonym(user_id), resumed, reminded)
