"""An Application that writes persistence right after each update.

python-telegram-bot writes persistence every ``update_interval`` seconds
(default 60): a crash loses up to a minute of conversation, and a tiny
interval wakes the process all day for nothing. Writing after each processed
update instead costs little (only changed entries are written) and nothing
while idle, and a ``kill -9`` loses at most the steps in flight. The periodic
writer stays on as a backstop for data changed by jobs.

It also drops updates already processed: Telegram delivers at least once (a
restart before the next ``getUpdates`` confirms the offset, or a webhook
retry, repeats an update). An update is marked processed only after its
effects are persisted, in the same transaction, so a crash in between repeats
it rather than losing it; the same transaction takes it out of the inbox
(:class:`bot.storage.Inbox`), if it was kept there before Telegram was told it
arrived (:mod:`bot.app.receiving`: a webhook's always, polling's when still running
a moment later; :meth:`DurableApplication.watch_commits` tells polling which).

Chats run concurrently (:mod:`bot.app.processor`), so updates finish close
together: the updates that finish while one write is under way are written
together by the next, in one transaction (one fsync for all of them, and no
chat waits behind a queue of single-update commits). A write persists every
entry changed so far, which may include the half-done step of a chat still
running; that chat's update is not marked processed yet, so a crash repeats
the step, which every step tolerates (PTB's periodic writer always did the
same). Each update's chat keeps its turn until its write is committed, so a
repeated delivery of it is recognised.

The duplicate check asks the database only about an update that may have been
processed: one whose id is not above the newest processed when this process
began taking updates, or that this process has already started. Telegram's
ids grow, so nearly every update is known new without a query; ids that start
again from a random value (after a week without updates) are simply asked about.

User and chat data are read on demand (:class:`bot.storage.DatabasePersistence`
with ``on_demand``): nothing at start, a user's entry when their update
arrives. The entries of the ``resident_limit`` users and chats seen last stay
in memory; an older one is dropped once no update of its user or chat is
running and it is stored exactly as it is in memory, and read again when that
user writes next.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import Counter, OrderedDict
from typing import Any

from telegram import Update

from bot.runtime import BotApplication
from bot.storage import DatabasePersistence

log = logging.getLogger("bot.updates")


DataKey = tuple[str, int]  # ("user" or "chat", id)
_STARTED_BOUND = 65_536


class DurableApplication(BotApplication):
    #: How many users' and chats' data entries stay in memory between updates.
    resident_limit = 4096

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._commit_waiting: list[tuple[int | None, asyncio.Future[None]]] = []
        self._committer: asyncio.Task[None] | None = None
        self._busy: Counter[DataKey] = Counter()  # updates running per user and chat
        self._resident: OrderedDict[DataKey, None] = OrderedDict()  # oldest first
        # Ids above ``_known_floor`` were not processed when this process began taking
        # updates; ``_started`` holds those it has taken since (see :meth:`_surely_new`).
        self._known_floor: int | None = None
        self._started: set[int] = set()
        self._commit_watches: dict[int, asyncio.Future[None]] = {}
        self._unkept: set[int] = set()  # watched and not (being) written to the inbox

    async def initialize(self) -> None:
        await super().initialize()
        # Read once this process leads (initialize runs then), before any update.
        self._known_floor = await self.services.storage.updates.newest() or 0
        self._started.clear()

    def _surely_new(self, update_id: int) -> bool:
        """True when ``update_id`` cannot have been processed; records it as started."""
        floor = self._known_floor
        if floor is None or update_id <= floor or update_id in self._started:
            return False
        self._started.add(update_id)
        if len(self._started) > _STARTED_BOUND:  # forget them: above the new floor only
            self._known_floor = max(self._started)
            self._started.clear()
        return True

    def watch_commits(self, update_ids: list[int]) -> dict[int, asyncio.Future[None]]:
        """A future per update, done once the update is committed as processed (or
        found to be a duplicate): polling keeps in the inbox only those not done soon.
        Hand them back to :meth:`unwatch_commits`."""
        loop = asyncio.get_running_loop()
        watches = {update_id: loop.create_future() for update_id in update_ids}
        self._commit_watches.update(watches)
        self._unkept.update(update_ids)
        return watches

    def keeping(self, update_ids: list[int]) -> None:
        """These watched updates are being written to the inbox: their commit takes them
        out of it. The commit of one that never went there skips that statement."""
        self._unkept.difference_update(update_ids)

    def unwatch_commits(self, watches: dict[int, asyncio.Future[None]]) -> None:
        self._unkept.difference_update(watches)
        for update_id, future in watches.items():
            if self._commit_watches.get(update_id) is future:
                del self._commit_watches[update_id]
            future.cancel()

    def _committed(self, update_ids: list[int]) -> None:
        for update_id in update_ids:
            future = self._commit_watches.pop(update_id, None)
            if future is not None and not future.done():
                future.set_result(None)

    async def process_update(self, update: object) -> None:
        keys = _data_keys(update)
        self._busy.update(keys)
        try:
            await self._process(update)
        finally:
            self._busy.subtract(keys)
            for key in keys:
                if self._busy[key] <= 0:
                    del self._busy[key]
                self._resident[key] = None
                self._resident.move_to_end(key)
            self._evict()

    def _evict(self) -> None:
        """Drop the oldest idle entries past ``resident_limit`` (on-demand data only)."""
        persistence = self.persistence
        excess = len(self._resident) - self.resident_limit
        if excess <= 0 or not isinstance(persistence, DatabasePersistence) \
                or not persistence.on_demand:
            return
        for key in list(itertools.islice(self._resident, excess)):
            if not self._busy.get(key) and self._forget(persistence, key):
                del self._resident[key]

    def _forget(self, persistence: DatabasePersistence, key: DataKey) -> bool:
        kind, item_id = key
        if kind == "user":
            memory = self._user_data
            pending = (self._user_ids_to_be_updated_in_persistence,
                       self._user_ids_to_be_deleted_in_persistence)
        else:
            memory = self._chat_data
            pending = (self._chat_ids_to_be_updated_in_persistence,
                       self._chat_ids_to_be_deleted_in_persistence)
        if any(item_id in ids for ids in pending):
            return False  # changed since the last write
        data = memory.get(item_id)
        if data is None:
            return True
        if not persistence.forget(kind, item_id, data):
            return False
        del memory[item_id]
        return True

    async def _process(self, update: object) -> None:
        storage = self.services.storage
        if isinstance(update, Update) and not self._surely_new(update.update_id):
            if await storage.updates.is_processed(update.update_id):
                log.info("update=%d duplicate, skipped", update.update_id)
                await storage.inbox.settle([update.update_id])  # received again meanwhile
                self._committed([update.update_id])
                return
        started = time.perf_counter()
        await super().process_update(update)
        if self.persistence or isinstance(update, Update):
            await self._commit(update.update_id if isinstance(update, Update) else None)
        if isinstance(update, Update):
            log.info(
                "update=%d kind=%s user=%s ms=%.0f",
                update.update_id,
                _kind(update),
                self.services.pseudonym(update.effective_user.id)
                if update.effective_user
                else "-",
                (time.perf_counter() - started) * 1000,
            )

    def recorded(self, update_ids: list[int]) -> None:
        """Updates recorded as processed without running (a flood's excess, dropped as it
        arrived): a delivery of one of them again is checked in the database."""
        for update_id in update_ids:
            self._surely_new(update_id)

    async def skip_update(self, update: Update) -> None:
        """Record an update dropped unprocessed (a flood) as processed, with the next group
        write: Telegram's redelivery must not bring it back."""
        await self._commit(update.update_id)
        log.info("update=%d kind=%s dropped (flood)", update.update_id, _kind(update))

    async def update_persistence(self) -> None:
        """Every write goes through the group commit, PTB's periodic one too, so
        the database lock is always taken before PTB's persistence lock."""
        await self._commit(None)

    async def _commit(self, update_id: int | None) -> None:
        """Persist changed data and mark ``update_id`` processed, together with the
        other updates waiting; returns once that transaction is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._commit_waiting.append((update_id, done))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._write_groups(), name="durable-commit")
        await asyncio.shield(done)

    async def _write_groups(self) -> None:
        storage = self.services.storage
        while self._commit_waiting:
            group, self._commit_waiting = self._commit_waiting, []
            try:
                async with storage.db.transaction():
                    if self.persistence:
                        await self._write_changed_data()
                        await super().update_persistence()
                    processed = [update_id for update_id, _ in group if update_id is not None]
                    await storage.updates.mark_all_processed(processed)
                    await storage.inbox.settle([update_id for update_id in processed
                                                if update_id not in self._unkept])
            except Exception as exc:  # noqa: BLE001 - each waiter gets the failure
                if isinstance(self.persistence, DatabasePersistence):
                    self.persistence.distrust_written()  # rolled back with the rest
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
                continue
            self._unkept.difference_update(processed)
            self._committed(processed)
            for _, done in group:
                if not done.done():
                    done.set_result(None)

    async def _write_changed_data(self) -> None:
        """Write the changed user and chat entries without python-telegram-bot's copy.

        PTB deep-copies each changed entry before handing it to the persistence, in
        case the write runs while a handler changes it. Ours turns the entry into JSON
        the moment it is called, before any await, so the copy (a booking draft holds a
        day's slots: about 6% of a step's CPU) bought nothing. The entries written here
        leave PTB's to-do sets, so its write that follows (conversations, bot data,
        deletions) does not write them again.
        """
        persistence = self.persistence
        if not isinstance(persistence, DatabasePersistence):
            return
        users: set[int] = set()
        chats: set[int] = set()
        if persistence.store_data.user_data:
            users = (self._user_ids_to_be_updated_in_persistence
                     - self._user_ids_to_be_deleted_in_persistence)
        if persistence.store_data.chat_data:
            chats = (self._chat_ids_to_be_updated_in_persistence
                     - self._chat_ids_to_be_deleted_in_persistence)
        self._user_ids_to_be_updated_in_persistence -= users
        self._chat_ids_to_be_updated_in_persistence -= chats
        try:
            for user_id in users:
                await persistence.update_user_data(user_id, self._user_data[user_id])
            for chat_id in chats:
                await persistence.update_chat_data(chat_id, self._chat_data[chat_id])
        except BaseException:  # written or not, they are written again next time
            self._user_ids_to_be_updated_in_persistence |= users
            self._chat_ids_to_be_updated_in_persistence |= chats
            raise


def _data_keys(update: object) -> list[DataKey]:
    if not isinstance(update, Update):
        return []
    keys = []
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    return keys


def _kind(update: Update) -> str:
    if update.callback_query:
        return "callback"
    message = update.effective_message
    if message is None:
        return "other"
    if message.text and message.text.startswith("/"):
        return "command"
    if message.contact:
        return "contact"
    if message.location:
        return "location"
    return "message"
