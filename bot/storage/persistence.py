"""python-telegram-bot persistence in the bot's database (SQLite or PostgreSQL), as JSON.

Why not ``PicklePersistence``: it rewrites one pickle file (not crash-safe mid-write, and
unpickling is code execution if the file is ever replaced), and it would be a second
store next to the database; on PostgreSQL it would also stay behind on the machine that
died, where a standby could not read it. Here each piece is one row, written in its own
committed statement.

Contract for handler code (enforced: violations raise ``TypeError`` when PTB persists):

* ``user_data``, ``chat_data``, ``bot_data`` and conversation states must be
  JSON-serialisable: dicts with **str keys**, lists, str, int, float, bool, None.
  Tuples come back as lists. ``ContextTypes`` with custom data classes are not supported.
* Callback data (``arbitrary_callback_data``) must be JSON-serialisable too.
* Conversation keys (tuples of chat/user ids) and user/chat ids are restored as PTB
  expects them: tuples and ints.

Every ``update_*`` first compares the serialised value with what it last wrote (or read)
and skips unchanged data, so PTB may call it after every update at little cost.

User and chat data on demand (``on_demand=True``): PTB loads every user's and chat's
data at start, which with a hundred thousand users costs seconds and tens of megabytes
for people who may never write again. Then ``get_user_data``/``get_chat_data`` load
nothing, and ``refresh_user_data``/``refresh_chat_data`` (which PTB calls before it
hands a context to a callback, for every update with a user or chat) fill the entry
from its row the first time it is needed. The application may then :meth:`forget` an
idle entry that is stored exactly as it is in memory, and it is read again when that
user writes next.

Personal data at rest: ``user_data`` holds drafts and remembered details (names, phone
numbers, e-mail and postal addresses), so with a :class:`SecretBox` the user, chat and
bot data are stored encrypted like vendor tokens, each bound to its row (a ciphertext
copied into another user's row does not decrypt). Rows written in clear before that are
encrypted when first read. Conversation states and keys are
ids and step names only, and stay readable.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from typing import Any, NamedTuple

from telegram.ext import BasePersistence, PersistenceInput

from ._common import dumps_json
from .crypto import SecretBox
from .db import Database

__all__ = ["DatabasePersistence"]

JsonDict = dict[str, Any]
# Same shapes as PTB's private aliases in telegram.ext._utils.types.
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]

_BOT_DATA = "bot_data"
_CALLBACK_DATA = "callback_data"
# Stands for "stored, value unknown" in _written: never equal to JSON text (JSON escapes NUL).
_UNKNOWN = "\x00unknown"


class _DataTable(NamedTuple):
    """The statements of ``ptb_user_data`` or ``ptb_chat_data`` (parameters ``:id``, ``:data``)."""

    kind: str  # "user" or "chat": the first part of its items in _written
    load_all: str
    load_one: str
    upsert: str
    delete: str


def _data_table(kind: str, table: str, key: str) -> _DataTable:
    """The statements of one of the two tables (fixed names, written here only)."""
    return _DataTable(
        kind=kind,
        load_all=f"SELECT {key}, data FROM {table}",
        load_one=f"SELECT data FROM {table} WHERE {key} = :id",
        upsert=f"INSERT INTO {table} ({key}, data) VALUES (:id, :data)"
               f" ON CONFLICT ({key}) DO UPDATE SET data = excluded.data",
        delete=f"DELETE FROM {table} WHERE {key} = :id",
    )


_USER_DATA = _data_table("user", "ptb_user_data", "user_id")
_CHAT_DATA = _data_table("chat", "ptb_chat_data", "chat_id")

_LOAD_SINGLETON = "SELECT data FROM ptb_singletons WHERE name = :name"
_UPSERT_SINGLETON = """
    INSERT INTO ptb_singletons (name, data) VALUES (:name, :data)
    ON CONFLICT (name) DO UPDATE SET data = excluded.data
"""

# "key" is quoted: a keyword in SQLite (which would take it bare all the same).
_LOAD_CONVERSATIONS = 'SELECT "key", state FROM ptb_conversations WHERE name = :name'
_UPSERT_CONVERSATION = """
    INSERT INTO ptb_conversations (name, "key", state) VALUES (:name, :key, :state)
    ON CONFLICT (name, "key") DO UPDATE SET state = excluded.state
