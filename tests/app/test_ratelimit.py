"""Tests for the outgoing rate limiter, run on a virtual-time event loop.

Sleeping in the loop advances a fake clock instead of waiting, so the scheduling can be checked
to the millisecond without the tests being slow or depending on machine load.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import pytest
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.app.ratelimit import LIMITED_ENDPOINTS, BookingRateLimiter

T = TypeVar("T")

# RetryAfter's own constructor touches its deprecated int-valued attribute.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0


class _VirtualSelector(selectors.DefaultSelector):
    """Never blocks: a wait for timers jumps the clock to the next deadline."""

    def __init__(self, clock: _Clock) -> None:
        super().__init__()
        self._clock = clock

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            raise RuntimeError("deadlock: the loop would wait forever")
        self._clock.now += timeout
        return []


class _VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._vclock = _Clock()
        super().__init__(selector=_VirtualSelector(self._vclock))

    def time(self) -> float:
        return self._vclock.now


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    loop = _VirtualLoop()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()


def now() -> float:
    return asyncio.get_running_loop().time()


class Recorder:
    """A fake Bot API: records (seconds since start, endpoint, chat) for each call."""

    def __init__(self, failures: dict[Any, list[float]] | None = None) -> None:
        self.start = now()
        self.calls: list[tuple[float, str, Any]] = []
        # chat_id -> retry_after values to raise, one per call, before succeeding
        self.failures = failures or {}

    async def post(self, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((round(now() - self.start, 6), endpoint, data.get("chat_id")))
        pending = self.failures.get(data.get("chat_id"))
        if pending:
            raise RetryAfter(int(pending.pop(0)))
        return {"ok": True, "endpoint": endpoint, "text": data.get("text")}

    def times(self, chat_id: Any = None, endpoint: str | None = None) -> list[float]:
        return [
            t
            for t, ep, chat in self.calls
            if (chat_id is None or chat == chat_id) and (endpoint is None or ep == endpoint)
        ]


def sender(
    limiter: BookingRateLimiter, api: Recorder
) -> Callable[..., Awaitable[Any]]:
    async def send(
        chat_id: Any,
        endpoint: str = "sendMessage",
        rate_limit_args: int | None = None,
        **extra: Any,
    ) -> Any:
        data = {"chat_id": chat_id, **extra}
        return await limiter.process_request(
            callback=api.post,
            args=(endpoint, data),
            kwargs={},
            endpoint=endpoint,
            data=data,
            rate_limit_args=rate_limit_args,
        )

    return send


def test_is_a_ptb_rate_limiter_with_documented_defaults() -> None:
    limiter = BookingRateLimiter()
    assert isinstance(limiter, BaseRateLimiter)
    assert limiter._max_retries == 2
    assert "sendMessage" in LIMITED_ENDPOINTS
    assert "editMessageText" not in LIMITED_ENDPOINTS
    assert "sendChatAction" not in LIMITED_ENDPOINTS
    with pytest.raises(ValueError):
        BookingRateLimiter(max_retries=-1)


def test_private_chat_bursts_then_throttles() -> None:
    async def main() -> list[float]:
        limiter = BookingRateLimiter(chat_burst=3, chat_rate_per_second=2.0)
        await limiter.initialize()
        api = Recorder()
        send = sender(limiter, api)
        await asyncio.gather(*(send(42, text=str(i)) for i in range(7)))
        return api.times(42)

    assert run(main) == [0.0, 0.0, 0.0, 0.5, 1.0, 1.5, 2.0]


def test_default_private_chat_limit_is_burst_8_then_one_per_second() -> None:
    async def main() -> list[float]:
        limiter = BookingRateLimiter()
        api = Recorder()
        send = sender(limiter, api)
        await asyncio.gather(*(send(7) for _ in range(10)))
        return api.times(7)

    assert run(main) == [0.0] * 8 + [1.0, 2.0]


def test_messages_to_one_chat_keep_their_order() -> None:
    async def main() -> list[str]:
        limiter = BookingRateLimiter(chat_burst=2, chat_rate_per_second=10.0)
        api = Recorder()
        send = sender(limiter, api)
        results = await asyncio.gather(*(send(1, text=f"m{i}") for i in range(6)))
        return [r["text"] for r in results] + [str(len(api.calls))]

    assert run(main) == ["m0", "m1", "m2", "m3", "m4", "m5", "6"]


def test_backlog_in_one_chat_does_not_delay_another() -> None:
    async def main() -> tuple[list[float], list[float]]:
        limiter = BookingRateLimiter(chat_burst=1, chat_rate_per_second=1.0)
        api = Recorder()
        send = sender(limiter, api)
        backlog = [asyncio.ensure_future(send(1)) for _ in range(10)]
        await asyncio.sleep(0.25)
        await send(2)
        await asyncio.gather(*backlog)
        return api.times(1), api.times(2)

    busy, other = run(main)
    assert busy == [float(i) for i in range(10)]
    assert other == [0.25]


def test_edits_and_callback_answers_are_not_limited() -> None:
    async def main() -> list[tuple[float, str, Any]]:
        limiter = BookingRateLimiter(chat_burst=1, chat_rate_per_second=0.5)
        api = Recorder()
        send = sender(limiter, api)
        backlog = [asyncio.ensure_future(send(5)) for _ in range(5)]
        await asyncio.sleep(0)
        for endpoint in ("editMessageText", "answerCallbackQuery", "sendChatAction"):
            for _ in range(20):
                await send(5, endpoint)
        await asyncio.gather(*backlog)
        return api.calls

    calls = run(main)
    unlimited = [t for t, ep, _ in calls if ep != "sendMessage"]
    assert len(unlimited) == 60
    assert set(unlimited) == {0.0}
    assert [t for t, ep, _ in calls if ep == "sendMessage"] == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_group_chats_are_limited_per_minute() -> None:
    async def main() -> tuple[list[float], list[float]]:
        limiter = BookingRateLimiter(group_max_rate=20, group_time_period=60)
        api = Recorder()
        send = sender(limiter, api)
        await asyncio.gather(*(send(-100123) for _ in range(22)))
        await asyncio.gather(*(send("@channel") for _ in range(3)))
        return api.times(-100123), api.times("@channel")

    group, channel = run(main)
    # Twenty go out spaced only by the global 30/s limit, the rest wait for the minute to pass.
    assert group[:20] == [0.0] * 20
    assert group[20:] == [60.0, 60.0]
    assert channel == [60.0, 60.0, 60.0]


def test_global_limit_across_chats() -> None:
    async def main() -> list[float]:
        limiter = BookingRateLimiter(overall_max_rate=30, overall_time_period=1)
        api = Recorder()
        send = sender(limiter, api)
        await asyncio.gather(*(send(chat) for chat in range(1, 71)))
        return api.times()

    times = run(main)
    assert times == [0.0] * 30 + [1.0] * 30 + [2.0] * 10


def test_media_group_counts_each_item() -> None:
    async def main() -> list[float]:
        limiter = BookingRateLimiter(chat_burst=8, chat_rate_per_second=1.0)
        api = Recorder()
        send = sender(limiter, api)
        await send(9, "sendMediaGroup", media=[object()] * 6)
        await send(9, "sendMediaGroup", media=[object()] * 6)
        return api.times(9)

    # 6 of 8 tokens spent, the second album needs 4 more seconds of refill.
    assert run(main) == [0.0, 4.0]


def test_retry_after_is_honoured_then_succeeds() -> None:
    async def main() -> tuple[Any, list[float], list[float]]:
        limiter = BookingRateLimiter()
        api = Recorder(failures={3: [2]})
        send = sender(limiter, api)
        first = asyncio.ensure_future(send(3, text="a"))
        await asyncio.sleep(0)
        second = asyncio.ensure_future(send(3, text="b"))
        other = asyncio.ensure_future(send(4, text="c"))
        result, *_ = await asyncio.gather(first, second, other)
        return result, api.times(3), api.times(4)

    result, chat, other = run(main)
    assert result["text"] == "a"
    # failed at 0, retried after 2s + margin; the queued message waits behind it
    assert chat == [0.0, 2.1, 2.1]
    assert other == [0.0]


def test_retry_after_beyond_max_retries_is_reraised() -> None:
    async def main() -> tuple[float, int]:
        limiter = BookingRateLimiter(max_retries=2)
        api = Recorder(failures={3: [1, 1, 1, 1, 1]})
        send = sender(limiter, api)
        with pytest.raises(RetryAfter):
            await send(3)
        return now() - api.start, len(api.calls)

    elapsed, calls = run(main)
    assert calls == 3
    assert elapsed == pytest.approx(2.2)


def test_rate_limit_args_override_max_retries() -> None:
    async def main() -> int:
        limiter = BookingRateLimiter(max_retries=2)
        api = Recorder(failures={3: [1, 1]})
        send = sender(limiter, api)
        with pytest.raises(RetryAfter):
            await send(3, rate_limit_args=0)
        return len(api.calls)

    assert run(main) == 1


def test_unlimited_calls_retry_too_but_bounded() -> None:
    async def main() -> tuple[int, float]:
        limiter = BookingRateLimiter(max_retries=1)
        api = Recorder(failures={3: [5, 5, 5]})
        send = sender(limiter, api)
        with pytest.raises(RetryAfter):
            await send(3, "editMessageText")
        return len(api.calls), now() - api.start

    calls, elapsed = run(main)
    assert calls == 2
    assert elapsed == pytest.approx(5.1)


def test_flood_in_two_chats_pauses_everything() -> None:
    async def main() -> list[float]:
        limiter = BookingRateLimiter()
        api = Recorder(failures={1: [3], 2: [3]})
        send = sender(limiter, api)
        a = asyncio.ensure_future(send(1))
        b = asyncio.ensure_future(send(2))
        await asyncio.sleep(0.5)
        await send(3)
        await asyncio.gather(a, b)
        return api.times(3)

    # chat 3 never hit a 429 itself but waits for the global pause set at t=0
    assert run(main) == [pytest.approx(3.1)]


def test_idle_chats_are_evicted() -> None:
    async def main() -> tuple[int, int]:
        limiter = BookingRateLimiter()
        api = Recorder()
        send = sender(limiter, api)
        for chat in range(1, 501):
            await send(chat)
        before = limiter.tracked_chats
        await asyncio.sleep(120)
        await send(1000)
        return before, limiter.tracked_chats

    before, after = run(main)
    assert before == 500
    assert after == 1
