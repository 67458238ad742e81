"""The table of Bot API methods and the context each implementation receives.

Implementations register themselves by their Telegram spelling; lookup is case-insensitive
because Telegram's is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import forbidden
from .params import Params
from .state import BotAccount, ChatState, FakeState

if TYPE_CHECKING:
    from .webhook import WebhookDispatcher


@dataclass
class Call:
    """One Bot API request: who is calling, with what, against which world."""

    state: FakeState
    bot: BotAccount
    params: Params
    webhooks: WebhookDispatcher

    def chat(self, name: str = "chat_id") -> ChatState:
        return self.state.chat(self.bot, self.params.chat_ref(name))

    def writable_chat(self, name: str = "chat_id") -> ChatState:
        """The target chat of a new message, refusing users who blocked the bot."""
        chat = self.chat(name)
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        return chat


Handler = Callable[[Call], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}


def api_method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register


def lookup(method: str) -> tuple[str, Handler] | None:
    return METHODS.get(method.lower())
