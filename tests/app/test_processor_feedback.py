"""The processor's flood bound and "typing…" timer (virtual time: no real waiting)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from telegram import CallbackQuery, Chat, Contact, Message, Update, User

from bot.app.processor import Admission, ChatOrderedProcessor, _keys
from bot.app.receiving import _id_ranges, _screening
from tests.app.test_ratelimit import run


def text(update_id: int, chat_id: int = 7) -> Update:
    user, chat = User(chat_id, False, "U"), Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(timezone.utc), chat,
                                             from_user=user, text="/help"))


def contact(update_id: int, chat_id: int = 7) -> Update:
    user, chat = User(chat_id, False, "U"), Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(timezone.utc), chat,
                                             from_user=user, contact=Contact("+39333", "U")))


def press(update_id: int, chat_id: int = 7) -> Update:
    user, chat = User(chat_id, False, "U"), Chat(chat_id, Chat.PRIVATE)
    message = Message(1, datetime.now(timezone.utc), chat, from_user=user, text="screen")
    return Update(update_id, callback_query=CallbackQuery(str(update_id), user, "c",
                                                          message=message, data="x"))


class Hooks:
    def __init__(self) -> None:
        self.typed: list[tuple[float, int]] = []
        self.drops: list[tuple[int, bool]] = []

    async def typing(self, update: Update) -> None:
        self.typed.append((asyncio.get_running_loop().time(), update.update_id))

    async def dropped(self, update: Update, *, notify: bool, recorded: bool) -> None:
        self.drops.append((update.update_id, notify))


def test_typing_shows_only_for_a_step_that_runs_long() -> None:
    async def main() -> list[tuple[float, int]]:
        hooks, processor = Hooks(), ChatOrderedProcessor(typing_after=2.0)
        processor.attach(hooks)
        async with processor:
            start = asyncio.get_running_loop().time()
            await processor.process_update(text(1), asyncio.sleep(1.9))  # fast: no call
            await processor.process_update(text(2), asyncio.sleep(7.0))  # slow: typing
            await asyncio.sleep(30)  # nothing fires after a step ended
        return [(round(at - start, 3), n) for at, n in hooks.typed]

    # 1.9 s for step 1, then step 2 shows typing after 2 s and again while it runs.
    assert run(main) == [(3.9, 2), (8.4, 2)]


async def _flood(processor: ChatOrderedProcessor, gate: asyncio.Event, first: int,
                 updates: list[Update]) -> list[asyncio.Task[None]]:
    tasks = [asyncio.create_task(processor.process_update(text(first), gate.wait()))]
    tasks += [asyncio.create_task(processor.process_update(u, asyncio.sleep(0))) for u in updates]
    for _ in range(10):
        await asyncio.sleep(0)
    return tasks


def test_a_flood_beyond_the_bound_is_dropped_with_one_notice_per_episode() -> None:
    async def main() -> tuple[list[tuple[int, bool]], list[tuple[int, bool]], int]:
        hooks, processor = Hooks(), ChatOrderedProcessor(chat_bound=3)
        processor.attach(hooks)
        async with processor:
            gate = asyncio.Event()
            flood = [text(n) for n in range(2, 12)] + [contact(12), press(13)]
            tasks = await _flood(processor, gate, 1, flood)
            other = await asyncio.wait_for(processor.process_update(text(99, chat_id=8),
                                                                    asyncio.sleep(0)), 1)
            assert other is None  # another chat is not held up by the flood
            first_episode = list(hooks.drops)
            gate.set()
            await asyncio.gather(*tasks)
            hooks.drops.clear()
            gate = asyncio.Event()
            tasks = await _flood(processor, gate, 20, [text(n) for n in range(21, 25)])
            gate.set()
            await asyncio.gather(*tasks)
        return first_episode, hooks.drops, processor.waiting_keys

    first, second, waiting = run(main)
    # 1 running and 2, 3 queued; text 4..11 and the press dropped, one notice; the contact queues.
    assert first == [(4, True)] + [(n, False) for n in range(5, 12)] + [(13, False)]
    assert second == [(23, True), (24, False)]  # the queue ran empty: a new episode
    assert waiting == 0


def test_without_a_bound_nothing_is_dropped() -> None:
    async def main() -> list[tuple[int, bool]]:
        hooks, processor = Hooks(), ChatOrderedProcessor()
        processor.attach(hooks)
        async with processor:
            gate = asyncio.Event()
            tasks = await _flood(processor, gate, 1, [text(n) for n in range(2, 30)])
            gate.set()
            await asyncio.gather(*tasks)
        return hooks.drops

    assert run(main) == []


def test_a_flood_is_screened_from_its_json_as_it_arrives_by_the_same_bound() -> None:
    updates = [text(n) for n in range(1, 12)] + [contact(12), press(13), text(14, chat_id=8)]

    async def main() -> tuple[list[Admission], list[tuple[int, bool]], int, Admission]:
        hooks, processor = Hooks(), ChatOrderedProcessor(chat_bound=3)
        processor.attach(hooks)
        async with processor:
            verdicts = []
            for update in updates:
                keys, droppable, is_press = _screening(update.to_dict())
                assert keys == _keys(update)  # the same keys as the built update's
                verdicts.append(processor.admit(update.update_id, keys, droppable=droppable,
                                                press=is_press))
            gate = asyncio.Event()
            kept = [u for u, v in zip(updates, verdicts, strict=True) if v is Admission.RUN]
            # Admitted updates are counted once: none is dropped again when it runs.
            tasks = [asyncio.create_task(processor.process_update(
                u, gate.wait() if u.update_id == 1 else asyncio.sleep(0))) for u in kept]
            for _ in range(10):
                await asyncio.sleep(0)
            gate.set()
            await asyncio.gather(*tasks)
            after = processor.admit(15, _keys(text(15)), droppable=True)
            processor.release(15)
            return verdicts, hooks.drops, processor.waiting_keys, after

    verdicts, drops, waiting, after = run(main)
    R, D = Admission.RUN, Admission.DROP
    # 1..3 run, 4 brings the notice, 5..11 dropped quietly, the contact queues, the press
    # is answered, another chat runs.
    assert verdicts == [R, R, R, Admission.NOTIFY] + [D] * 7 + [R, Admission.ANSWER, R]
    assert drops == []  # nothing admitted was dropped later
    assert waiting == 0 and after is R  # the episode ended with the queue


def test_screening_reads_only_messages_and_presses() -> None:
    assert _screening({"update_id": 1, "edited_message": {"chat": {"id": 5}}}) == ([], False, False)
    assert _id_ranges([9, 3, 4, 5, 11, 12]) == "3-5,9,11-12"
