"""In-memory world of the fake: bots, users, chats, messages, updates and the transcript.

Everything lives in one process and one event loop, so plain dicts suffice; waiters (long
polling, webhook delivery, the driver) are woken through :class:`ChangeSignal` whenever the
world changes, which keeps tests free of sleep loops.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from .errors import bad_request, unauthorized
from .limits import Clock, FloodControl, FloodLimits

T = TypeVar("T")
TranscriptKind = Literal[
    "user_message", "bot_message", "edit", "delete", "callback_query", "callback_answer",
    "chat_action",
]
UPDATE_KINDS_BY_DEFAULT = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "inline_query",
    "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query", "poll",
    "poll_answer", "my_chat_member", "chat_join_request",
})


class ChangeSignal:
    """Edge-triggered broadcast: every waiter wakes on each change and re-checks its predicate.

    Swapping in a fresh :class:`asyncio.Event` per change avoids the lock an
    :class:`asyncio.Condition` would need around every (synchronous) mutation.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float) -> T | None:
        """Return the first non-None predicate result, or None once ``timeout`` passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        while True:
            result = predicate()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            event = self._event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass


@dataclass
class UserRecord:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class StoredFile:
    """An uploaded file; ``data`` is None for files the fake only knows by reference."""

    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    data: bytes | None

    @property
    def file_path(self) -> str:
        return f"documents/{self.file_unique_id}/{self.file_name or 'file'}"


@dataclass
class StoredMessage:
    """A message and its edit history; ``versions[0]`` is what was first sent."""

    chat_id: int
    message_id: int
    from_bot: bool
    versions: list[dict[str, Any]]
    # (text as the bot sent it, parse_mode) per version, so tests can assert on markup too.
    sources: list[tuple[str | None, str | None]] = field(default_factory=list)
    # Reply keyboards / remove / force_reply never appear in the API's Message, so keep them here.
    keyboard: dict[str, Any] | None = None
    deleted: bool = False
    file: StoredFile | None = None

    @property
    def current(self) -> dict[str, Any]:
        return self.versions[-1]

    @property
    def edit_count(self) -> int:
        return len(self.versions) - 1


class TranscriptEntry(BaseModel):
    """One line of a chat's history as tests and the control API read it."""

    model_config = ConfigDict(frozen=True)

    seq: int
    kind: TranscriptKind
    chat_id: int
    at: float
    message_id: int | None = None
    text: str | None = None
    data: dict[str, Any] = {}


@dataclass
class ChatState:
    id: int
    type: Literal["private", "group", "supergroup"]
    title: str | None = None
    user: UserRecord | None = None
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    transcript: list[TranscriptEntry] = field(default_factory=list)
    menu_button: dict[str, Any] | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None and self.type == "private":
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        if self.title is not None:
            data["title"] = self.title
        return data

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class CallbackRecord:
    id: str
    chat_id: int
    message_id: int
    user_id: int
    data: str | None
    answer: dict[str, Any] | None = None


@dataclass
class BotAccount:
    token: str
    id: int
    username: str
    first_name: str
    flood: FloodControl
    chats: dict[int, ChatState] = field(default_factory=dict)
    pending_updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    allowed_updates: frozenset[str] = UPDATE_KINDS_BY_DEFAULT
    webhook: WebhookConfig | None = None
    poll_generation: int = 0
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    default_menu_button: dict[str, Any] = field(default_factory=lambda: {"type": "commands"})
    callback_queries: dict[str, CallbackRecord] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": True, "first_name": self.first_name,
                "username": self.username}


def bot_id_from_token(token: str) -> int:
    """Telegram tokens start with the bot's id; fall back to a stable hash for free-form ones."""
    prefix = token.split(":", 1)[0]
    return int(prefix) if prefix.isdigit() else 10**9 + zlib.crc32(token.encode()) % 10**9


class FakeState:
    """The whole fake world plus the signal that announces every change to it."""

    def __init__(self, limits: FloodLimits, clock: Clock | None = None,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.limits = limits
        self.clock = clock
        self.wall_clock = wall_clock
        self.bots: dict[str, BotAccount] = {}
        self.users: dict[int, UserRecord] = {}
        self.files: dict[str, StoredFile] = {}
        self.calls: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        # Requests answered 400 (method, description): a bot may shrug a refusal
        # off, so tests look here for what Telegram would have refused.
        self.refused: list[tuple[str, str]] = []
        self.changed = ChangeSignal()
        self.closing = False
        self._seq = 0
        self._ids = 0

    def now(self) -> int:
        return int(self.wall_clock())

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def register_bot(self, token: str, username: str, first_name: str | None = None) -> BotAccount:
        account = BotAccount(
            token=token, id=bot_id_from_token(token), username=username.lstrip("@"),
            first_name=first_name or username.lstrip("@"),
            flood=FloodControl(self.limits, self.clock),
        )
        for user in self.users.values():
            account.chats[user.id] = ChatState(user.id, "private", user=user)
        self.bots[token] = account
        return account

    def bot(self, token: str) -> BotAccount:
        try:
            return self.bots[token]
        except KeyError:
            raise unauthorized() from None

    def default_bot(self, bot: str | None = None) -> BotAccount:
        """Pick a bot by token or username; with one registered bot, no choice is needed."""
        if bot is not None:
            for account in self.bots.values():
                if bot in (account.token, account.username, f"@{account.username}"):
                    return account
            raise KeyError(f"no registered bot {bot!r}")
        if not self.bots:
            raise RuntimeError("register a bot first: fake.register_bot(token, username)")
        return next(iter(self.bots.values()))

    def add_user(self, user: UserRecord) -> UserRecord:
        known = self.users.setdefault(user.id, user)
        for account in self.bots.values():
            account.chats.setdefault(user.id, ChatState(user.id, "private", user=known))
        return known

    def add_group(self, chat_id: int, title: str, kind: Literal["group", "supergroup"]) -> None:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative, as on Telegram")
        for account in self.bots.values():
            account.chats.setdefault(chat_id, ChatState(chat_id, kind, title=title))

    def chat(self, account: BotAccount, ref: int | str) -> ChatState:
        if isinstance(ref, str):
            wanted = ref.lstrip("@").lower()
            for chat in account.chats.values():
                if chat.user is not None and (chat.user.username or "").lower() == wanted:
                    return chat
            raise bad_request("chat not found")
        chat = account.chats.get(ref)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def record(self, chat: ChatState, kind: TranscriptKind, message_id: int | None = None,
               text: str | None = None, data: dict[str, Any] | None = None) -> TranscriptEntry:
        self._seq += 1
        entry = TranscriptEntry(seq=self._seq, kind=kind, chat_id=chat.id,
                                at=self.wall_clock(), message_id=message_id, text=text,
                                data=data or {})
        chat.transcript.append(entry)
        self.changed.notify()
        return entry

    def push_update(self, account: BotAccount, kind: str, payload: dict[str, Any]) -> int:
        update_id = account.next_update_id
        account.next_update_id += 1
        account.pending_updates.append({"update_id": update_id, kind: payload})
        self.changed.notify()
        return update_id

    def store_file(self, name: str | None, mime_type: str | None, data: bytes | None) -> StoredFile:
        serial = self.next_id()
        stored = StoredFile(f"FILE{serial:06d}-{zlib.crc32(data or b''):08x}", f"U{serial:06d}",
                            name, mime_type, data)
        self.files[stored.file_id] = stored
        return stored
