"""The Bot API client's pool: idle connections checked with a poll() on a kept socket."""

from __future__ import annotations

import asyncio

import httpcore

from bot.app.telegram_http import _Backend, bot_api_request
from tests.conftest import wait_until


def test_the_pool_of_the_bot_api_client_uses_the_cheap_check() -> None:
    request = bot_api_request()
    transport = request._client_kwargs["transport"]  # noqa: SLF001 - what PTB builds from
    assert isinstance(transport._pool._network_backend, _Backend)  # noqa: SLF001


async def test_an_idle_connection_reads_as_closed_once_the_server_closes_it() -> None:
    closing = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await closing.wait()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    stream = await _Backend(httpcore.AnyIOBackend()).connect_tcp("127.0.0.1", port, timeout=5)
    try:
        assert stream.get_extra_info("is_readable") is False  # open and quiet: reusable
        assert stream.get_extra_info("socket") is not None  # everything else as before
        closing.set()
        await wait_until(lambda: stream.get_extra_info("is_readable"), timeout=10)
    finally:
        await stream.aclose()
        server.close()
        await server.wait_closed()


def test_the_clients_share_one_tls_context(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Loading the CA bundle costs some 40 ms per client at start: once is enough."""
    import ssl

    from bot.app import telegram_http
    from bot.app.telegram_http import updates_request
    from bot.vendors import _http
    from bot.vendors._http import VendorHttp

    telegram_http._tls.cache_clear()  # noqa: SLF001 - count from a cold start
    _http._tls.cache_clear()  # noqa: SLF001

    loads = []
    load = ssl.SSLContext.load_verify_locations

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        loads.append(self)
        return load(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    bot_api_request(), updates_request(40), bot_api_request()
    VendorHttp("a", "https://a.example"), VendorHttp("b", "https://b.example")
    assert len(loads) == 2  # one for the Bot API clients, one for the vendors'
