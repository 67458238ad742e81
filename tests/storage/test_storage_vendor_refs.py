"""References vendor adapters keep per owner (schema v2)."""

from __future__ import annotations

from pathlib import Path

from bot.storage import Database, Storage
from .helpers import HEAD, SECRET, T0, FakeClock, migration_scripts


async def test_add_list_owner_and_remove(storage: Storage, clock: FakeClock) -> None:
    refs = storage.vendor_refs
    first = await refs.add("acme", "psd-anna", "apt-1", {"organization": "org-1"})
    assert (first.vendor, first.owner, first.ref_id) == ("acme", "psd-anna", "apt-1")
    assert first.data == {"organization": "org-1"} and first.created_at == T0
    clock.advance(minutes=5)
    await refs.add("acme", "psd-anna", "apt-2", {"organization": "org-2", "template": None})
    await refs.add("acme", "psd-bruno", "apt-3")
    await refs.add("other", "psd-anna", "apt-1", {"x": 1})  # same id at another vendor

    listed = await refs.list_for_owner("acme", "psd-anna")
    assert [r.ref_id for r in listed] == ["apt-1", "apt-2"]  # oldest first
    assert listed[1].data == {"organization": "org-2", "template": None}
    assert [r.ref_id for r in await refs.list_for_owner("acme", "psd-bruno")] == ["apt-3"]
    assert await refs.list_for_owner("acme", "nobody") == []
    assert await refs.owner_of("acme", "apt-3") == "psd-bruno"
    assert await refs.owner_of("acme", "apt-9") is None

    assert await refs.remove("acme", "psd-bruno", "apt-1") is False  # not Bruno's
    assert await refs.remove("acme", "psd-anna", "apt-1") is True
    assert await refs.remove("acme", "psd-anna", "apt-1") is False
    assert [r.ref_id for r in await refs.list_for_owner("acme", "psd-anna")] == ["apt-2"]
    assert await refs.owner_of("other", "apt-1") == "psd-anna"  # other vendors untouched


async def test_adding_again_updates_data_but_never_the_owner(storage: Storage) -> None:
    refs = storage.vendor_refs
    await refs.add("acme", "psd-anna", "apt-1", {"template": "t1"})
    again = await refs.add("acme", "psd-anna", "apt-1", {"template": "t2"})
    assert again.data == {"template": "t2"}
    stolen = await refs.add("acme", "psd-mallory", "apt-1", {"template": "evil"})
    assert (stolen.owner, stolen.data) == ("psd-anna", {"template": "t2"})
    assert await refs.list_for_owner("acme", "psd-mallory") == []


async def test_references_survive_reopening(db_url: str, clock: FakeClock) -> None:
    async with await Storage.open(db_url, SECRET, clock=clock) as first:
        await first.vendor_refs.add("acme", "psd-anna", "apt-1", {"organization": "org-1"})
    async with await Storage.open(db_url, SECRET, clock=clock) as second:
        [ref] = await second.vendor_refs.list_for_owner("acme", "psd-anna")
        assert ref.data == {"organization": "org-1"}


async def test_v2_upgrades_a_v1_database_keeping_its_rows(db_url: str, tmp_path: Path) -> None:
    v1 = migration_scripts(tmp_path / "scripts", upto="0001")
    async with await Database.open(db_url, migrations=v1) as db:
        assert await db.schema_version() == "0001"
        await db.execute("INSERT INTO broadcasts (author, text, created_at) VALUES (1, 'x', 't')")
    async with await Database.open(db_url) as db:
        assert await db.schema_version() == HEAD
        assert await db.fetchval("SELECT COUNT(*) FROM broadcasts") == 1
        catalog = (
            "SELECT name FROM sqlite_master WHERE type = 'index'"
            if db.kind == "sqlite"
            else "SELECT indexname FROM pg_indexes WHERE tablename = 'vendor_refs'"
        )
        assert "vendor_refs_owner" in {row[0] for row in await db.fetchall(catalog)}
