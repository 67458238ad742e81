from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.storage import Storage

from .helpers import T0


async def test_state_is_single_use(storage: Storage) -> None:
    await storage.oauth.create("st-1", 42, "acme", "verifier-xyz", T0 + timedelta(minutes=10))
    row = await storage.oauth.consume("st-1", T0 + timedelta(minutes=1))
    assert row is not None
    assert (row.telegram_id, row.vendor, row.code_verifier) == (42, "acme", "verifier-xyz")
    assert "verifier-xyz" not in repr(row)
    assert await storage.oauth.consume("st-1", T0 + timedelta(minutes=1)) is None
    assert await storage.oauth.consume("unknown", T0) is None


async def test_expired_state_is_rejected_and_removed(storage: Storage) -> None:
    await storage.oauth.create("st-1", 42, "acme", "v", T0 + timedelta(minutes=10))
    assert await storage.oauth.consume("st-1", T0 + timedelta(minutes=10)) is None
    assert await storage.db.fetchval("SELECT COUNT(*) FROM oauth_states") == 0


async def test_concurrent_consume_yields_one_winner(storage: Storage) -> None:
    await storage.oauth.create("st-1", 42, "acme", "v", T0 + timedelta(minutes=10))
    results = await asyncio.gather(*(storage.oauth.consume("st-1", T0) for _ in range(5)))
    assert sum(r is not None for r in results) == 1


async def test_verifier_is_encrypted_and_prune(storage: Storage) -> None:
    await storage.oauth.create("st-1", 42, "acme", "verifier-xyz", T0 + timedelta(minutes=10))
    await storage.oauth.create("st-2", 43, "acme", "v2", T0 + timedelta(minutes=30))
    stored = await storage.db.fetchval("SELECT code_verifier FROM oauth_states WHERE state='st-1'")
    assert "verifier-xyz" not in stored
    assert await storage.oauth.prune_expired(T0 + timedelta(minutes=15)) == 1
    assert await storage.oauth.consume("st-2", T0) is not None
