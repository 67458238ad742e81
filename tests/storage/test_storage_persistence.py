from __future__ import annotations

from typing import Any

import pytest
from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    ContextTypes,
    ConversationHandler,
    ExtBot,
    MessageHandler,
    PersistenceInput,
    filters,
)

from bot.storage import Database, DatabasePersistence

CALLBACK_DATA = ([("uuid-1", 1700000000.5, {"btn": "ok"})], {"cq-1": "uuid-1"})


class CountingDb:
    """Counts statements sent through ``Database.execute`` (the persistence's only writer)."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.writes = 0
        original = db.execute

        async def execute(sql: Any, params: Any = None) -> Any:
            self.writes += 1
            return await original(sql, params)

        monkeypatch.setattr(db, "execute", execute)


async def _fill(p: DatabasePersistence) -> None:
    await p.update_user_data(5, {"lang": "de", "cart": [1, 2], "nested": {"a": None}})
    await p.update_chat_data(-100123, {"pinned": 7})
    await p.update_bot_data({"maintenance": False})
    await p.update_conversation("booking", (5, 5), "CHOOSE_SLOT")
    await p.update_conversation("booking", (6, 6), 3)
    await p.update_conversation("other", ("inline", 7), {"step": 1})
    await p.update_callback_data(CALLBACK_DATA)


async def test_round_trip_across_reopen(db_url: str) -> None:
    async with await Database.open(db_url) as db:
        await _fill(DatabasePersistence(db))
    async with await Database.open(db_url) as db:
        p = DatabasePersistence(db)
        assert await p.get_user_data() == {
            5: {"lang": "de", "cart": [1, 2], "nested": {"a": None}}
        }
        assert await p.get_chat_data() == {-100123: {"pinned": 7}}
        assert await p.get_bot_data() == {"maintenance": False}
        assert await p.get_conversations("booking") == {(5, 5): "CHOOSE_SLOT", (6, 6): 3}
        assert await p.get_conversations("other") == {("inline", 7): {"step": 1}}
        assert await p.get_conversations("unknown") == {}
        callback = await p.get_callback_data()
        assert callback == CALLBACK_DATA
        assert isinstance(callback, tuple) and isinstance(callback[0][0], tuple)


async def test_empty_database_gives_empty_mutable_data(db_url: str) -> None:
    async with await Database.open(db_url) as db:
        p = DatabasePersistence(db)
        assert await p.get_user_data() == {} and await p.get_chat_data() == {}
        bot_data = await p.get_bot_data()
        assert bot_data == {} and await p.get_callback_data() is None
        bot_data["x"] = 1  # PTB mutates what it gets; the next get is unaffected
        assert await p.get_bot_data() == {}


async def test_unchanged_data_is_not_rewritten(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Database.open(db_url) as db:
        await _fill(DatabasePersistence(db))
    async with await Database.open(db_url) as db:
        p = DatabasePersistence(db)
        await p.get_user_data(), await p.get_chat_data(), await p.get_bot_data()
        await p.get_conversations("booking"), await p.get_callback_data()
        counter = CountingDb(db, monkeypatch)
        # What was just loaded is known to be stored: nothing to write.
        await p.update_user_data(5, {"lang": "de", "cart": [1, 2], "nested": {"a": None}})
        await p.update_chat_data(-100123, {"pinned": 7})
        await p.update_bot_data({"maintenance": False})
        await p.update_conversation("booking", (5, 5), "CHOOSE_SLOT")
        await p.update_callback_data(CALLBACK_DATA)
        assert counter.writes == 0
        await p.update_user_data(5, {"lang": "en"})
        await p.update_user_data(5, {"lang": "en"})
        await p.update_conversation("booking", (5, 5), "CONFIRM")
        await p.update_conversation("booking", (5, 5), "CONFIRM")
        assert counter.writes == 2
        await p.update_user_data(77, {})  # a new user is written once
        await p.update_user_data(77, {})
        assert counter.writes == 3
    async with await Database.open(db_url) as db:
        p = DatabasePersistence(db)
        assert (await p.get_user_data())[5] == {"lang": "en"}
        assert (await p.get_conversations("booking"))[(5, 5)] == "CONFIRM"


async def test_ended_conversation_and_dropped_data_are_deleted(db_url: str) -> None:
    async with await Database.open(db_url) as db:
        p = DatabasePersistence(db)
        await _fill(p)
        await p.update_conversation("booking", (5, 5), None)
        await p.drop_user_data(5)
        await p.drop_chat_data(-100123)
        await p.update_user_data(5, {"lang": "de"})  # must be written again after the drop
        assert await p.get_conversations("booking") == {(6, 6): 3}
        assert await p.get_chat_data() == {}
        assert await p.get_user_data() == {5: {"lang": "de"}}


async def test_non_json_data_is_refused_instead_of_silently_changed(db_url: str) -> None:
    async with await Database.open(db_url) as db:
        p = DatabasePersistence(db)
        with pytest.raises(TypeError, match=r"str dict keys; data\['slots'\] has key 1$"):
            await p.update_user_data(5, {"slots": {1: "09:00"}})
        with pytest.raises(TypeError, match=r"data\['a'\]\[1\] has key 2$"):
            await p.update_user_data(5, {"a": [{"x": [1, {"y": 2}]}, {2: "z"}], "b": 3})
        with pytest.raises(TypeError, match="JSON"):
            await p.update_bot_data({"when": object()})
        assert await p.get_user_data() == {} and await p.get_bot_data() == {}


async def test_flush_is_a_no_op_and_store_data_is_kept(db_url: str) -> None:
    async with await Database.open(db_url) as db:
        p = DatabasePersistence(
            db, store_data=PersistenceInput(callback_data=False), update_interval=5
        )
        await p.flush()
        assert p.update_interval == 5 and p.store_data.callback_data is False


# -- with a real python-telegram-bot Application ----------------------------------------


def _message(update_id: int, text: str, user: int = 5) -> dict[str, Any]:
    person = {"id": user, "is_bot": False, "first_name": "Ann"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1700000000,
            "chat": {"id": user, "type": "private"},
            "from": person,
            "text": text,
        },
    }


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["name"] = update.effective_message.text  # type: ignore[index,union-attr]
    context.chat_data["started"] = True  # type: ignore[index]
    context.bot_data.setdefault("starts", 0)
    context.bot_data["starts"] += 1
    return 1


async def _second(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["second"] = update.effective_message.text  # type: ignore[index,union-attr]
    return ConversationHandler.END


def _application(db: Database) -> Any:
    app = (
        ApplicationBuilder()
        .token("123456:TEST")
        .persistence(DatabasePersistence(db, PersistenceInput(callback_data=False)))
        .updater(None)
        .build()
    )
    app.add_handler(
        ConversationHandler(
            entry_points=[MessageHandler(filters.TEXT, _start)],
            states={1: [MessageHandler(filters.TEXT, _second)]},
            fallbacks=[],
            name="booking",
            persistent=True,
        )
    )
    return app


async def test_application_resumes_conversation_after_restart(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def offline(self: ExtBot[Any]) -> None:  # no network: skip get_me
        return None

    monkeypatch.setattr(ExtBot, "initialize", offline)
    monkeypatch.setattr(ExtBot, "shutdown", offline)

    async with await Database.open(db_url) as db:
        app = _application(db)
        await app.initialize()
        await app.process_update(Update.de_json(_message(1, "Ann"), app.bot))
        await app.shutdown()  # PTB persists here

    async with await Database.open(db_url) as db:
        app = _application(db)
        await app.initialize()
        assert app.user_data[5] == {"name": "Ann"}
        assert app.chat_data[5] == {"started": True}
        assert app.bot_data == {"starts": 1}
        # State 1 was restored, so this message reaches the second step, not the entry.
        await app.process_update(Update.de_json(_message(2, "again"), app.bot))
        assert app.user_data[5] == {"name": "Ann", "second": "again"}
        assert app.bot_data == {"starts": 1}
        await app.shutdown()

    async with await Database.open(db_url) as db:
        assert await DatabasePersistence(db).get_conversations("booking") == {}


async def test_user_chat_and_bot_data_are_encrypted_and_bound_to_their_row(db_url: str) -> None:
    """Drafts and remembered details are personal data: never in clear at rest."""
    from bot.storage import SecretBox

    box = SecretBox("test-secret-key-0123456789abcdefghijklmnop")
    async with await Database.open(db_url) as db:
        await db.execute("INSERT INTO ptb_user_data (user_id, data) VALUES (9, '{\"name\": \"Old Clear\"}')")
        p = DatabasePersistence(db, box=box)
        await p.update_user_data(5, {"details": {"email": "anna@example.org", "phone": "+4915112345"}})
        await p.update_chat_data(5, {"address": "Dorfstrasse 5"})
        await p.update_bot_data({"watch": "Anna Schmidt"})
        assert (await p.get_user_data())[9] == {"name": "Old Clear"}  # read, then re-encrypted
        rows = [r for (r,) in await db.fetchall("SELECT data FROM ptb_user_data")]
        rows += [r for (r,) in await db.fetchall("SELECT data FROM ptb_chat_data")]
        rows += [r for (r,) in await db.fetchall("SELECT data FROM ptb_singletons")]
        assert len(rows) == 4
        for secret in ("anna@example.org", "+4915112345", "Dorfstrasse", "Anna Schmidt", "Old Clear"):
            assert not any(secret in r for r in rows)
        await db.execute("UPDATE ptb_user_data SET data = (SELECT data FROM ptb_user_data"
                         " WHERE user_id = 5) WHERE user_id = 9")  # another user's ciphertext
    async with await Database.open(db_url) as db:
        again = DatabasePersistence(db, box=box)
        with pytest.raises(Exception, match="decrypt"):
            await again.get_user_data()
        await db.execute("DELETE FROM ptb_user_data WHERE user_id = 9")
        assert (await again.get_user_data())[5]["details"]["email"] == "anna@example.org"
        assert await again.get_chat_data() == {5: {"address": "Dorfstrasse 5"}}
        assert await again.get_bot_data() == {"watch": "Anna Schmidt"}


# -- on demand: nothing loaded at start, each entry read when first needed ----------------


class CountingReads:
    """Counts statements read through ``Database.fetchval`` (on-demand lookups)."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads = 0
        original = db.fetchval

        async def fetchval(sql: Any, params: Any = None) -> Any:
            self.reads += 1
            return await original(sql, params)

        monkeypatch.setattr(db, "fetchval", fetchval)


