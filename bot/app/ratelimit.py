"""Outgoing rate limiter for python-telegram-bot.

The stock ``AIORateLimiter`` throttles only globally and per group, so a private chat can be
flooded by a burst at start, and every request (edits, callback answers) queues behind messages.
This limiter follows Telegram's published limits instead:

* about 30 new messages per second across all chats (a sliding window);
* about 1 message per second per private chat, with a short burst (a token bucket), so a reply
  of a few messages goes out at once while a runaway loop is slowed down;
* 20 messages per minute per group or channel (a sliding window, because a bucket refilling at
  1/3 s would let 40 through in the first minute).

Only endpoints that create new messages are limited; edits, callback answers and chat actions
are sent immediately because the user is watching them and they are not counted as messages.

Nobody waits for somebody else: a chat over its own budget delays only its own messages
(they wait for its bucket before asking for a global slot), and the global budget is shared
by :class:`~bot.app.fairshare.FairBudget`: chats in turn, replies before bulk sends. Bulk
is what nobody is waiting on this second (outbox: broadcasts, reminders, notices), marked by
the caller with ``rate_limit_args=BULK`` (a :class:`~bot.throttle.SendOptions`).

Paid broadcasts (``allow_paid_broadcast``) may go past the free budget up to 1000 a second,
but Telegram takes the free budget first, so while one is being sent the free budget is
always spent and a plain reply would meet a 429 (which pauses everything, the broadcast
included). So while a paid broadcast is under way (a paid message went within the last
second) every new message goes as paid too: a reply is billed only if it is over the free
limit, at Telegram's price per message, and nobody waits for the broadcast the business
paid to speed up. Nothing but a paid broadcast starts that state.

Telegram counts per bot, not per process: with ``shared`` (wired on PostgreSQL, see
:func:`bot.app.build.shared_sends`) a message granted here also waits until every process
of the bot together stays within the limit, so a standby taking over never adds the
leader's last second to its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.app.fairshare import FairBudget
from bot.app.telegram_counts import (
    LIMITED_ENDPOINTS,
    ChatKey,
    chat_key,
    is_group,
    message_cost,
    retry_after_seconds,
)
from bot.throttle import EPSILON, Retries, SendOptions, SlidingWindow, TokenBucket

_LOGGER = logging.getLogger(__name__)

Result = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, Result]]
#: Waits until ``cost`` more messages (paid broadcast ones when ``paid``) fit the limit
#: every process of the bot shares.
SharedSends = Callable[[int, bool], Awaitable[None]]

# Telegram's limit for messages sent with allow_paid_broadcast=True.
_PAID_BROADCAST_PER_SECOND = 1000
# How long after a paid broadcast message every message still goes as paid (seconds).
_PAYING_FOR = 1.0
#: Endpoints that take ``allow_paid_broadcast`` (Bot API 7.11): not forwards.
PAYABLE_ENDPOINTS: frozenset[str] = LIMITED_ENDPOINTS - {
    "forwardMessage", "forwardMessages", "sendChecklist", "sendGift"}
# Added to every retry_after: the server's value is rounded to whole seconds.
_RETRY_MARGIN = 0.1
# How often idle per-chat state is swept away (seconds of loop time).
_SWEEP_INTERVAL = 60.0


class _Limiter(Protocol):
    def wait_time(self, now: float, cost: int) -> float: ...

    def take(self, now: float, cost: int) -> None: ...

    def idle(self, now: float) -> bool: ...


class _Unlimited:
    """Stands in when a limit is configured as 0, so call sites need no special cases."""

    def wait_time(self, now: float, cost: int) -> float:  # noqa: ARG002
        return 0.0

    def take(self, now: float, cost: int) -> None:
        pass

    def idle(self, now: float) -> bool:  # noqa: ARG002
        return True


@dataclass
class _Scope:
    """One chat (or the whole bot): its limiter, a FIFO lock and a pause set by a 429."""

    limiter: _Limiter
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    paused_until: float = 0.0
    users: int = 0
    replies: int = 0  # interactive sends waiting or under way: the chat's bulk goes as they do

    def idle(self, now: float) -> bool:
        return (
            self.users == 0
            and not self.lock.locked()
            and self.paused_until <= now
            and self.limiter.idle(now)
        )


RateLimitArgs = SendOptions | Retries | int


class BookingRateLimiter(BaseRateLimiter[RateLimitArgs]):
    """Throttles message-creating requests globally, per private chat and per group.

    Requests to one chat are sent one at a time in FIFO order (the chat's lock is held across
    the HTTP call and any retries), so messages arrive in the order they were sent and a 429 in
    a chat naturally holds back that chat's queue. Other chats are unaffected.

    ``rate_limit_args`` may be a :class:`~bot.throttle.SendOptions` (its class, bulk or
    interactive, and its retries), a :class:`~bot.throttle.Retries` (or, called directly, an
    int) overriding ``max_retries`` for a single call; through python-telegram-bot only a
    ``Retries``/``SendOptions`` says zero, since PTB drops a falsy value.
    """

    def __init__(
        self,
        overall_max_rate: int = 30,
        overall_time_period: float = 1,
        chat_burst: int = 8,
        chat_rate_per_second: float = 1.0,
        group_max_rate: int = 20,
        group_time_period: float = 60,
        max_retries: int = 2,
        bulk_share: float | None = None,
        shared: SharedSends | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self._overall_max_rate = overall_max_rate
        self._overall_time_period = overall_time_period
        self._chat_burst = chat_burst
        self._chat_rate = chat_rate_per_second
        self._group_max_rate = group_max_rate
        self._group_time_period = group_time_period
        self._max_retries = max_retries
        # Room kept for replies while they come: none by default. Bulk is paced (the outbox
        # sends evenly), so a slot frees every thirtieth of a second and a reply, first in
        # line, takes the next one; a broadcast keeps every slot replies do not use.
        self._bulk_share = 1.0 if bulk_share is None else bulk_share
        self._paying_until = 0.0  # a paid broadcast is under way until then
        self._shared = shared
        self._budget: FairBudget | None = None
        self._global: _Scope | None = None
        self._paid: _Scope | None = None
        self._chats: dict[ChatKey, _Scope] = {}
        self._last_sweep = 0.0

    # -- lifecycle ---------------------------------------------------------------------------

    async def initialize(self) -> None:
        """Scopes hold asyncio locks, which must be created inside the running loop."""
        self._ensure_global()

    async def shutdown(self) -> None:
        """Drop per-chat state; a restarted application starts with full buckets."""
        self._chats.clear()

    def _ensure_global(self) -> tuple[_Scope, _Scope]:
        """The whole bot's scope (its pause; free sends take their slot from the fair
        budget) and the scope of paid broadcasts (1000/s, not shared with free sends)."""
        if self._global is None or self._paid is None:
            if self._overall_max_rate > 0 and self._overall_time_period > 0:
                self._budget = FairBudget(self._overall_max_rate, self._overall_time_period,
                                          self._bulk_share)
            self._global = _Scope(_Unlimited())
            self._paid = _Scope(SlidingWindow(_PAID_BROADCAST_PER_SECOND, 1.0))
        return self._global, self._paid

    # -- introspection (tests, metrics) -----------------------------------------------------

    @property
    def tracked_chats(self) -> int:
        """Number of chats with live limiter state; stays bounded thanks to idle eviction."""
        return len(self._chats)

    # -- internals ---------------------------------------------------------------------------

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def _new_chat_limiter(self, key: ChatKey, now: float) -> _Limiter:
        if is_group(key):
            if self._group_max_rate > 0 and self._group_time_period > 0:
                return SlidingWindow(self._group_max_rate, self._group_time_period)
            return _Unlimited()
        if self._chat_burst > 0 and self._chat_rate > 0:
            return TokenBucket(self._chat_burst, self._chat_rate, now)
        return _Unlimited()

    def _chat_scope(self, key: ChatKey, now: float) -> _Scope:
        if now - self._last_sweep >= _SWEEP_INTERVAL:
            self._last_sweep = now
            self._sweep(now)
        scope = self._chats.get(key)
        if scope is None:
            scope = self._chats[key] = _Scope(self._new_chat_limiter(key, now))
        return scope

    def _sweep(self, now: float) -> None:
        for key in [k for k, scope in self._chats.items() if scope.idle(now)]:
            del self._chats[key]

    async def _acquire(self, scope: _Scope, cost: int, also_paused: _Scope | None) -> None:
        """Wait until neither scope is paused and ``scope`` has room, then spend ``cost``.

        Re-checks the pause after every sleep because a 429 elsewhere can start one meanwhile.
        """
        while True:
            now = self._now()
            paused_until = scope.paused_until
            if also_paused is not None:
                paused_until = max(paused_until, also_paused.paused_until)
            wait = paused_until - now
            if wait <= EPSILON:
                wait = scope.limiter.wait_time(now, cost)
                if wait <= 0:
                    scope.limiter.take(now, cost)
                    return
            await asyncio.sleep(wait)

    def _pause(self, key: ChatKey | None, delay: float) -> None:
        """Hold back the scope that got a 429.

        Telegram does not say whether a 429 was for the chat or the whole bot. A second chat
        being throttled at the same time is the tell-tale of the global limit, so then every
        send is paused; otherwise just the chat.
        """
        glob, _ = self._ensure_global()
        now = self._now()
        until = now + delay
        if key is None:
            self._pause_all(until)
            return
        other_paused = any(
            other_key != key and scope.paused_until > now
            for other_key, scope in self._chats.items()
        )
        scope = self._chat_scope(key, now)
        scope.paused_until = max(scope.paused_until, until)
        if other_paused:
            _LOGGER.warning("429 in several chats at once; pausing all sends for %.1fs", delay)
            self._pause_all(until)

    def _pause_all(self, until: float) -> None:
        glob, _ = self._ensure_global()
        glob.paused_until = max(glob.paused_until, until)
        if self._budget is not None:
            self._budget.pause(until)

    async def _send_limited(
        self,
        key: ChatKey,
        cost: int,
        paid: bool,
        bulk: bool,
        max_retries: int,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
    ) -> Result:
        glob, paid_scope = self._ensure_global()
        scope = self._chat_scope(key, self._now())
        broadcast = paid and bulk  # only a paid broadcast starts (and keeps) paying
        scope.users += 1
        if not bulk:
            # A reply queued behind this chat's own bulk message lends it its class, or
            # the reply would wait as long as bulk does.
            scope.replies += 1
            if self._budget is not None:
                self._budget.promote(key)
        try:
            async with scope.lock:
                for attempt in range(max_retries + 1):
                    await self._acquire(scope, cost, also_paused=glob)
                    if paid:
                        async with paid_scope.lock:
                            await self._acquire(paid_scope, cost, also_paused=glob)
                        if broadcast:
                            self._paying_until = self._now() + _PAYING_FOR
                    elif self._budget is not None:
                        await self._budget.acquire(cost, bulk=bulk and not scope.replies, key=key)
                    if self._shared is not None:
                        await self._shared(cost, paid)
                    try:
                        return await callback(*args, **kwargs)
                    except RetryAfter as exc:
                        if attempt >= max_retries:
                            _LOGGER.error("Flood limit in chat %s after %d retries", key, attempt)
                            raise
                        delay = retry_after_seconds(exc) + _RETRY_MARGIN
                        _LOGGER.info("Flood limit in chat %s; retrying in %.1fs", key, delay)
                        self._pause(key, delay)
        finally:
            scope.users -= 1
            if not bulk:
                scope.replies -= 1
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send_unlimited(
        self,
        key: ChatKey | None,
        max_retries: int,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
    ) -> Result:
        for attempt in range(max_retries + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= max_retries:
                    raise
                delay = retry_after_seconds(exc) + _RETRY_MARGIN
                _LOGGER.info("Flood limit on an unthrottled call; retrying in %.1fs", delay)
                if key is not None:
                    # New messages to that chat would hit the same wall.
                    self._pause(key, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: RateLimitArgs | None,
    ) -> Result:
        options = _options(rate_limit_args)
        max_retries = self._max_retries if options.retries is None else max(0, options.retries)
        key = chat_key(data.get("chat_id"))
        if endpoint not in LIMITED_ENDPOINTS or key is None:
            return await self._send_unlimited(key, max_retries, callback, args, kwargs)
        paid = bool(data.get("allow_paid_broadcast"))
        if not paid and endpoint in PAYABLE_ENDPOINTS and self._now() < self._paying_until:
            # ``data`` is what the callback sends (python-telegram-bot passes the same dict
            # in ``args``): the message goes as paid, see the module's docstring.
            data["allow_paid_broadcast"] = paid = True
        return await self._send_limited(
            key,
            message_cost(endpoint, data),
            paid,
            options.bulk,
            max_retries,
            callback,
            args,
            kwargs,
        )


def _options(args: RateLimitArgs | None) -> SendOptions:
    if isinstance(args, SendOptions):
        return args
    if isinstance(args, Retries):
        return SendOptions(retries=args.count)
    return SendOptions(retries=args)


__all__ = ["LIMITED_ENDPOINTS", "BookingRateLimiter"]
