"""The update processor: chats in parallel, each chat and each user in order."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from telegram import Chat, Message, Update, User

from bot.app.processor import ChatOrderedProcessor


def update(update_id: int, chat_id: int, user_id: int | None = None) -> Update:
    user = User(user_id if user_id is not None else chat_id, False, "U")
    chat = Chat(chat_id, Chat.PRIVATE if chat_id > 0 else Chat.GROUP)
    message = Message(update_id, datetime.now(timezone.utc), chat, from_user=user, text="hi")
    return Update(update_id, message=message)


class Steps:
    """Handlers that record when they start and finish and wait to be let go."""

    def __init__(self) -> None:
        self.log: list[tuple[str, int]] = []
        self.gates: dict[int, asyncio.Event] = {}
        self.started: dict[int, asyncio.Event] = {}

    def gate(self, update_id: int) -> asyncio.Event:
        return self.gates.setdefault(update_id, asyncio.Event())

    def began(self, update_id: int) -> asyncio.Event:
        return self.started.setdefault(update_id, asyncio.Event())

    async def handle(self, update_id: int) -> None:
        self.log.append(("start", update_id))
        self.began(update_id).set()
        await self.gate(update_id).wait()
        self.log.append(("end", update_id))

    def submit(self, processor: ChatOrderedProcessor, item: Update) -> asyncio.Task[None]:
        return asyncio.create_task(processor.process_update(item, self.handle(item.update_id)))


async def started(steps: Steps, *ids: int) -> None:
    await asyncio.wait_for(asyncio.gather(*(steps.began(i).wait() for i in ids)), 10)


async def test_updates_of_one_chat_run_one_after_another_in_arrival_order() -> None:
    steps, processor = Steps(), ChatOrderedProcessor()
    async with processor:
        tasks = [steps.submit(processor, update(n, chat_id=7)) for n in (1, 2, 3)]
        await started(steps, 1)
        for _ in range(5):
            await asyncio.sleep(0)
        assert steps.log == [("start", 1)]  # 2 and 3 wait for 1
        for n in (3, 2, 1):
            steps.gate(n).set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert steps.log == [("start", 1), ("end", 1), ("start", 2), ("end", 2), ("start", 3), ("end", 3)]
    assert processor.waiting_keys == 0


async def test_other_chats_run_while_one_chat_is_busy() -> None:
    steps, processor = Steps(), ChatOrderedProcessor()
    async with processor:
        slow = steps.submit(processor, update(1, chat_id=7))
        queued = steps.submit(processor, update(2, chat_id=7))
        other = steps.submit(processor, update(3, chat_id=8))
        await started(steps, 1, 3)  # chat 8 does not wait for chat 7
        steps.gate(3).set()
        await asyncio.wait_for(other, 10)
        assert ("start", 2) not in steps.log
        steps.gate(1).set()
        steps.gate(2).set()
        await asyncio.wait_for(asyncio.gather(slow, queued), 10)


async def test_one_user_in_two_chats_is_still_served_in_order() -> None:
    """user_data is per user: a private chat and a group must not mix one user's steps."""
    steps, processor = Steps(), ChatOrderedProcessor()
    async with processor:
        private = steps.submit(processor, update(1, chat_id=7, user_id=7))
        group = steps.submit(processor, update(2, chat_id=-100, user_id=7))
        someone = steps.submit(processor, update(3, chat_id=-100, user_id=9))
        await started(steps, 1)
        for _ in range(5):
            await asyncio.sleep(0)
        assert steps.log == [("start", 1)]  # 2 waits for user 7, 3 for the group
        for n in (1, 2, 3):
            steps.gate(n).set()
        await asyncio.wait_for(asyncio.gather(private, group, someone), 10)
    assert [n for kind, n in steps.log if kind == "start"] == [1, 2, 3]


async def test_at_most_max_in_flight_run_and_a_flooding_chat_takes_one_slot() -> None:
    steps, processor = Steps(), ChatOrderedProcessor(max_in_flight=2)
    async with processor:
        flood = [steps.submit(processor, update(n, chat_id=7)) for n in range(1, 21)]
        first = steps.submit(processor, update(101, chat_id=8))
        second = steps.submit(processor, update(102, chat_id=9))
        await started(steps, 1, 101)  # the flooder's backlog did not take the slots
        for _ in range(5):
            await asyncio.sleep(0)
        assert ("start", 102) not in steps.log  # two running: the third waits for a slot
        steps.gate(101).set()
        await started(steps, 102)
        for n in [*range(1, 21), 102]:
            steps.gate(n).set()
        await asyncio.wait_for(asyncio.gather(*flood, first, second), 10)
    assert [n for kind, n in steps.log if kind == "start" and n < 100] == list(range(1, 21))


async def test_a_failing_update_passes_the_turn_on() -> None:
    processor = ChatOrderedProcessor()
    ran: list[int] = []

    async def boom() -> None:
        ran.append(1)
        raise RuntimeError("handler bug")

    async def fine() -> None:
        ran.append(2)

    async with processor:
        failing = asyncio.create_task(processor.process_update(update(1, 7), boom()))
        following = asyncio.create_task(processor.process_update(update(2, 7), fine()))
        results = await asyncio.wait_for(asyncio.gather(failing, following, return_exceptions=True), 10)
    assert isinstance(results[0], RuntimeError) and results[1] is None
    assert ran == [1, 2]
