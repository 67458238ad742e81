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

from bot.app.durable import DurableApplication
from bot.app.processor import Admission, ChatOrderedProcessor, Key
from bot.runtime.telegram_http import UPDATES_READ_TIMEOUT
from bot.runtime import BotApplication

log = logging.getLogger("bot.updates")

Received = tuple[int, dict[str, Any]]  # an update's id and its JSON body
MAX_BACKOFF = 30.0


class Receiver:
    def __init__(self, application: BotApplication) -> None:
        self.application = application
        self._waiting: list[tuple[list[Received], list[int], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()

    async def receive(self, bodies: Sequence[dict[str, Any]],
                      updates: Sequence[Update] | None = None) -> None:
        """Keep the updates (their JSON ``bodies``; ``updates`` when already built) in the
        inbox, then queue them for processing. Raises when they could not be kept: do not
        confirm them then.

        A flooding chat's excess (see :mod:`bot.app.processor`) is dropped here, from
        its JSON: neither built nor kept, only recorded as processed in the inbox's
        transaction, and told to the user (built then) once per flood episode or
        per button press."""
        processor = self.application.update_processor
        screen = processor.admit if isinstance(processor, ChatOrderedProcessor) else None
        kept: list[tuple[int, dict[str, Any], Update | None]] = []
        dropped: list[int] = []
        told: list[tuple[dict[str, Any], Update | None, Admission]] = []
        for index, body in enumerate(bodies):
            update_id = int(body["update_id"])
            built = updates[index] if updates is not None else None
            admission = Admission.RUN
            if screen is not None:
                keys, droppable, press = _screening(body)
                admission = screen(update_id, keys, droppable=droppable, press=press)
            if admission is Admission.RUN:
                kept.append((update_id, body, built))
                continue
            dropped.append(update_id)
            if admission is not Admission.DROP:
                told.append((body, built, admission))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(([(update_id, body) for update_id, body, _ in kept], dropped, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_groups(), name="inbox-writer")
        try:
            await asyncio.shield(done)
        except BaseException:
            if isinstance(processor, ChatOrderedProcessor):
                for update_id, _, _ in kept:
                    processor.release(update_id)
            raise
        if dropped:
            if isinstance(self.application, DurableApplication):
                self.application.recorded(dropped)
            log.info("%d update(s) of flooding chats dropped: %s", len(dropped),
                     _id_ranges(dropped))
        bot = self.application.bot
        for update_id, body, built in kept:
            update = built or Update.de_json(body, bot)
            await self.application.update_queue.put(update)
        for body, built, admission in told:
            assert isinstance(processor, ChatOrderedProcessor)
            task = asyncio.create_task(
                processor.drop_told(built or Update.de_json(body, bot), admission))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

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
                await inbox.receive([item for kept, _, _ in group for item in kept],
                                    settled=[i for _, dropped, _ in group for i in dropped])
            except Exception as exc:  # noqa: BLE001 - each caller gets the failure
                for _, _, done in group:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _, _, done in group:
                if not done.done():
                    done.set_result(None)


class Polling:
    """``getUpdates`` in a loop; a batch is confirmed (by the next call's offset) only
    once the receiver has kept it. Errors back off, never end the loop."""

    def __init__(self, application: BotApplication, receiver: Receiver, *,
                 timeout: int = 30, read_timeout: float = UPDATES_READ_TIMEOUT) -> None:
        self.application = application
        self.receiver = receiver
        self.timeout = timeout
        self.read_timeout = read_timeout  # beyond the long poll's own ``timeout``
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
        # getUpdates' JSON as it came (Bot.get_updates would build every update first):
        # the receiver builds only those it keeps, not a flood's excess.
        bodies = await self.application.bot._post(  # noqa: SLF001
            "getUpdates",
            {"offset": self._offset, "timeout": self.timeout,
             "allowed_updates": Update.ALL_TYPES},
            read_timeout=self.read_timeout + self.timeout)
        if not bodies:
            return
        await self.receiver.receive(bodies)
        self._offset = int(bodies[-1]["update_id"]) + 1  # confirmed by the next call


def _screening(body: dict[str, Any]) -> tuple[list[Key], bool, bool]:
    """What the processor's flood bound needs, read from an update's JSON: its chat and
    user keys (as :class:`Update`'s ``effective_chat`` and ``effective_user`` give them),
    whether a flood may drop it (text, a button press), and whether it is a press. Kinds
    other than a message or a press give no keys: the processor counts them itself."""
    message = body.get("message")
    if isinstance(message, dict):
        keys = _chat_user(message.get("chat"), message.get("from"))
        return keys, isinstance(message.get("text"), str), False
    press = body.get("callback_query")
    if isinstance(press, dict):
        shown = press.get("message")
        keys = _chat_user(shown.get("chat") if isinstance(shown, dict) else None,
                          press.get("from"))
        return keys, True, True
    return [], False, False


def _chat_user(chat: object, user: object) -> list[Key]:
    keys: list[Key] = []
    if isinstance(chat, dict) and isinstance(chat.get("id"), int):
        keys.append(("chat", chat["id"]))
    if isinstance(user, dict) and isinstance(user.get("id"), int):
        keys.append(("user", user["id"]))
    return keys


def _id_ranges(ids: Sequence[int]) -> str:
    """``[3, 4, 5, 9]`` -> ``3-5,9``: a flood's dropped ids in a short log line."""
    parts: list[str] = []
    ordered = sorted(ids)
    start = previous = ordered[0]
    for update_id in [*ordered[1:], None]:
        if update_id is not None and update_id == previous + 1:
            previous = update_id
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if update_id is not None:
            start = previous = update_id
    return ",".join(parts)


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