"""
_DELETE_CONVERSATION = 'DELETE FROM ptb_conversations WHERE name = :name AND "key" = :key'


class DatabasePersistence(BasePersistence[JsonDict, JsonDict, JsonDict]):
    """Shares the :class:`Database` (and its lock) with the repositories; never closes it."""

    __slots__ = ("_box", "_db", "_on_demand", "_written")

    def __init__(
        self,
        db: Database,
        store_data: PersistenceInput | None = None,
        update_interval: float = 60,
        *,
        box: SecretBox | None = None,
        on_demand: bool = False,
    ) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        self._db = db
        self._box = box
        self._on_demand = on_demand
        # Last serialised value known to be in the database, per item; None: known
        # to have no row (an on-demand entry looked up and not found).
        self._written: dict[Hashable, str | None] = {}

    @property
    def on_demand(self) -> bool:
        return self._on_demand

    # -- user / chat data --------------------------------------------------------------

    async def get_user_data(self) -> dict[int, JsonDict]:
        return {} if self._on_demand else await self._load_map(_USER_DATA)

    async def get_chat_data(self) -> dict[int, JsonDict]:
        return {} if self._on_demand else await self._load_map(_CHAT_DATA)

    async def update_user_data(self, user_id: int, data: JsonDict) -> None:
        await self._store_map(_USER_DATA, user_id, data)

    async def update_chat_data(self, chat_id: int, data: JsonDict) -> None:
        await self._store_map(_CHAT_DATA, chat_id, data)

    async def drop_user_data(self, user_id: int) -> None:
        await self._db.execute(_USER_DATA.delete, {"id": user_id})
        self._written.pop(("user", user_id), None)

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._db.execute(_CHAT_DATA.delete, {"id": chat_id})
        self._written.pop(("chat", chat_id), None)

    async def refresh_user_data(self, user_id: int, user_data: JsonDict) -> None:
        """On demand: the user's stored data, the first time it is needed. Otherwise a
        no-op: one process (the leader) writes, so memory is never stale."""
        await self._fill(_USER_DATA, user_id, user_data)

    async def refresh_chat_data(self, chat_id: int, chat_data: JsonDict) -> None:
        """As :meth:`refresh_user_data`, for a chat."""
        await self._fill(_CHAT_DATA, chat_id, chat_data)

    def forget(self, kind: str, item_id: int, data: JsonDict) -> bool:
        """Whether ``data``, the ``kind`` ("user" or "chat") entry in memory, is stored
        exactly as it is; if so, forget it, so the next refresh reads it again (the
        caller then drops it from memory). False leaves everything as it was."""
        item = (kind, item_id)
        if item not in self._written:
            return False
        stored = self._written[item]
        if (data or stored is not None) and stored != _serialise(data):
            return False
        del self._written[item]
        return True

    def distrust_written(self) -> None:
        """After a failed transaction: what this object believes stored may have been
        rolled back, so every entry it knows of is written again at its next write
        (entries stay known, so none is read again over what is in memory)."""
        for item in self._written:
            self._written[item] = _UNKNOWN

    # -- bot data / callback data ------------------------------------------------------

    async def get_bot_data(self) -> JsonDict:
        text = await self._load_singleton(_BOT_DATA)
        return {} if text is None else json.loads(text)

    async def update_bot_data(self, data: JsonDict) -> None:
        await self._store_singleton(_BOT_DATA, data)

    async def refresh_bot_data(self, bot_data: JsonDict) -> None:
        """No-op: one process (the leader) writes; memory is never stale."""

    async def get_callback_data(self) -> CDCData | None:
        text = await self._load_singleton(_CALLBACK_DATA)
        if text is None:
            return None
        keyboards, queries = json.loads(text)
        return [(uuid, float(stamp), data) for uuid, stamp, data in keyboards], dict(queries)

    async def update_callback_data(self, data: CDCData) -> None:
        keyboards, queries = data
        await self._store_singleton(_CALLBACK_DATA, [list(keyboards), queries])

    # -- conversations -----------------------------------------------------------------

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self._db.fetchall(_LOAD_CONVERSATIONS, {"name": name})
        # One json.loads for all keys and one for all states (each row is a JSON text):
        # at start that is every open conversation, and per-row calls were most of it.
        keys = json.loads(f"[{','.join(key for key, _ in rows)}]")
        states = json.loads(f"[{','.join(state for _, state in rows)}]")
        for key, state in rows:
            self._written[("conv", name, key)] = state
        return {tuple(key): state for key, state in zip(keys, states, strict=True)}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """``None`` means the conversation ended (PTB's DELETED): the row is removed."""
        key_text = dumps_json(list(key))
        item = ("conv", name, key_text)
        if new_state is None:
            await self._db.execute(_DELETE_CONVERSATION, {"name": name, "key": key_text})
            self._written.pop(item, None)
            return
        state_text = _serialise(new_state)
        if self._written.get(item) == state_text:
            return
        await self._db.execute(
            _UPSERT_CONVERSATION, {"name": name, "key": key_text, "state": state_text}
        )
        self._written[item] = state_text

    async def flush(self) -> None:
        """No-op: every update_* is committed when it returns."""

    # -- helpers -----------------------------------------------------------------------

    def _seal(self, text: str, item: Hashable) -> str:
        return text if self._box is None else self._box.encrypt(text, context=_context(item))

    def _open(self, stored: str, item: Hashable) -> str:
        """The JSON text of a stored value (remembered as written)."""
        text = stored
        if self._box is not None and not _in_clear(stored):
            text = self._box.decrypt(stored, context=_context(item))
        self._written[item] = text
        return text

    async def _load_map(self, table: _DataTable) -> dict[int, JsonDict]:
        rows = await self._db.fetchall(table.load_all)
        loaded: dict[int, JsonDict] = {}
        for item_id, data in rows:
            item = (table.kind, int(item_id))
            loaded[int(item_id)] = json.loads(self._open(data, item))
            if self._box is not None and _in_clear(data):  # from before encryption
                await self._db.execute(
                    table.upsert, {"id": item[1], "data": self._seal(data, item)}
                )
        return loaded

    async def _fill(self, table: _DataTable, item_id: int, data: JsonDict) -> None:
        """Fill ``data`` (in memory, still empty) from the entry's row, once."""
        item = (table.kind, item_id)
        if not self._on_demand or item in self._written or data:
            return
        stored = await self._db.fetchval(table.load_one, {"id": item_id})
        if item in self._written or data:  # filled meanwhile
            return
        if stored is None:
            self._written[item] = None
            return
        data.update(json.loads(self._open(stored, item)))
        if self._box is not None and _in_clear(stored):  # from before encryption
            await self._db.execute(
                table.upsert, {"id": item_id, "data": self._seal(stored, item)}
            )

    async def _store_map(self, table: _DataTable, item_id: int, data: JsonDict) -> None:
        item = (table.kind, item_id)
        text = _serialise(data)
        if self._written.get(item) == text:
            return
        # Unknown until the row is written: a failed write is never taken as stored.
        self._written.pop(item, None)
        await self._db.execute(table.upsert, {"id": item_id, "data": self._seal(text, item)})
        self._written[item] = text

    async def _load_singleton(self, name: str) -> str | None:
        stored: str | None = await self._db.fetchval(_LOAD_SINGLETON, {"name": name})
        if stored is None:
            return None
        item = ("single", name)
        text = self._open(stored, item)
        if self._box is not None and _in_clear(stored):  # from before encryption
            await self._db.execute(
                _UPSERT_SINGLETON, {"name": name, "data": self._seal(text, item)}
            )
        return text

    async def _store_singleton(self, name: str, value: object) -> None:
        text = _serialise(value)
        item = ("single", name)
        if self._written.get(item) == text:
            return
        await self._db.execute(_UPSERT_SINGLETON, {"name": name, "data": self._seal(text, item)})
        self._written[item] = text


def _in_clear(stored: str) -> bool:
    """JSON text as written before encryption (ciphertexts are urlsafe base64)."""
    return stored.startswith(("{", "[", '"')) or stored in ("null", "true", "false")


def _context(item: Hashable) -> str:
    """What a ciphertext is bound to: its table and row, e.g. ``ptb:user:42``."""
    assert isinstance(item, tuple)
    return "ptb:" + ":".join(str(part) for part in item)


def _serialise(value: object) -> str:
    """JSON text of ``value``; refuses non-str dict keys, which ``json`` would silently
    turn into strings (so ``{1: 'x'}`` would come back as ``{'1': 'x'}``)."""
    _check_keys(value, "data")
    try:
        return dumps_json(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"persisted data must be JSON-serialisable: {exc}") from exc


def _check_keys(value: object, path: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(
                    f"persisted data must use str dict keys; {path} has key {key!r}"
                )
            _check_keys(item, f"{path}[{key!r}]")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_keys(item, f"{path}[{index}]")
