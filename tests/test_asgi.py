"""bot.asgi: a response's head and body leave in one write."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.asgi import BackgroundServer
from bot.asgi._server import _OneWritePerTurn


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


async def test_writes_in_one_turn_leave_as_one_and_closing_sends_them_first() -> None:
    inner = _Transport()
    transport = _OneWritePerTurn(inner, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b'{"ok":true}')
    assert inner.writes == []
    await asyncio.sleep(0)
    assert inner.writes == [b'HTTP/1.1 200 OK\r\n\r\n{"ok":true}']
    transport.write(b"last")
    transport.close()
    assert inner.writes[-1] == b"last" and inner.closed
    assert transport.get_extra_info("peername") == "info:peername"


async def test_a_kept_alive_connection_answers_request_after_request() -> None:
    async def hello(_request):  # type: ignore[no-untyped-def]
        return JSONResponse({"ok": True})

    async with BackgroundServer(Starlette(routes=[Route("/", hello)])) as server:
        async with httpx.AsyncClient(base_url=server.url or "") as client:
            answers = [await client.get("/") for _ in range(3)]
    assert [a.json() for a in answers] == [{"ok": True}] * 3


async def test_a_request_made_while_only_bound_is_answered_once_the_server_serves() -> None:
    """The bot binds its port at once and serves a moment later (bot.app.runner): a
    health check or a vendor's call made meanwhile waits in the backlog, it is not refused."""
    async def hello(_request):  # type: ignore[no-untyped-def]
        return JSONResponse({"ok": True})

    server = BackgroundServer()
    url = server.bind()
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            asked = asyncio.create_task(client.get("/"))
            done, _ = await asyncio.wait({asked}, timeout=0.2)
            assert not done  # connected, waiting: nothing serves yet
            await server.serve(Starlette(routes=[Route("/", hello)]))
            assert (await asyncio.wait_for(asked, timeout=5)).json() == {"ok": True}
    finally:
        await server.stop()


async def test_a_server_stopped_before_serving_frees_its_port() -> None:
    server = BackgroundServer()
    url = server.bind()
    await server.stop()
    port = int(url.rsplit(":", 1)[1])
    again = BackgroundServer(Starlette(routes=[]))
    assert await again.start(port=port) == url
    await again.stop()
