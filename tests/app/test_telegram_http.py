"""The Bot API transport: what goes on the wire, and how each failure is named.

The outbox decides from the failure's kind whether a message may have reached
the user (see :mod:`bot.runtime.telegram_http`), so each kind is provoked over
a real socket here.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut

from bot.runtime import telegram_http
from bot.runtime.telegram_http import (
    AiohttpRequest,
    ConnectFailed,
    ConnectionLost,
    bot_api_request,
    updates_request,
)

Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head, await reader.readexactly(length)


async def answer(writer: asyncio.StreamWriter, payload: object) -> None:
    body = json.dumps(payload).encode()
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()


async def serving(serve: Serve) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


@pytest.fixture
async def request_object() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(4, read_timeout=1.0, connect_timeout=1.0)
    await request.initialize()
    yield request
    await request.shutdown()


@pytest.mark.filterwarnings("ignore:Please use:UserWarning")
async def test_a_call_goes_as_one_json_document_with_its_objects_nested() -> None:
    seen: list[tuple[bytes, bytes]] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head, body = await read_request(reader)
            except asyncio.IncompleteReadError:  # the client closed its connection
                return
            me = {"id": 1, "is_bot": True, "first_name": "B", "username": "b_bot"}
            await answer(writer, {"ok": True, "result": me if b"/getMe" in head else True})
            seen.append((head, body))

    server, url = await serving(serve)
    request = bot_api_request()
    bot = Bot("1:x", base_url=f"{url}/bot", request=request, get_updates_request=updates_request(5))
    async with bot:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="y")]])
        assert await bot.do_api_request("sendMessage", api_kwargs={
            "chat_id": 7, "text": "hé", "reply_markup": markup.to_dict()}) is True
    server.close()
    head, body = seen[-1]
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body) == {"chat_id": 7, "text": "hé", "reply_markup": {
        "inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}}


async def test_a_refused_connection_is_named_as_nothing_sent(
        request_object: AiohttpRequest) -> None:
    server, url = await serving(lambda r, w: asyncio.sleep(0))
    server.close()
    await server.wait_closed()  # the port is free again: connecting is refused
    with pytest.raises(ConnectFailed):
        await request_object.do_request(f"{url}/botx/sendMessage", "POST")


async def test_a_connection_that_breaks_after_sending_is_named_as_maybe_delivered(
        request_object: AiohttpRequest) -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.close()  # took the request, answered nothing

    server, url = await serving(serve)
    with pytest.raises(ConnectionLost) as caught:
        await request_object.do_request(f"{url}/botx/sendMessage", "POST")
    assert not isinstance(caught.value, ConnectFailed)
    assert isinstance(caught.value, NetworkError)  # what python-telegram-bot's callers expect
    server.close()


async def test_a_silent_server_times_out(request_object: AiohttpRequest) -> None:
    release = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await release.wait()

    server, url = await serving(serve)
    with pytest.raises(TimedOut):
        await request_object.do_request(f"{url}/botx/sendMessage", "POST", read_timeout=0.2)
    release.set()
    server.close()


def test_aiohttps_own_default_contexts_load_no_ca_store_and_later_contexts_do() -> None:
    """aiohttp loads the system's CA store twice when imported (some 50 ms of a cold
    start) for contexts the bot never uses; other contexts are left as they were."""
    code = """if True:
        import ssl
        from bot.runtime import telegram_http
        from aiohttp import connector
        defaults = (connector._SSL_CONTEXT_VERIFIED, connector._SSL_CONTEXT_UNVERIFIED)
        print([context.cert_store_stats()["x509_ca"] for context in defaults])
        ours = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ours.set_default_verify_paths()
        print(ssl.SSLContext.set_default_verify_paths is ssl._ssl._SSLContext.set_default_verify_paths)
        print(telegram_http._tls().cert_store_stats()["x509_ca"] > 0)
    """
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[0,", "0]", "True", "True"]


async def test_the_tls_context_is_loaded_once_and_only_for_https(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Loading the CA bundle costs some 20-40 ms: not at start, once per process."""
    telegram_http._tls.cache_clear()  # noqa: SLF001 - count from a cold start
    loads = []
    load = ssl.SSLContext.load_verify_locations

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        loads.append(self)
        return load(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    requests = [bot_api_request(), updates_request(40)]
    for request in requests:
        await request.initialize()
    try:
        assert loads == []  # nothing at start
        server, url = await serving(lambda r, w: asyncio.sleep(0))
        server.close()
        await server.wait_closed()
        with pytest.raises(NetworkError):  # plain http: no bundle
            await requests[0].do_request(f"{url}/botx/getMe", "POST")
        assert loads == []
        for request in requests:
            with pytest.raises(NetworkError):  # nothing listens there: refused
                await request.do_request(f"{url.replace('http:', 'https:')}/botx/getMe", "POST")
        assert len(loads) == 1
    finally:
        for request in requests:
            await request.shutdown()