async def test_on_demand_reads_an_entry_when_first_refreshed_and_only_then(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.storage import SecretBox

    box = SecretBox("test-secret-key-0123456789abcdefghijklmnop")
    async with await Database.open(db_url) as db:
        await _fill(DatabasePersistence(db, box=box))
        await db.execute("INSERT INTO ptb_user_data (user_id, data) VALUES (9, '{\"name\": \"Old Clear\"}')")
    async with await Database.open(db_url) as db:
        p = DatabasePersistence(db, box=box, on_demand=True)
        assert await p.get_user_data() == {} and await p.get_chat_data() == {}
        assert await p.get_bot_data() == {"maintenance": False}  # bot data as before
        assert await p.get_conversations("booking") == {(5, 5): "CHOOSE_SLOT", (6, 6): 3}
        reads = CountingReads(db, monkeypatch)
        user: dict[str, Any] = {}
        await p.refresh_user_data(5, user)
        assert user == {"lang": "de", "cart": [1, 2], "nested": {"a": None}}
        chat: dict[str, Any] = {}
        await p.refresh_chat_data(-100123, chat)
        assert chat == {"pinned": 7}
        assert reads.reads == 2
        user["cart"].append(3)  # in memory now: never read over again
        await p.refresh_user_data(5, user)
        assert user["cart"] == [1, 2, 3] and reads.reads == 2
        nobody: dict[str, Any] = {}
        await p.refresh_user_data(77, nobody)  # no row: looked up once
        await p.refresh_user_data(77, nobody)
        assert nobody == {} and reads.reads == 3
        legacy: dict[str, Any] = {}
        await p.refresh_user_data(9, legacy)  # a row from before encryption is sealed
        assert legacy == {"name": "Old Clear"}
        stored = await db.fetchval("SELECT data FROM ptb_user_data WHERE user_id = 9")
        assert "Old Clear" not in stored
        assert box.decrypt(stored, context="ptb:user:9") == '{"name": "Old Clear"}'


async def test_on_demand_forgets_only_what_is_stored_exactly_as_in_memory(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Database.open(db_url) as db:
        p = DatabasePersistence(db, on_demand=True)
        data: dict[str, Any] = {}
        await p.refresh_user_data(5, data)
        assert p.forget("user", 5, data)  # known to have no row, and nothing in memory
        await p.refresh_user_data(5, data)
        data["draft"] = {"site": "Roma"}
        assert not p.forget("user", 5, data)  # not written yet: would be lost
        await p.update_user_data(5, dict(data))
        data["draft"]["site"] = "Milano"
        assert not p.forget("user", 5, data)  # changed since written
        await p.update_user_data(5, {"draft": {"site": "Milano"}})
        assert p.forget("user", 5, data)
        assert not p.forget("user", 5, data)  # already forgotten
        reads = CountingReads(db, monkeypatch)
        again: dict[str, Any] = {}
        await p.refresh_user_data(5, again)  # read from the database again
        assert again == {"draft": {"site": "Milano"}} and reads.reads == 1


async def test_a_failed_write_is_not_taken_as_stored(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Database.open(db_url) as db:
        p = DatabasePersistence(db, on_demand=True)
        await p.update_user_data(5, {"a": 1})

        async def failing(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(db, "execute", failing)
        with pytest.raises(RuntimeError):
            await p.update_user_data(5, {"a": 2})
        assert not p.forget("user", 5, {"a": 2})
        assert not p.forget("user", 5, {"a": 1})  # unknown now: kept in memory


async def test_writes_rolled_back_with_their_transaction_are_made_again(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The group commit writes entries inside a transaction that may still fail after
    they went through; once told (distrust_written), the next write makes them again
    instead of taking them as stored."""
    async with await Database.open(db_url) as db:
        p = DatabasePersistence(db, on_demand=True)
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await p.update_user_data(5, {"draft": {"day": "2026-12-03"}})
                raise RuntimeError("the processed marks failed")
        p.distrust_written()
        counting = CountingDb(db, monkeypatch)
        await p.update_user_data(5, {"draft": {"day": "2026-12-03"}})
        assert counting.writes == 1
        assert not p.forget("user", 5, {"draft": {"day": "2026-12-04"}})
    async with await Database.open(db_url) as db:
        again: dict[str, Any] = {}
        await DatabasePersistence(db, on_demand=True).refresh_user_data(5, again)
        assert again == {"draft": {"day": "2026-12-03"}}
