"""Taking updates from Telegram without losing one: kept before confirmed.

python-telegram-bot's Updater confirms a ``getUpdates`` batch with its next call,
right after putting the batch on the update queue, and a webhook confirms by
answering 200; both happen before the updates are processed (chats run
concurrently, so they must). An update a handler holds when the process dies
(``kill -9``, a lost machine) would be gone for good. So every update goes
through :class:`Receiver`, which writes it to the inbox (:class:`bot.storage.Inbox`)
before it is confirmed and puts it on the update queue after; the durable commit
(:mod:`bot.app.durable`) takes it out when it is processed, and :meth:`Receiver.replay`
puts what a dead process left there back on the queue at the next start.

:class:`Polling` replaces the Updater's polling loop for this (the Updater offers no
hook between receiving a batch and confirming it); the webhook route calls
:meth:`Receiver.receive` itself. Concurrent callers (webhook requests arrive in
parallel) share one transaction, as the durable commit's writers do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.runtime import BotApplication

log = logging.getLogger("bot.updates")

Received = tuple[int, dict[str, Any]]  # an update's id and its JSON body
MAX_BACKOFF = 30.0


class Receiver:
    def __init__(self, application: BotApplication) -> None:
        self.application = application
        self._waiting: list[tuple[list[Received], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def receive(self, updates: Sequence[Update], bodies: Sequence[dict[str, Any]]) -> None:
        """Keep ``updates`` (with their JSON ``bodies``) in the inbox, then queue them
        for processing. Raises when they could not be kept: do not confirm them then."""
        batch = [(update.update_id, body) for update, body in zip(updates, bodies, strict=True)]
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((batch, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_groups(), name="inbox-writer")
        await asyncio.shield(done)
        for update in updates:
            await self.application.update_queue.put(update)

    async def replay(self) -> int:
        """Queue what the inbox still holds (a previous process took it and died)."""
        bodies = await self.application.services.storage.inbox.replay()
        for body in bodies:
            update = Update.de_json(body, self.application.bot)
            if update is not None:
                await self.application.update_queue.put(update)
        if bodies:
            log.warning("%d update(s) received before a stop and not finished: handled now",
                        len(bodies))
        return len(bodies)

    async def _write_groups(self) -> None:
        inbox = self.application.services.storage.inbox
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                await inbox.receive([item for batch, _ in group for item in batch])
            except Exception as exc:  # noqa: BLE001 - each caller gets the failure
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _, done in group:
                if not done.done():
                    done.set_result(None)


class Polling:
    """``getUpdates`` in a loop; a batch is confirmed (by the next call's offset) only
    once the receiver has kept it. Errors back off, never end the loop."""

    def __init__(self, application: BotApplication, receiver: Receiver, *,
                 timeout: int = 30) -> None:
        self.application = application
        self.receiver = receiver
        self.timeout = timeout
        self._offset: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # Telegram refuses getUpdates while a webhook is set (a webhook deployment before).
        await self.application.bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(self._run(), name="polling")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if self._offset is not None:  # confirm what was kept, so a restart is not resent it
            with contextlib.suppress(TelegramError):
                await self.application.bot.get_updates(offset=self._offset, timeout=0, limit=1)

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._poll_once()
                failures = 0
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                log.critical("Telegram refuses the bot token: polling stops")
                raise
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
            except TimedOut:
                continue  # a long poll that outlived its read timeout: ask again
            except Exception as exc:  # noqa: BLE001 - Telegram or the database: back off
                failures += 1
                delay = min(MAX_BACKOFF, 0.5 * 2**failures)
                level = logging.WARNING if isinstance(exc, (TelegramError, Conflict)) else logging.ERROR
                log.log(level, "polling: %s; again in %.1f s", exc, delay)
                await asyncio.sleep(delay)

    async def _poll_once(self) -> None:
        bot = self.application.bot
        updates = await bot.get_updates(offset=self._offset, timeout=self.timeout,
                                        allowed_updates=Update.ALL_TYPES)
        if not updates:
            return
        await self.receiver.receive(updates, [update.to_dict() for update in updates])
        self._offset = updates[-1].update_id + 1  # confirmed by the next call


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
