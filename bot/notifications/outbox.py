"""The one sender of everything the outbox holds (see :mod:`bot.storage.outbox`).

One task claims due rows, most urgent first, sends each through the bot and settles
them; rows are claimed in small groups (the next claimed while one is sent) so that a
crash leaves at most two groups ``uncertain`` (never resent), and settled together so a broadcast costs one database
transaction per group, not per message.

Pace: free messages are offered at ``rate`` per second (Telegram's 30 by default),
strictly spaced, and the limiter lets them through after the bot's replies (keeping a
slot a second for those); messages of a paid broadcast
(``allow_paid_broadcast``) at ``paid_rate`` (Telegram's 1000 by default: the limiter
holds them to 1000 in any second whatever the pace). A 429 puts the row back and pauses the whole
sender for the time Telegram asked: never dropped, never hammered. The bot's rate
limiter sees these sends as bulk (``BULK``: they give way to interactive replies for the
global budget), except turn notices, which somebody is waiting for as for a reply; none get
retries of the limiter's own (the row's retry is the sender's).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from bot.runtime.telegram_http import ConnectFailed, ConnectionLost, raw_call
from bot.storage import OutboxMessage, OutboxRepo, OutboxState, Priority
from bot.throttle import BULK, NO_RETRY, Spacing

log = logging.getLogger("bot.outbox")

LEASE = timedelta(minutes=2)
IDLE_POLL = 1.0  # seconds between looks at the table when nothing woke the sender
EXPIRE_EVERY = 30.0
MAX_ATTEMPTS = 5
CATCH_UP = 4  # messages the sender may send back to back after falling behind its pace
# Sends under way at once (BROADCAST_IN_FLIGHT): a paid broadcast's pace needs about
# rate x round trip (1000/s over 16 ms); more only crowds the event loop, where the bot's
# replies would queue behind them (measured: 32 under way halved the paid pace of 16).
IN_FLIGHT = 16
GROUPS_IN_FLIGHT = 2  # one sending while the next is claimed; a crash loses at most these
Outcome = tuple[OutboxState, str | None]


class OutboxSender:
    def __init__(
        self,
        bot: ExtBot,  # type: ignore[type-arg]
        outbox: OutboxRepo,
        *,
        rate: float = 30.0,
        paid_rate: float = 1000.0,
        in_flight: int = IN_FLIGHT,
        on_settled: Callable[[list[OutboxMessage]], Awaitable[None]] | None = None,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self.bot = bot
        self.outbox = outbox
        self.owner = f"sender-{secrets.token_hex(4)}"
        # A few messages of slack: the pace lost to claiming and settling a group in the
        # database is made up for at the next group (the limiter still keeps Telegram's
        # limit, the bucket only the sender's own pace).
        self._free = Spacing(rate, CATCH_UP, time.monotonic())
        self._paid = Spacing(paid_rate, CATCH_UP, time.monotonic())
        self._in_flight = asyncio.Semaphore(in_flight)
        self._rates = (rate, paid_rate)
        self._group = self._group_size(paid=False)
        self._on_settled = on_settled
        self._on_blocked = on_blocked  # a chat answered 403: stop what else writes to it
        self._wake = asyncio.Event()
        self._paused_until = 0.0
        self._task: asyncio.Task[None] | None = None
        self._groups: set[asyncio.Task[None]] = set()
        self._stopping = False

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        expired = await self.outbox.expire_leases()
        if expired:
            log.warning("%d message(s) left mid-send by a stopped sender are not resent", expired)
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        """Let the group being sent be settled, then stop: a message Telegram took is
        recorded as sent, not left claimed (it would become uncertain at the next start)."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=10)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    def wake(self) -> None:
        """Something was queued for now: look at once instead of at the next poll."""
        self._wake.set()

    # -- the loop -----------------------------------------------------------------------
    async def _run(self) -> None:
        last_expiry = time.monotonic()
        while not self._stopping:
            try:
                sent = await self._round()
            except Exception:  # noqa: BLE001 - a database hiccup must not end sending
                log.exception("outbox round failed; trying again shortly")
                sent = 0
            if time.monotonic() - last_expiry > EXPIRE_EVERY:
                last_expiry = time.monotonic()
                with contextlib.suppress(Exception):
                    await self.outbox.expire_leases()
            if not sent and not self._stopping:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), IDLE_POLL)
        try:
            await asyncio.gather(*self._groups)  # settle what is being sent, then stop
        except asyncio.CancelledError:
            for task in self._groups:
                task.cancel()
            raise

    async def _round(self) -> int:
        pause = self._paused_until - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        rows = await self.outbox.claim(self.owner, self._group, LEASE)
        if not rows:
            return 0
        # The next group is about a quarter second of sending at the pace these rows had.
        self._group = self._group_size(paid=all(row.payload.get("paid") for row in rows))
        # Sent while the next group is claimed: the time a round spends in the database
        # would otherwise be sending time lost (a limit per second does not catch up).
        task = asyncio.create_task(self._send_group(rows), name="outbox-group")
        self._groups.add(task)
        task.add_done_callback(self._groups.discard)
        while len(self._groups) >= GROUPS_IN_FLIGHT:
            await asyncio.wait(set(self._groups), return_when=asyncio.FIRST_COMPLETED)
        return len(rows)

    async def _send_group(self, rows: list[OutboxMessage]) -> None:
        try:
            await self._send_and_settle(rows)
        except Exception:  # noqa: BLE001 - its rows stay claimed; the lease settles them
            log.exception("outbox group of %d not settled", len(rows))

    async def _send_and_settle(self, rows: list[OutboxMessage]) -> None:
        outcomes: dict[int, Outcome] = {}
        retries: list[tuple[OutboxMessage, float, str]] = []
        sends = [asyncio.create_task(self._send_one(row, outcomes, retries)) for row in rows]
        await asyncio.gather(*sends)
        if outcomes:
            await self.outbox.settle(outcomes)  # marks the users of blocked chats blocked
            if self._on_blocked is not None:
                by_id = {row.id: row.chat_id for row in rows}
                for chat_id in sorted({by_id[i] for i, (state, _) in outcomes.items()
                                       if state == "blocked"}):
                    await self._on_blocked(chat_id)
        now = datetime.now(UTC)
        for row, delay, error in retries:
            if row.attempts >= MAX_ATTEMPTS and not error.startswith("429"):
                await self.outbox.settle({row.id: ("failed", error)})
            else:
                await self.outbox.retry(row.id, now + timedelta(seconds=delay), error)
        if self._on_settled is not None:
            await self._on_settled(rows)

    def _group_size(self, *, paid: bool) -> int:
        """About a quarter second of sending: small enough to lose little to a crash."""
        return max(1, min(250, int(self._rates[paid] / 4)))

    async def _send_one(self, row: OutboxMessage, outcomes: dict[int, Outcome],
                        retries: list[tuple[OutboxMessage, float, str]]) -> None:
        async with self._in_flight:
            await self._send_paced(row, outcomes, retries)

    async def _send_paced(self, row: OutboxMessage, outcomes: dict[int, Outcome],
                          retries: list[tuple[OutboxMessage, float, str]]) -> None:
        paid = bool(row.payload.get("paid"))
        await self._pace(self._paid if paid else self._free)
        if self._paused_until > time.monotonic():  # another row of the group got a 429
            retries.append((row, self._paused_until - time.monotonic(), "429 flood wait"))
            return
        try:
            await self._deliver(row, paid)
            outcomes[row.id] = ("sent", None)
        except RetryAfter as exc:
            delay = _seconds(exc.retry_after)
            self._paused_until = max(self._paused_until, time.monotonic() + delay)
            retries.append((row, delay, f"429 retry after {delay:.0f}s"))
        except Forbidden as exc:
            outcomes[row.id] = ("blocked", exc.message)
        except BadRequest as exc:
            outcomes[row.id] = ("failed", exc.message)
        except TimedOut:
            outcomes[row.id] = ("uncertain", "timed out: Telegram may have delivered it")
        except ConnectFailed as exc:  # refused before sending: surely undelivered
            retries.append((row, 5.0 * row.attempts, exc.message))
        except ConnectionLost as exc:  # broke mid-request: Telegram may have delivered it
            outcomes[row.id] = ("uncertain", exc.message)
        except NetworkError as exc:  # Telegram answered with an error (a 5xx)
            retries.append((row, min(30.0, 2.0 ** row.attempts), exc.message))
        except TelegramError as exc:
            outcomes[row.id] = ("failed", exc.message)

    async def _pace(self, spacing: Spacing) -> None:
        wait = spacing.reserve(time.monotonic())
        if wait > 0:
            await asyncio.sleep(wait)

    async def _deliver(self, row: OutboxMessage, paid: bool) -> None:
        payload = row.payload
        text = payload.get("text")
        if payload.get("photo"):
            method, data = "sendPhoto", {"chat_id": row.chat_id, "photo": payload["photo"]}
            if text:
                data["caption"] = text
        else:
            method, data = "sendMessage", {"chat_id": row.chat_id, "text": text}
        markup = _markup(payload.get("buttons"))
        if markup is not None:
            data["reply_markup"] = markup
        if paid:
            data["allow_paid_broadcast"] = True
        # A turn notice is awaited like a reply; everything else gives way to replies.
        options = NO_RETRY if row.priority <= Priority.NOTICE else BULK
        await raw_call(self.bot, method, data, rate_limit_args=options)


def _markup(rows: object) -> dict[str, object] | None:
    """Buttons stored as ``[[[label, callback_data], ...], ...]``, as the Bot API's
    ``InlineKeyboardMarkup``."""
    if not rows or not isinstance(rows, list):
        return None
    return {"inline_keyboard": [
        [{"text": str(label), "callback_data": str(data)} for label, data in row]
        for row in rows]}


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
