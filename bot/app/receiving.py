"""Taking updates from Telegram without losing one: kept before confirmed.

python-telegram-bot's Updater confirms a ``getUpdates`` batch with its next call,
right after putting the batch on the update queue, and a webhook confirms by
answering 200; both happen before the updates are processed (chats run
concurrently, so they must). An update a handler holds when the process dies
(``kill -9``, a lost machine) would be gone for good. So every update goes
through :class:`Receiver`, and none is confirmed before it is either processed (the
durable commit, :mod:`bot.app.durable`, records it in the transaction that persists its
effects) or kept in the inbox (:class:`bot.storage.Inbox`), which the durable commit
empties as it goes and :meth:`Receiver.replay` puts back on the queue at the next start.
A webhook's updates are kept, then queued. Polling queues a batch first and keeps only
what still runs :data:`KEEP_AFTER_SECONDS` later: most steps are done by then, and
skip the inbox's transaction (a sixth of a step's CPU) and its wait before they start.

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
Kept = tuple[int, dict[str, Any], Update | None]  # ... and the Update, when built already
MAX_BACKOFF = 30.0
#: How long polling lets a batch's updates run before it keeps those still running in
#: the inbox and confirms the batch. A step done by then (most are, in a few
#: milliseconds) costs no inbox transaction; the next getUpdates waits that long at most.
KEEP_AFTER_SECONDS = 0.025


class Receiver:
    def __init__(self, application: BotApplication) -> None:
        self.application = application
        self._waiting: list[tuple[list[Received], list[int], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()

    async def receive(self, bodies: Sequence[dict[str, Any]],
                      updates: Sequence[Update] | None = None, *,
                      keep_after: float | None = None) -> None:
        """Make sure the updates (their JSON ``bodies``; ``updates`` when already built)
        are kept in the inbox or processed, and queue them. Returns when Telegram may be
        told they arrived; raises when they could not be kept: do not confirm them then.

        With ``keep_after`` (polling), the updates are queued first and only those not
        processed (committed) within ``keep_after`` seconds are written to the inbox: a
        step that is quick, nearly all of them, costs no inbox transaction and starts
        without waiting for one. Without it (a webhook), they are kept, then queued.

        A flooding chat's excess (see :mod:`bot.app.processor`) is dropped here, from
        its JSON: neither built nor kept, only recorded as processed in the inbox's
        transaction, and told to the user (built then) once per flood episode or
        per button press."""
        kept, dropped, told = self._screen(bodies, updates)
        application = self.application
        if keep_after is not None and isinstance(application, DurableApplication):
            await self._queue_then_keep(application, kept, dropped, keep_after)
        else:
            await self._keep_then_queue(kept, dropped)
        if dropped:
            if isinstance(application, DurableApplication):
                application.recorded(dropped)
            log.info("%d update(s) of flooding chats dropped: %s", len(dropped),
                     _id_ranges(dropped))
        processor = application.update_processor
        for body, built, admission in told:
            assert isinstance(processor, ChatOrderedProcessor)
            task = asyncio.create_task(
                processor.drop_told(built or Update.de_json(body, application.bot), admission))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def _screen(self, bodies: Sequence[dict[str, Any]], updates: Sequence[Update] | None,
                ) -> tuple[list[Kept], list[int], list[tuple[dict[str, Any], Update | None,
                                                           Admission]]]:
        """Which updates run, which a flood drops silently, which it drops with a word."""
        processor = self.application.update_processor
        screen = processor.admit if isinstance(processor, ChatOrderedProcessor) else None
        kept: list[Kept] = []
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
        return kept, dropped, told

    async def _keep_then_queue(self, kept: list[Kept], dropped: list[int]) -> None:
        try:
            await self._keep([(update_id, body) for update_id, body, _ in kept], dropped)
        except BaseException:
            processor = self.application.update_processor
            if isinstance(processor, ChatOrderedProcessor):
                for update_id, _, _ in kept:
                    processor.release(update_id)
            raise
        await self._queue(kept)

    async def _queue_then_keep(self, application: DurableApplication, kept: list[Kept],
                               dropped: list[int], keep_after: float) -> None:
        """Queue, give the updates ``keep_after`` seconds to be committed, keep the rest."""
        commits = application.watch_commits([update_id for update_id, _, _ in kept])
        try:
            await self._queue(kept)
            if commits:
                await asyncio.wait(commits.values(), timeout=keep_after)
            await self._keep_running(application, kept, dropped, commits)
        finally:
            application.unwatch_commits(commits)

    async def _keep_running(self, application: DurableApplication, kept: list[Kept],
                            dropped: list[int], commits: dict[int, asyncio.Future[None]],
                            ) -> None:
        """Keep the updates not committed yet (and record ``dropped``).

        They are running already, so a failed write is tried again (backing off) until
        it succeeds or they are committed meanwhile: returning or raising before would
        let Telegram forget an update nobody kept, or deliver again one that is running."""
        delay = 0.5
        while True:
            running = [(update_id, body) for update_id, body, _ in kept
                       if not commits[update_id].done()]
            if not running and not dropped:
                return
            application.keeping([update_id for update_id, _ in running])
            try:
                await self._keep(running, dropped)
                break
            except Exception as exc:  # noqa: BLE001 - the database: again, later
                log.error("could not keep %d running update(s): %s; again in %.1f s",
                          len(running), exc, delay)
                if running:
                    await asyncio.wait([commits[i] for i, _ in running], timeout=delay)
                else:
                    await asyncio.sleep(delay)
                delay = min(MAX_BACKOFF, delay * 2)
        # Committed while being kept: that commit may have come first and left the row.
        # Only tidiness (a row left is settled as a duplicate at the next start), so a
        # failure here must not fail the batch, which is kept.
        late = [update_id for update_id, _ in running if commits[update_id].done()]
        if late:
            try:
                await application.services.storage.inbox.settle(late)
            except Exception as exc:  # noqa: BLE001
                log.warning("could not take %d finished update(s) out of the inbox: %s",
                            len(late), exc)

    async def _keep(self, kept: list[Received], dropped: list[int]) -> None:
        """Write ``kept`` to the inbox and ``dropped`` as processed, in the group write."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((kept, dropped, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_groups(), name="inbox-writer")
        await asyncio.shield(done)

    async def _queue(self, kept: list[Kept]) -> None:
        bot = self.application.bot
        for _, body, built in kept:
            await self.application.update_queue.put(built or Update.de_json(body, bot))

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
        await self.receiver.receive(bodies, keep_after=KEEP_AFTER_SECONDS)
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
