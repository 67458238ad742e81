"""Queue joins claimed before the vendor call: encrypted, found per store, settled with the ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.storage import Storage

from .helpers import T0, FakeClock

REQUEST = {"site_id": "s1", "choice_path": ["c1"], "contact_mode": "phone",
           "contact_value": "+33612345678", "claim_key": "k1"}


async def claim(storage: Storage, key: str = "k1", owner: int = 42, site: str = "s1") -> None:
    await storage.join_claims.claim(key, vendor="fv", owner=owner, site_id=site,
                                    site_name="Paris", request=REQUEST)


async def test_a_claim_is_found_for_its_store_and_settled_with_its_ticket(storage: Storage) -> None:
    await claim(storage)
    found = await storage.join_claims.pending(42, "fv", "s1")
    assert found is not None and (found.claim_key, found.site_name) == ("k1", "Paris")
    assert found.request == REQUEST and "+33612345678" not in repr(found)
    assert await storage.join_claims.pending(42, "fv", "s2") is None
    assert await storage.join_claims.pending(43, "fv", "s1") is None
    async with storage.db.transaction():
        await storage.tickets.add("fv", "cust-1", owner=42, site_id="s1", site_name="Paris", number="7")
        assert await storage.join_claims.settle("k1")
    assert await storage.join_claims.pending(42, "fv", "s1") is None
    assert not await storage.join_claims.settle("k1")


async def test_the_request_is_encrypted_at_rest(storage: Storage) -> None:
    await claim(storage)
    stored = await storage.db.fetchval("SELECT request FROM join_claims")
    assert "+33612345678" not in stored and "phone" not in stored
    with pytest.raises(Exception):
        await storage.db.execute("INSERT INTO join_claims (claim_key, vendor, owner, site_id,"
                                 " site_name, request, created_at) VALUES ('k1', 'fv', 1, 's',"
                                 " 'n', 'x', 't')")  # the key is unique


async def test_claims_before_a_moment_and_per_owner(storage: Storage, clock: FakeClock) -> None:
    await claim(storage, "k1")
    clock.advance(minutes=1)
    await claim(storage, "k2", owner=43)
    assert [c.claim_key for c in await storage.join_claims.list_before(T0 + timedelta(seconds=30))] == ["k1"]
    assert await storage.join_claims.delete_for_owner(43) == 1
    assert [c.claim_key for c in await storage.join_claims.list_before(T0 + timedelta(hours=1))] == ["k1"]
