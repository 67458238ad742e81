"""Acting as a Telegram user: produce updates the way a client would, wait for the bot's answers.

Each :class:`FakeUser` keeps a cursor over the bot's messages in its private chat, so
``wait_message`` returns every bot message exactly once and in order, even when the bot
answered before the test started waiting.  Waiting is event-driven (no sleep loops).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .messages import new_message
from .models import BotMessage, CallbackAnswer, snapshot
from .state import BotAccount, CallbackRecord, ChatState, FakeState, StoredMessage, UserRecord

_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")
Predicate = Callable[[BotMessage], bool]


class FakeUser:
    """A Telegram user in a private chat with one bot (chat id == user id)."""

    def __init__(self, state: FakeState, bot: BotAccount, user: UserRecord) -> None:
        self.state = state
        self.bot = bot
        self.user = user
        self._cursor = 0  # highest bot message_id already returned by wait_message
        self._seen_edits: dict[int, int] = {}
        self._screen_seen: dict[int, int] = {}  # message id -> edit count seen by wait_screen

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def chat(self) -> ChatState:
        return self.bot.chats[self.user.id]

    # -- acting ---------------------------------------------------------------------------

    def _send(self, content: dict[str, Any]) -> int:
        stored = new_message(self.state, self.chat, sender=self.user.to_api(), from_bot=False,
                             content=content)
        self.state.push_update(self.bot, "message", stored.current)
        return stored.message_id

    def send_text(self, text: str, *, reply_to: int | None = None) -> int:
        """Send ``text``; a leading ``/command`` gets its entity, as Telegram clients do."""
        content: dict[str, Any] = {"text": text}
        match = _COMMAND.match(text)
        if match:
            length = len(match.group(0).encode("utf-16-le")) // 2
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if reply_to is not None:
            target = self.chat.messages[reply_to].current
            content["reply_to_message"] = {k: v for k, v in target.items()
                                           if k != "reply_to_message"}
        return self._send(content)

    def send_command(self, command: str, args: str = "") -> int:
        command = command if command.startswith("/") else f"/{command}"
        if not _COMMAND.fullmatch(command):
            raise ValueError(f"not a bot command: {command!r}")
        return self.send_text(f"{command} {args}" if args else command)

    def share_contact(self, phone_number: str, first_name: str | None = None,
                      last_name: str | None = None) -> int:
        contact: dict[str, Any] = {"phone_number": phone_number,
                                   "first_name": first_name or self.user.first_name,
                                   "user_id": self.user.id}
        if last_name or self.user.last_name:
            contact["last_name"] = last_name or self.user.last_name
        return self._send({"contact": contact})

    def share_location(self, latitude: float, longitude: float) -> int:
        return self._send({"location": {"latitude": latitude, "longitude": longitude}})

    def _find_button(self, label: str, message_id: int | None) -> tuple[StoredMessage, str]:
        if message_id is not None:
            stored = self.chat.messages.get(message_id)
            if stored is None or stored.deleted:
                raise LookupError(f"message {message_id} does not exist in chat {self.chat.id}")
        else:
            candidates = [m for m in self.chat.messages.values()
                          if m.from_bot and not m.deleted and snapshot(m).buttons]
            if not candidates:
                raise LookupError(f"no bot message with inline buttons in chat {self.chat.id}; "
                                  f"last bot message: {self.last_bot_message()}")
            stored = candidates[-1]
        view = snapshot(stored)
        flat = [(text, data) for labels, datas in zip(view.buttons, view.callback_data,
                                                      strict=True)
                for text, data in zip(labels, datas, strict=True)]
        matches = [pair for pair in flat if pair[0] == label]
        if not matches:  # tolerate emoji/decoration around the label if unambiguous
            matches = [pair for pair in flat if label.casefold() in pair[0].casefold()]
        if len(matches) != 1:
            problem = "is ambiguous" if matches else "not found"
            raise LookupError(f"button {label!r} {problem} on message {stored.message_id}; "
                              f"available: {view.labels}")
        text, data = matches[0]
        if data is None:
            raise LookupError(f"button {text!r} has no callback_data (URL or other button)")
        return stored, data

    def press(self, label: str, *, message_id: int | None = None) -> str:
        """Press an inline button by label; returns the callback query id."""
        stored, data = self._find_button(label, message_id)
        return self._callback_query(stored, data)

    def press_data(self, data: str, *, message_id: int | None = None) -> str:
        """A callback query carrying any ``data``, as a modified client can send.

        Real clients send only what a button holds; bots must still survive
        forged, garbage or copied payloads. The query comes from ``message_id``
        (default: the newest bot message) whatever buttons it has; returns the
        callback query id.
        """
        if message_id is None:
            candidates = [m for m in self.chat.messages.values() if m.from_bot and not m.deleted]
            if not candidates:
                raise LookupError(f"no bot message in chat {self.chat.id} to press on")
            stored = candidates[-1]
        else:
            found = self.chat.messages.get(message_id)
            if found is None or found.deleted:
                raise LookupError(f"message {message_id} does not exist in chat {self.chat.id}")
            stored = found
        return self._callback_query(stored, data)

    def _callback_query(self, stored: StoredMessage, data: str) -> str:
        query_id = f"{self.bot.id}{self.state.next_id():010d}"
        self.bot.callback_queries[query_id] = CallbackRecord(
            query_id, self.chat.id, stored.message_id, self.user.id, data)
        payload = {"id": query_id, "from": self.user.to_api(), "message": stored.current,
                   "chat_instance": str(self.chat.id), "data": data}
        self.state.record(self.chat, "callback_query", stored.message_id, data,
                          {"id": query_id, "data": data})
        self.state.push_update(self.bot, "callback_query", payload)
        return query_id

    def _member_update(self, old: str, new: str) -> None:
        def member(status: str) -> dict[str, Any]:  # "kicked" always carries until_date (0: forever)
            extra = {"until_date": 0} if status == "kicked" else {}
            return {"user": self.bot.to_api(), "status": status, **extra}

        self.state.push_update(self.bot, "my_chat_member", {
            "chat": self.chat.to_api(), "from": self.user.to_api(), "date": self.state.now(),
            "old_chat_member": member(old), "new_chat_member": member(new),
        })

    def block_bot(self, *, tell_bot: bool = True) -> None:
        """Block the bot: every send or edit to this chat gets 403. ``tell_bot=False``
        leaves out the ``my_chat_member`` update, so only a refused call tells."""
        self.chat.blocked = True
        if tell_bot:
            self._member_update("member", "kicked")

    def unblock_bot(self) -> None:
        self.chat.blocked = False
        self._member_update("kicked", "member")

    # -- observing ------------------------------------------------------------------------

    def bot_messages(self, *, include_deleted: bool = False) -> list[BotMessage]:
        return [snapshot(m) for m in self.chat.messages.values()
                if m.from_bot and (include_deleted or not m.deleted)]

    def last_bot_message(self) -> BotMessage | None:
        messages = self.bot_messages()
        return messages[-1] if messages else None

    def skip_pending(self) -> None:
        """Mark every bot message so far as seen, e.g. after a noisy setup step."""
        self._cursor = max((m.message_id for m in self.chat.messages.values() if m.from_bot),
                           default=self._cursor)

    def _timeout_error(self, what: str, timeout: float) -> TimeoutError:
        recent = [f"#{m.message_id}: {m.text!r} {m.labels or ''}" for m in self.bot_messages()][-5:]
        return TimeoutError(f"{what} in chat {self.chat.id} within {timeout}s; "
                            f"recent bot messages: {recent or 'none'}")

    async def wait_message(self, timeout: float = 10.0,
                           predicate: Predicate | None = None) -> BotMessage:
        """The next bot message not yet returned to this user (edits excluded).

        With a ``predicate``, non-matching newer messages are skipped (and count as seen).
        """
        def find() -> BotMessage | None:
            for stored in self.chat.messages.values():
                if stored.from_bot and stored.message_id > self._cursor:
                    view = snapshot(stored, 0)
                    if predicate is None or predicate(view):
                        self._cursor = stored.message_id
                        self._seen_edits.setdefault(stored.message_id, 0)
                        return view
            return None

        found = await self.state.changed.wait_for(find, timeout)
        if found is None:
            raise self._timeout_error("no new bot message", timeout)
        return found

    async def wait_screen(self, predicate: Predicate | None = None,
                          timeout: float = 10.0) -> BotMessage:
        """What the user now sees: a bot message that is new or was edited since the last
        screen and matches ``predicate`` (the newest such one).

        Bots answer a button either by editing the pressed message or by sending new ones;
        a test that only cares about what is on screen waits here for either. Afterwards
        every bot message so far counts as seen, for this method and for ``wait_message``.
        """
        def find() -> BotMessage | None:
            for stored in sorted(self.chat.messages.values(), key=lambda m: -m.message_id):
                if not stored.from_bot or stored.deleted:
                    continue
                if self._screen_seen.get(stored.message_id, -1) >= stored.edit_count:
                    continue
                view = snapshot(stored)
                if predicate is None or predicate(view):
                    return view
            return None

        found = await self.state.changed.wait_for(find, timeout)
        if found is None:
            raise self._timeout_error("no matching new or edited bot message", timeout)
        for stored in self.chat.messages.values():
            if stored.from_bot:
                self._screen_seen[stored.message_id] = stored.edit_count
                self._seen_edits[stored.message_id] = stored.edit_count
        self.skip_pending()
        return found

    async def wait_document(self, timeout: float = 10.0,
                            predicate: Predicate | None = None) -> BotMessage:
        return await self.wait_message(
            timeout, lambda m: m.document is not None and (predicate is None or predicate(m)))

    async def wait_edit(self, message_id: int, timeout: float = 10.0) -> BotMessage:
        """The next version of ``message_id`` this user has not seen; versions come in order."""
        def find() -> BotMessage | None:
            stored = self.chat.messages.get(message_id)
            seen = self._seen_edits.get(message_id, 0)
            if stored is None or stored.edit_count <= seen:
                return None
            self._seen_edits[message_id] = seen + 1
            return snapshot(stored, seen + 1)

        found = await self.state.changed.wait_for(find, timeout)
        if found is None:
            raise self._timeout_error(f"no edit of message {message_id}", timeout)
        return found

    async def wait_callback_answer(self, query_id: str, timeout: float = 10.0) -> CallbackAnswer:
        def find() -> CallbackAnswer | None:
            record = self.bot.callback_queries.get(query_id)
            if record is None or record.answer is None:
                return None
            answer = record.answer
            return CallbackAnswer(query_id=query_id, text=answer.get("text"),
                                  show_alert=bool(answer.get("show_alert")),
                                  url=answer.get("url"))

        found = await self.state.changed.wait_for(find, timeout)
        if found is None:
            raise self._timeout_error(f"callback query {query_id} not answered", timeout)
        return found

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """The custom keyboard currently shown to the user, if any."""
        for stored in reversed(list(self.chat.messages.values())):
            if stored.from_bot and stored.keyboard is not None:
                view = snapshot(stored)
                return None if view.remove_keyboard else view.reply_keyboard
        return None
