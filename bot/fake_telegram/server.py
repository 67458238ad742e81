"""The fake Bot API server: routing, the JSON envelope, and the in-loop uvicorn lifecycle.

Running uvicorn as a task inside the test's own event loop (rather than a thread) means the
server, the bot under test and the driver share one loop, so state needs no locking and the
driver can wait on plain asyncio events.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .control import control_routes
from .driver import FakeUser
from .errors import TelegramApiError, not_found
from .limits import Clock, FloodLimits
from . import methods as _methods  # noqa: F401  (importing fills the method registry)
from .params import parse_request
from .registry import Call, lookup
from bot.asgi import BackgroundServer
from .state import BotAccount, ChatState, FakeState, TranscriptEntry, UserRecord
from .webhook import WebhookDispatcher

class FakeTelegram:
    """A Telegram Bot API stand-in that real bots reach over HTTP and tests drive directly."""

    def __init__(self, *, limits: FloodLimits | None = None, clock: Clock | None = None,
                 wall_clock: Callable[[], float] = time.time,
                 auto_register_tokens: bool = False,
                 webhook_client: httpx.AsyncClient | None = None,
                 webhook_retry_initial: float = 0.05, webhook_retry_max: float = 2.0) -> None:
        self.state = FakeState(limits or FloodLimits(), clock, wall_clock)
        self.webhooks = WebhookDispatcher(self.state, client=webhook_client,
                                          retry_initial=webhook_retry_initial,
                                          retry_max=webhook_retry_max)
        self.auto_register_tokens = auto_register_tokens
        # Methods answered 404, like a Bot API–compatible server that implements
        # only the core ones (lower-case names).
        self.unsupported: set[str] = set()
        # Errors the next calls of a method get instead of being served (lower-case names):
        # a refused edit or a 502 is otherwise impossible to provoke on purpose.
        self.faults: dict[str, list[TelegramApiError]] = {}
        self._users: dict[tuple[str, int], FakeUser] = {}
        self.url: str | None = None
        self.app = Starlette(routes=[
            *control_routes(self),
            Route("/bot{token}/{method}", self._bot_api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
        ])
        self._http = BackgroundServer(self.app)

    # -- world set-up ---------------------------------------------------------------------

    def register_bot(self, token: str, username: str = "fake_bot",
                     first_name: str | None = None) -> BotAccount:
        return self.state.register_bot(token, username, first_name)

    def user(self, user_id: int, first_name: str = "Ada", language_code: str | None = "en",
             username: str | None = None, *, last_name: str | None = None,
             bot: str | None = None) -> FakeUser:
        """User ``user_id`` (created on first use) as seen by ``bot`` (default: the first)."""
        account = self.state.default_bot(bot)
        key = (account.token, user_id)
        if key not in self._users:
            record = self.state.add_user(UserRecord(user_id, first_name, last_name, username,
                                                    language_code))
            self._users[key] = FakeUser(self.state, account, record)
        return self._users[key]

    def add_group(self, chat_id: int, title: str = "Group", *,
                  kind: Literal["group", "supergroup"] = "group") -> None:
        self.state.add_group(chat_id, title, kind)

    def fail(self, method: str, error: TelegramApiError, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with ``error`` (nothing is done)."""
        self.faults.setdefault(method.lower(), []).extend([error] * times)

    # -- inspection -----------------------------------------------------------------------

    def bot(self, bot: str | None = None) -> BotAccount:
        return self.state.default_bot(bot)

    def chat(self, chat_id: int, bot: str | None = None) -> ChatState:
        return self.state.chat(self.state.default_bot(bot), chat_id)

    def transcript(self, chat_id: int, bot: str | None = None) -> list[TranscriptEntry]:
        return list(self.chat(chat_id, bot).transcript)

    @property
    def calls(self) -> Counter[str]:
        """Bot API calls per method (Telegram spelling), across bots."""
        return self.state.calls

    @property
    def throttled(self) -> Counter[str]:
        """429 answers given, per method."""
        return self.state.throttled

    @property
    def billed(self) -> int:
        """Paid-broadcast messages sent past the free global limit, across bots."""
        return sum(account.flood.billed for account in self.state.bots.values())

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait, event-driven, until ``predicate()`` is truthy; returns its value."""
        result = await self.state.changed.wait_for(lambda: predicate() or None, timeout)
        if result is None:
            raise TimeoutError(f"condition not met within {timeout}s")
        return result

    # -- HTTP -------------------------------------------------------------------------------

    async def _bot_api(self, request: Request) -> Response:
        token = request.path_params["token"]
        name = request.path_params["method"]
        try:
            if token not in self.state.bots and self.auto_register_tokens:
                self.register_bot(token, f"bot{len(self.state.bots) + 1}_bot")
            account = self.state.bot(token)
            entry = lookup(name)
            if entry is None:
                raise not_found()
            if name.lower() in self.unsupported:
                self.state.calls[entry[0]] += 1
                raise not_found()
            name, handler = entry
            self.state.calls[name] += 1
            if self.faults.get(name.lower()):
                raise self.faults[name.lower()].pop(0)
            params = await parse_request(request)
            result = await handler(Call(self.state, account, params, self.webhooks))
        except TelegramApiError as error:
            if error.code == 429:
                self.state.throttled[name] += 1
            elif error.code == 400:
                self.state.refused.append((name, error.description))
            return JSONResponse(error.to_json(), status_code=error.code)
        return JSONResponse({"ok": True, "result": result})

    async def _file(self, request: Request) -> Response:
        if request.path_params["token"] not in self.state.bots:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"},
                                status_code=401)
        path = request.path_params["path"]
        for stored in self.state.files.values():
            if stored.file_path == path and stored.data is not None:
                return Response(stored.data, media_type=stored.mime_type or
                                "application/octet-stream")
        return JSONResponse(not_found().to_json(), status_code=404)

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{self._require_url()}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self._require_url()}/file/bot"

    def _require_url(self) -> str:
        if self.url is None:
            raise RuntimeError("FakeTelegram is not started; await fake.start() first")
        return self.url

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeTelegram:
        """Serve on ``host:port`` (0 = ephemeral) inside the running loop; returns when bound."""
        self.state.closing = False
        self.url = await self._http.start(host, port)
        return self

    async def stop(self) -> None:
        """Release long polls and webhook workers first so shutdown is not held up by them."""
        self.state.closing = True
        self.state.changed.notify()
        await self.webhooks.close()
        await self._http.stop()
        self.url = None

    async def __aenter__(self) -> FakeTelegram:
        if self.url is None:
            await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()
