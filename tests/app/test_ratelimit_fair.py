"""The global budget shared fairly: chats in turn, replies before bulk sends (virtual time)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.app.ratelimit import BookingRateLimiter
from bot.throttle import BULK, SendOptions
from tests.app.test_ratelimit import Recorder, run

# RetryAfter's own constructor touches its deprecated int-valued attribute.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def sender(limiter: BookingRateLimiter, api: Recorder):  # type: ignore[no-untyped-def]
    async def send(chat_id: Any, options: Any = None, endpoint: str = "sendMessage") -> Any:
        data = {"chat_id": chat_id}
        return await limiter.process_request(
            callback=api.post, args=(endpoint, data), kwargs={}, endpoint=endpoint,
            data=data, rate_limit_args=options,
        )

    return send


def test_bulk_sends_do_not_starve_an_interactive_reply() -> None:
    """300 broadcast messages are waiting; a reply asked for meanwhile goes at the next slot."""

    async def main() -> tuple[list[float], list[float]]:
        limiter = BookingRateLimiter(overall_max_rate=30, overall_time_period=1, bulk_share=0.8)
        api = Recorder()
        send = sender(limiter, api)
        bulk = [asyncio.ensure_future(send(10_000 + k, BULK)) for k in range(300)]
        await asyncio.sleep(0.5)
        await send(1)  # the reply somebody is waiting for
        await asyncio.gather(*bulk)
        return api.times(1), api.times()

    reply, every = run(main)
    # Nobody was replying at 0, so bulk used the whole window; the reply takes the first
    # slot that frees, ahead of the 270 bulk sends still waiting.
    assert reply == [1.0]
    assert len(every) == 301
    for start in every:  # and the bot stayed within 30 in any second
        assert sum(1 for t in every if start <= t < start + 1 - 1e-9) <= 30


def test_a_reply_goes_before_bulk_already_waiting_when_the_window_is_full() -> None:
    async def main() -> tuple[list[float], list[float]]:
        limiter = BookingRateLimiter(overall_max_rate=10, overall_time_period=1, bulk_share=0.8)
        api = Recorder()
        send = sender(limiter, api)
        bulk = [asyncio.ensure_future(send(10_000 + k, BULK)) for k in range(30)]
        await asyncio.sleep(0.2)  # ten went at 0; twenty wait for the window to slide
        replies = [asyncio.ensure_future(send(k)) for k in (1, 2, 3)]
        await asyncio.gather(*bulk, *replies)
        return [t for k in (1, 2, 3) for t in api.times(k)], api.times()

    replies, every = run(main)
    assert replies == [1.0, 1.0, 1.0]  # the first slots that free up, ahead of 20 bulk
    at_one = [t for t in every if t == 1.0]
    assert len(at_one) == 8  # 3 replies + 5 bulk: bulk stops at 80% while replies are about


def test_bulk_keeps_room_for_replies_while_they_come() -> None:
    """With replies about, bulk fills at most 80% of the window; alone, all of it."""

    async def main() -> tuple[list[float], int, list[float]]:
        limiter = BookingRateLimiter(overall_max_rate=30, overall_time_period=1, bulk_share=0.8)
        api = Recorder()
        send = sender(limiter, api)
        await asyncio.gather(*(send(10_000 + k, BULK) for k in range(30)))
        alone = api.times()
        await asyncio.sleep(5)
        start = len(api.calls)
        await send(1)  # a reply: replies are about for the next second
        bulk = [asyncio.ensure_future(send(20_000 + k, BULK)) for k in range(60)]
        await asyncio.sleep(0.5)
        burst_reply = [asyncio.ensure_future(send(k)) for k in range(2, 8)]  # six replies at once
        await asyncio.gather(*bulk, *burst_reply)
        sent_in_window = [t for t, _, chat in api.calls[start:] if t < 6.0 - 1e-9 and chat >= 20_000]
        return alone, len(sent_in_window), [
            t for k in range(2, 8) for t in api.times(k)]

    alone, bulk_with_replies, replies = run(main)
    assert alone == [0.0] * 30  # no replies about: bulk used the whole budget at once
    assert bulk_with_replies == 23  # 80% of 30 = 24, less the reply's own slot
    assert replies == [5.5] * 6  # the room kept: six replies went at once


def test_a_chat_with_a_backlog_gets_one_turn_at_a_time() -> None:
    """One chat with 50 messages queued (its own budget unlimited here) and 40 other chats
    after it: the global budget goes round the chats instead of to the backlog first."""

    async def main() -> list[float]:
        limiter = BookingRateLimiter(overall_max_rate=10, overall_time_period=1,
                                     chat_burst=0, chat_rate_per_second=0)
        api = Recorder()
        send = sender(limiter, api)
        backlog = [asyncio.ensure_future(send(1)) for _ in range(50)]
        await asyncio.sleep(0)
        others = [asyncio.ensure_future(send(100 + k)) for k in range(40)]
        await asyncio.gather(*backlog, *others)
        return [t for k in range(40) for t in api.times(100 + k)]

    others = run(main)
    # The backlog had the first second to itself (nobody else waited); then 10 a second
    # go round 41 chats, one turn each: the others are all served by 5 s, where serving
    # the backlog first would take until 9 s.
    assert max(others) <= 5.0


def test_a_reply_lends_its_class_to_its_chats_bulk_message_ahead_of_it() -> None:
    """Messages of one chat keep their order, so a reply queued behind that chat's own
    reminder would wait as long as bulk does: the reminder is promoted instead."""

    async def main() -> tuple[list[float], list[float]]:
        limiter = BookingRateLimiter(overall_max_rate=10, overall_time_period=1, bulk_share=0.8)
        api = Recorder()
        send = sender(limiter, api)
        bulk = [asyncio.ensure_future(send(10_000 + k, BULK)) for k in range(30)]
        await asyncio.sleep(0)
        mine = asyncio.ensure_future(send(1, BULK))  # chat 1's reminder, behind 20 bulk
        await asyncio.sleep(0.2)
        await send(1)  # chat 1's reply, behind its own reminder
        await asyncio.gather(*bulk, mine)
        return api.times(1), api.times()

    chat, every = run(main)
    assert chat == [1.0, 1.0]  # reminder and reply at the first free slots
    assert len(every) == 32


def test_send_options_carry_retries_too() -> None:
    async def main() -> int:
        limiter = BookingRateLimiter(max_retries=2)
        api = Recorder(failures={3: [1, 1]})
        send = sender(limiter, api)
        with pytest.raises(RetryAfter):  # the 429 comes back at once, not retried
            await send(3, SendOptions(bulk=True, retries=0))
        return len(api.calls)

    assert run(main) == 1


def test_replies_go_as_paid_while_a_paid_broadcast_is_sent_and_only_then() -> None:
    """Telegram spends the free budget on a paid broadcast first: a plain reply meanwhile
    would meet a 429 and pause everything. So replies go paid while one is under way."""

    async def main() -> list[tuple[Any, bool]]:
        limiter = BookingRateLimiter()
        paid_flags: list[tuple[Any, bool]] = []

        async def post(endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
            paid_flags.append((data["chat_id"], bool(data.get("allow_paid_broadcast"))))
            return {"ok": True}

        async def send(chat_id: int, options: Any = None, **extra: Any) -> None:
            data = {"chat_id": chat_id, **extra}
            await limiter.process_request(callback=post, args=("sendMessage", data), kwargs={},
                                          endpoint="sendMessage", data=data,
                                          rate_limit_args=options)

        await send(1)  # before any broadcast: free
        await asyncio.gather(*(send(10_000 + k, BULK, allow_paid_broadcast=True)
                               for k in range(200)))
        await send(2)  # during (within a second of the last paid one): paid too
        await send(3, BULK)  # a reminder too: a 429 would pause the broadcast
        await asyncio.sleep(0.5)
        await send(4)  # a paid reply does not keep the bot paying
        await asyncio.sleep(0.7)
        await send(5)  # a second after the broadcast's last: free again (4 extended nothing)
        return paid_flags

    flags = dict(run(main))
    assert flags[1] is False and flags[10_000] is True
    assert flags[2] is True and flags[3] is True and flags[4] is True
    assert flags[5] is False


def test_the_budget_works_on_uvloop_too() -> None:
    """``python -m bot`` runs on uvloop, whose ``call_at`` may return a plain Handle (no
    ``when()``): twelve sends at once through a budget of five per 0.2 s all go, in turn."""
    uvloop = pytest.importorskip("uvloop")

    async def main() -> list[float]:
        limiter = BookingRateLimiter(overall_max_rate=5, overall_time_period=0.2)
        loop = asyncio.get_running_loop()
        start, times = loop.time(), []

        async def post(*_: Any, **__: Any) -> bool:
            times.append(loop.time() - start)
            return True

        async def send(chat_id: int) -> Any:
            data = {"chat_id": chat_id}
            return await limiter.process_request(
                callback=post, args=("sendMessage", data), kwargs={}, endpoint="sendMessage",
                data=data, rate_limit_args=None)

        await asyncio.wait_for(asyncio.gather(*(send(k) for k in range(12))), timeout=10)
        return times

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        times = runner.run(main())
    assert len(times) == 12
    assert sorted(times)[-1] >= 0.35  # five, five more a window later, then two
