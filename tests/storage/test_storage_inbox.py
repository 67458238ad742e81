"""The inbox: updates kept from receipt until processed, replayed after a crash."""

from __future__ import annotations

from datetime import timedelta

from bot.storage import Storage
from bot.storage.inbox import MAX_REPLAYS

from .helpers import FakeClock


def body(update_id: int, text: str = "Mario Rossi +393331234567") -> dict:
    return {"update_id": update_id, "message": {"message_id": 1, "date": 0, "text": text,
                                                "chat": {"id": 5, "type": "private"}}}


async def test_kept_until_settled_and_replayed_in_order(storage: Storage) -> None:
    await storage.inbox.receive([(12, body(12)), (11, body(11))])
    await storage.inbox.receive([(11, body(11, "resent")), (13, body(13))])  # 11 again: kept once
    assert [b["update_id"] for b in await storage.inbox.replay()] == [11, 12, 13]
    assert (await storage.inbox.replay())[0]["message"]["text"] == "Mario Rossi +393331234567"
    await storage.inbox.settle([11, 13])
    assert [b["update_id"] for b in await storage.inbox.replay()] == [12]


async def test_bodies_are_encrypted_at_rest(storage: Storage) -> None:
    await storage.inbox.receive([(21, body(21))])
    [stored] = await storage.db.fetchall("SELECT body FROM inbox")
    assert "Rossi" not in stored[0] and "393331234567" not in stored[0]


async def test_an_update_that_never_finishes_is_dropped_after_a_few_starts(storage: Storage) -> None:
    await storage.inbox.receive([(31, body(31))])
    for _ in range(MAX_REPLAYS):
        assert len(await storage.inbox.replay()) == 1
    assert await storage.inbox.replay() == []


async def test_prune_drops_what_telegram_would_have_dropped(storage: Storage, clock: FakeClock) -> None:
    await storage.inbox.receive([(41, body(41))])
    clock.advance(days=2)
    await storage.inbox.receive([(42, body(42))])
    assert await storage.inbox.prune(timedelta(days=1)) == 1
    assert [b["update_id"] for b in await storage.inbox.replay()] == [42]


async def test_a_floods_excess_is_recorded_as_processed_not_kept(storage: Storage) -> None:
    await storage.inbox.receive([(51, body(51))], settled=[52, 53])
    await storage.inbox.receive([], settled=[54])
    assert [b["update_id"] for b in await storage.inbox.replay()] == [51]
    assert [await storage.updates.is_processed(i) for i in (51, 52, 53, 54)] == [
        False, True, True, True]
