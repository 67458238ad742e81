from __future__ import annotations

import asyncio

import pytest

from bot.storage import NotFoundError, Storage, card_text_hash


async def _ticket(storage: Storage, external_id: str = "T1", owner: int = 42) -> int:
    ticket, _ = await storage.tickets.add(
        "qvendor", external_id, owner=owner, site_id="s1", site_name="Office", number="A042"
    )
    return ticket.id


async def test_add_is_idempotent_per_external_id(storage: Storage) -> None:
    first, created = await storage.tickets.add(
        "qvendor", "T1", owner=42, site_id="s1", site_name="Office", number="A042"
    )
    again, created_again = await storage.tickets.add(
        "qvendor", "T1", owner=42, site_id="s1", site_name="Office", number="A042"
    )
    assert (created, created_again) == (True, False) and first == again
    assert first.state == "waiting" and first.notices_sent == frozenset()


async def test_mark_notice_sent_only_once(storage: Storage) -> None:
    ticket_id = await _ticket(storage)
    assert await storage.tickets.mark_notice_sent(ticket_id, "almost") is True
    assert await storage.tickets.mark_notice_sent(ticket_id, "almost") is False
    assert await storage.tickets.mark_notice_sent(ticket_id, "called") is True
    ticket = await storage.tickets.get(ticket_id)
    assert ticket is not None and ticket.notices_sent == {"almost", "called"}


async def test_mark_notice_sent_is_atomic_under_concurrency(storage: Storage) -> None:
    ticket_id = await _ticket(storage)
    results = await asyncio.gather(
        *(storage.tickets.mark_notice_sent(ticket_id, "next") for _ in range(10))
    )
    assert results.count(True) == 1


async def test_notice_for_unknown_ticket_claims_nothing(storage: Storage) -> None:
    # e.g. its owner was forgotten while a round was under way: nothing to send
    assert await storage.tickets.mark_notice_sent(999, "next") is False


async def test_watched_card_and_state(storage: Storage) -> None:
    t1 = await _ticket(storage, "T1")
    t2 = await _ticket(storage, "T2")
    t3 = await _ticket(storage, "T3", owner=7)
    await storage.tickets.set_state(t2, "called", desk="Desk 4")
    await storage.tickets.set_state(t3, "done")
    assert [t.id for t in await storage.tickets.list_watched()] == [t1, t2]
    called = await storage.tickets.get(t2)
    assert called is not None and called.desk == "Desk 4"
    await storage.tickets.set_state(t2, "done")
    done = await storage.tickets.get(t2)
    assert done is not None and done.desk == "Desk 4"  # kept when not given

    digest = card_text_hash("You are number 3")
    await storage.tickets.set_card(t1, chat_id=42, message_id=77, text_hash=digest)
    card = await storage.tickets.get(t1)
    assert card is not None
    assert (card.card_chat_id, card.card_message_id, card.card_hash) == (42, 77, digest)
    assert card_text_hash("You are number 2") != digest
    assert [t.id for t in await storage.tickets.list_for_owner(7, watched_only=False)] == [t3]
    with pytest.raises(NotFoundError):
        await storage.tickets.set_state(999, "left")
