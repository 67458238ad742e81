"""Forgetting a user: every table scanned afterwards holds no row about them, on both engines,
and nobody else's rows move. Tables are listed from the database itself, so a table added
later is scanned too."""

from __future__ import annotations

from datetime import timedelta

from bot.storage import Audience, NewMessage, Storage, StoredToken

from .helpers import T0, make_draft

ADA, BOB = 4242424242, 5151515151
ADA_WHO, BOB_WHO = "tg-ada0ada0ada0ada0ada0ada0", "tg-b0b0b0b0b0b0b0b0b0b0b0"


async def tables(storage: Storage) -> list[str]:
    if storage.db.target.kind == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    return sorted(name for (name,) in await storage.db.fetchall(query))


async def rows_naming(storage: Storage, *needles: str) -> list[str]:
    found = []
    for table in await tables(storage):
        for row in await storage.db.fetchall(f'SELECT * FROM "{table}"'):  # noqa: S608
            line = " ".join(str(value) for value in row)
            if any(needle in line for needle in needles):
                found.append(f"{table}: {line}")
    return sorted(found)


async def keep_everything_about(storage: Storage, user: int, who: str) -> None:
    await storage.users.upsert_seen(user, "de")
    await storage.tokens.save("ufirst", who, StoredToken("jwt", T0 + timedelta(hours=1)))
    booking, _ = await storage.bookings.claim(f"key-{user}", make_draft(owner=user))
    await storage.bookings.confirm(f"key-{user}", external_id=f"ext-{user}", label=None,
                                   start_utc=booking.start_utc)
    ticket, _ = await storage.tickets.add("fv", f"t-{user}", owner=user, site_id="s1",
                                         site_name="Store", number="A1")
    await storage.tickets.set_card(ticket.id, chat_id=user, message_id=7, text_hash="h")
    assert await storage.tickets.mark_notice_sent(ticket.id, "near")
    await storage.oauth.create(f"state-{user}", user, "faces", "verifier", T0 + timedelta(minutes=9))
    await storage.join_claims.claim(f"claim-{user}", vendor="fv", owner=user, site_id="s1",
                                    site_name="Store", request={"name": "x"})
    await storage.outbox.enqueue(NewMessage(key=f"reminder:{booking.id}:x", chat_id=user,
                                            kind="reminder", payload={"text": "soon"}))
    await storage.vendor_refs.add("bookingtime", who, f"appt-{user}", {"org": "1"})
    await storage.broadcasts.create(user, "hello all", Audience())
    await storage.slot_watches.watch(vendor="acme", site={"id": f"s-{user}"}, service={"id": "x"},
                                     day=T0.date(), timezone="UTC", telegram_id=user,
                                     language="de", first_check=60)
    persistence = storage.persistence()
    await persistence.update_user_data(user, {"lang": "de"})
    await persistence.update_chat_data(user, {"seen": True})
    await persistence.update_conversation("booking", (user, user), 3)


async def test_forget_user_leaves_no_row_naming_them(storage: Storage) -> None:
    await keep_everything_about(storage, ADA, ADA_WHO)
    await keep_everything_about(storage, BOB, BOB_WHO)
    ada_before = await rows_naming(storage, str(ADA), ADA_WHO)
    bob_before = await rows_naming(storage, str(BOB), BOB_WHO)
    named = {row.split(":")[0] for row in ada_before}
    assert named >= {"users", "vendor_tokens", "bookings", "tickets", "oauth_states", "join_claims",
                     "outbox", "vendor_refs", "broadcasts", "ptb_user_data", "ptb_chat_data",
                     "ptb_conversations", "slot_watchers", "slot_watches"}, named

    removed = await storage.forget_user(ADA, ADA_WHO)

    assert await rows_naming(storage, str(ADA), ADA_WHO) == []
    assert await rows_naming(storage, str(BOB), BOB_WHO) == bob_before
    assert removed["ticket_notices"] == 1 and removed["users"] == 1
    assert removed["slot_watches"] == 1  # hers alone; Bob's stays (checked above)
    assert await storage.users.get(ADA) is None
    assert await storage.forget_user(ADA, ADA_WHO) == {}  # again: nothing left to remove


async def test_on_sqlite_forgotten_bytes_do_not_linger_in_the_file_or_its_log(
        storage: Storage, db_path) -> None:  # type: ignore[no-untyped-def]
    """A conversation key is stored as plain text (the chat and user ids): once forgotten,
    those digits are in neither the database file nor its write-ahead log."""
    if storage.db.kind != "sqlite":
        return  # PostgreSQL's files are the server's: VACUUM is its operator's
    await keep_everything_about(storage, ADA, ADA_WHO)
    await keep_everything_about(storage, BOB, BOB_WHO)
    await storage.db.fetchall("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the file now

    def raw() -> bytes:
        wal = db_path.with_name(db_path.name + "-wal")
        return db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    assert str(ADA).encode() in raw() and str(BOB).encode() in raw()
    await storage.forget_user(ADA, ADA_WHO)
    assert str(ADA).encode() not in raw()
    assert str(BOB).encode() in raw()
