"""Users, subscriptions, broadcasts and the update log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.storage import Storage, StorageError

from .helpers import T0, FakeClock


async def test_user_language_is_set_on_first_sight_only(storage: Storage, clock: FakeClock) -> None:
    user = await storage.users.upsert_seen(1, "de")
    assert (user.language, user.role, user.blocked_bot) == ("de", "customer", False)
    assert user.created_at == user.seen_at == T0
    clock.advance(hours=1)
    user = await storage.users.upsert_seen(1, "en")
    assert user.language == "de" and user.seen_at == clock.now and user.created_at == T0
    assert (await storage.users.set_language(1, "fr")).language == "fr"
    assert (await storage.users.upsert_seen(1, "de")).language == "fr"
    # Unknown at first sight: filled in when Telegram tells us later.
    assert (await storage.users.upsert_seen(2, None)).language is None
    assert (await storage.users.upsert_seen(2, "it")).language == "it"


async def test_user_role_block_and_active_list(storage: Storage) -> None:
    staff = await storage.users.set_role(10, "staff")  # configured before first contact
    assert staff.role == "staff" and staff.seen_at is None
    await storage.users.upsert_seen(11, "en")
    await storage.users.upsert_seen(12, "en")
    await storage.users.set_blocked(11, True)
    assert [u.telegram_id for u in await storage.users.list_active()] == [10, 12]
    assert [u.telegram_id for u in await storage.users.list_staff()] == [10]
    await storage.users.set_blocked(11, False)
    assert [u.telegram_id for u in await storage.users.list_active()] == [10, 11, 12]
    assert await storage.users.get(99) is None
    with pytest.raises(StorageError):
        await storage.users.set_role(10, "admin")  # type: ignore[arg-type]


async def test_subscriptions(storage: Storage) -> None:
    sub = await storage.subscriptions.upsert(
        "acme", "point-1", external_id="sub-1", url="https://x/hook", secret="whsec",
        expires_at=T0 + timedelta(days=1),
    )
    assert sub.secret == "whsec" and "whsec" not in repr(sub)
    assert "whsec" not in await storage.db.fetchval("SELECT secret FROM subscriptions")
    await storage.subscriptions.upsert(
        "acme", "point-2", external_id="sub-2", url="https://x/hook", secret="s2", expires_at=None
    )
    renewed = await storage.subscriptions.upsert(
        "acme", "point-1", external_id="sub-3", url="https://x/hook", secret="whsec2",
        expires_at=T0 + timedelta(days=7),
    )
    assert renewed.external_id == "sub-3" and renewed.created_at == sub.created_at
    assert await storage.subscriptions.list_expiring(T0 + timedelta(days=2)) == []
    expiring = await storage.subscriptions.list_expiring(T0 + timedelta(days=8))
    assert [s.scope for s in expiring] == ["point-1"]
    assert (await storage.subscriptions.get_by_external("acme", "sub-2")) is not None
    assert await storage.subscriptions.delete("acme", "point-1") is True
    assert await storage.subscriptions.get("acme", "point-1") is None
    assert await storage.subscriptions.delete("acme", "point-1") is False


async def test_update_log(storage: Storage, clock: FakeClock) -> None:
    assert not await storage.updates.is_processed(100)
    assert await storage.updates.mark_processed(100) is True
    assert await storage.updates.mark_processed(100) is False
    assert await storage.updates.is_processed(100)
    clock.advance(days=8)
    await storage.updates.mark_processed(101)
    assert await storage.updates.prune(older_than_days=7) == 1
    assert not await storage.updates.is_processed(100)
    assert await storage.updates.is_processed(101)


async def test_update_log_marks_many_at_once(storage: Storage) -> None:
    await storage.updates.mark_processed(201)
    await storage.updates.mark_all_processed([200, 201, 202])  # 201 already there: kept
    await storage.updates.mark_all_processed([])
    assert [await storage.updates.is_processed(i) for i in (199, 200, 201, 202, 203)] == [
        False, True, True, True, False]
    assert await storage.updates.newest() == 202
