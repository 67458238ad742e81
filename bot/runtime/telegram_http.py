"""How the bot's Bot API calls travel: python-telegram-bot's request interface over aiohttp.

python-telegram-bot lets the HTTP client be swapped through its documented
:class:`~telegram.request.BaseRequest`; its default is httpx. In a profile of a
booking step, httpx, httpcore, anyio and h11 were about a third of the bot's CPU
(every button press makes two calls: the answer and the edit), and most of a
broadcast's cost per message. aiohttp parses HTTP in C and keeps its pool in
the event loop's own protocol objects, so the same call costs a fraction.

Other differences from python-telegram-bot's default, all deliberate:

* the body is one JSON document (Telegram accepts ``application/json``), not a
  form whose ``reply_markup`` is JSON inside form encoding: one ``json.dumps``;
* a failed call raises one of the two :class:`NetworkError` kinds below, so the
  outbox tells "nothing was sent, retry" from "it may have been delivered"
  by type instead of by the wording of a client library's message;
* :func:`raw_call` makes a call without building objects from its answer;
* the write timeout bounds the whole call together with the others (aiohttp
  times reads and connects, not writes): ``connect + pool + write + read``.

The TLS context (certifi's CA bundle, as httpx uses; some 20-40 ms to load) is built
once per process, at the first https call. aiohttp itself builds two default contexts
when it is imported, each loading the system's CA store (about 50 ms of a cold start
together); every https call here passes its own context, so those two are imported
without a CA store (:func:`_without_ca_store`): a call that fell back to aiohttp's
verified default would fail verification, never skip it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import ssl
import warnings
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def _without_ca_store() -> Iterator[None]:
    """SSL contexts made meanwhile load no default CA store: aiohttp's import makes two
    that the bot never uses (see the module's docstring)."""
    original = ssl.SSLContext.set_default_verify_paths
    ssl.SSLContext.set_default_verify_paths = lambda self: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        ssl.SSLContext.set_default_verify_paths = original  # type: ignore[method-assign]


with _without_ca_store():
    import aiohttp

import certifi  # noqa: E402
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.ext import ExtBot
from telegram.request import BaseRequest, RequestData
from telegram.warnings import PTBUserWarning

#: python-telegram-bot's default size of the pool for calls other than getUpdates.
POOL_SIZE = 256
#: Seconds a ``getUpdates`` answer may take beyond its long poll's own timeout.
UPDATES_READ_TIMEOUT = 40.0
_JSON = {"Content-Type": "application/json", "User-Agent": BaseRequest.USER_AGENT}
_AGENT = {"User-Agent": BaseRequest.USER_AGENT}
# do_api_request warns when python-telegram-bot has a method of that name; raw_call
# goes that way on purpose.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.\w+' instead of 'Bot\.do_api_request",
                        category=PTBUserWarning)


class ConnectFailed(NetworkError):
    """No connection to the Bot API could be made: the request was surely not sent."""


class ConnectionLost(NetworkError):
    """The connection broke after the request went out: Telegram may have acted on it."""


@functools.cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())  # httpx's bundle, as before


@functools.lru_cache(maxsize=64)
def _timeout(connect: float | None, pool: float | None, write: float | None,
             read: float | None) -> aiohttp.ClientTimeout:
    parts = (connect, pool, write, read)
    total = None if any(part is None for part in parts) else sum(parts)  # type: ignore[arg-type]
    waiting = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=connect,
                                 sock_read=read)


class AiohttpRequest(BaseRequest):
    """A :class:`~telegram.request.BaseRequest` on one :class:`aiohttp.ClientSession`.

    The timeouts' defaults are python-telegram-bot's (5 s each, 1 s for a pooled
    connection, 20 s to write a file upload).
    """

    def __init__(self, pool_size: int = POOL_SIZE, *, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0
                 ) -> None:
        self._pool_size = pool_size
        self._read, self._write, self._connect, self._pool = (
            read_timeout, write_timeout, connect_timeout, pool_timeout)
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, enable_cleanup_closed=False)
            self._session = aiohttp.ClientSession(connector=connector, trust_env=False,
                                                  auto_decompress=True)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        uploads = request_data is not None and request_data.contains_files
        timeout = _timeout(
            self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout,
            self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout,
            (self._media_write if uploads else self._write)
            if isinstance(write_timeout, DefaultValue) else write_timeout,
            self._read if isinstance(read_timeout, DefaultValue) else read_timeout,
        )
        body, headers = _body(request_data)
        try:
            # The CA bundle is loaded at the first https call (the local world is http).
            tls = _tls() if url.startswith("https:") else True
            async with self._session.request(method, url, data=body, headers=headers,
                                             timeout=timeout, ssl=tls) as response:
                return response.status, await response.read()
        except (TimeoutError, asyncio.TimeoutError) as exc:
            raise TimedOut from exc
        except aiohttp.ClientConnectorError as exc:
            raise ConnectFailed(f"connect failed: {exc}") from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError,
                aiohttp.ClientPayloadError) as exc:
            raise ConnectionLost(f"connection lost: {exc.__class__.__name__}: {exc}") from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc


def _body(request_data: RequestData | None) -> tuple[Any, dict[str, str]]:
    """JSON for plain calls; multipart/form-data when a file goes with them."""
    if request_data is None:
        return None, _AGENT
    if not request_data.contains_files:
        return json.dumps(request_data.parameters).encode(), _JSON
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename,
                       content_type=mimetype or "application/octet-stream")
    return form, _AGENT


def updates_request(read_timeout: float) -> AiohttpRequest:
    """The request object for ``getUpdates``: one connection, a long read."""
    return AiohttpRequest(1, read_timeout=read_timeout)


def bot_api_request(pool_size: int = POOL_SIZE) -> AiohttpRequest:
    """The request object for the bot's other calls (what ``ApplicationBuilder.request``
    takes)."""
    return AiohttpRequest(pool_size)


async def raw_call(bot: ExtBot[Any], method: str, params: dict[str, Any], *,
                   rate_limit_args: Any = None) -> Any:
    """A Bot API call whose answer comes back as Telegram's JSON ``result``.

    ``Bot.send_message``, ``edit_message_text`` and the like build python-telegram-bot
    objects from every answer (a Message, its whole keyboard again): about a tenth of
    a booking step's CPU and of a paid broadcast's, for objects nobody read. Through
    ``do_api_request`` the call still takes the bot's rate limiter (with
    ``rate_limit_args``), its request object and its errors (RetryAfter, Forbidden...).
    ``params`` may hold python-telegram-bot objects or plain JSON.
    """
    return await bot.do_api_request(method, api_kwargs=params, rate_limit_args=rate_limit_args,
                                    return_type=None)
