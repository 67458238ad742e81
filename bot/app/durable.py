"""An Application that writes persistence right after each update.

python-telegram-bot writes persistence every ``update_interval`` seconds
(default 60): a crash loses up to a minute of conversation, and a tiny
interval wakes the process all day for nothing. Writing after each processed
update instead costs one small SQLite transaction per update (only changed
entries are written) and nothing while idle, and a ``kill -9`` loses at
most the step in flight. The periodic writer stays on as a backstop for data
changed by jobs.

It also drops updates already processed: Telegram delivers at least once (a
restart before the next ``getUpdates`` confirms the offset, or a webhook
retry, repeats an update). An update is marked processed only after its
effects are persisted, so a crash in between repeats it rather than losing it.
"""

from __future__ import annotations

import logging
import time

from telegram import Update

from bot.runtime import BotApplication

log = logging.getLogger("bot.updates")


class DurableApplication(BotApplication):
    async def process_update(self, update: object) -> None:
        storage = self.services.storage
        if isinstance(update, Update):
            if await storage.updates.is_processed(update.update_id):
                log.info("update=%d duplicate, skipped", update.update_id)
                return
        started = time.perf_counter()
        await super().process_update(update)
        if self.persistence:
            await self.update_persistence()
        if isinstance(update, Update):
            await storage.updates.mark_processed(update.update_id)
            log.info(
                "update=%d kind=%s user=%s ms=%.0f",
                update.update_id,
                _kind(update),
                self.services.pseudonym(update.effective_user.id)
                if update.effective_user
                else "-",
                (time.perf_counter() - started) * 1000,
            )


def _kind(update: Update) -> str:
    if update.callback_query:
        return "callback"
    message = update.effective_message
    if message is None:
        return "other"
    if message.text and message.text.startswith("/"):
        return "command"
    if message.contact:
        return "contact"
    if message.location:
        return "location"
    return "message"
