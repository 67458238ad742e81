"""Webhook mode with a leader and a standby behind one public URL: the leader is
killed, the standby takes over and registers the webhook again (same URL, same
secret), and the message the user sent while no process led is answered.

The public URL is a small load balancer in the test that forwards Telegram's
calls to whichever process answers ``/readyz`` with 200, as docs/scaling.md asks
of a real one.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.asgi import BackgroundServer
from bot.sandbox.world import LocalWorld
from tests.conftest import BotProcess, bot_env, wait_until
from tests.e2e.test_webhook_and_health import free_port
from tests.storage.engines import postgres_database


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with postgres_database() as url:
        yield url


def balancer(backends: list[str], client: httpx.AsyncClient) -> Starlette:
    """Forward each call to the first backend whose /readyz says 200; 503 if none."""

    async def forward(request: Request) -> Response:
        for backend in backends:
            try:
                if (await client.get(f"{backend}/readyz")).status_code != 200:
                    continue
                answer = await client.post(f"{backend}{request.url.path}",
                                           content=await request.body(),
                                           headers=dict(request.headers))
            except httpx.HTTPError:
                continue
            return Response(answer.content, answer.status_code)
        return Response("no leader", 503)

    return Starlette(routes=[Route("/{path:path}", forward, methods=["POST"])])


async def test_standby_registers_the_webhook_again_on_takeover(
    world: LocalWorld, tmp_path: Path, pg_url: str
) -> None:
    ports = [free_port(), free_port()]
    backends = [f"http://127.0.0.1:{port}" for port in ports]
    async with httpx.AsyncClient(timeout=30) as client:
        front = BackgroundServer(balancer(backends, client))
        public = await front.start("127.0.0.1", 0)
        env = bot_env(world, tmp_path, DATABASE_URL=pg_url, BOT_MODE="webhook",
                      PUBLIC_URL=public)
        leader = BotProcess({**env, "WEB_PORT": str(ports[0])}, tmp_path / "leader.log")
        standby = BotProcess({**env, "WEB_PORT": str(ports[1])}, tmp_path / "standby.log")
        bot = world.telegram.bot()
        try:
            await leader.start_until(world, lambda: bot.webhook is not None)
            first = bot.webhook
            assert first is not None and first.url == f"{public}/telegram"
            await standby.start_until(world, lambda: "web server on" in standby.logs())
            assert (await client.get(f"{backends[1]}/readyz")).status_code == 503
            user = world.telegram.user(406, first_name="Ada", language_code="en")
            user.send_command("/start")
            await user.wait_screen(lambda m: "Ada" in (m.text or ""), timeout=30)
            registered = world.telegram.calls["setWebhook"]

            await leader.kill()
            killed = time.monotonic()
            user.send_command("/help")  # sent while no process leads
            # The new configuration object, not the call count: the count goes up when
            # the call arrives, before the fake has stored what it asked for.
            await wait_until(lambda: bot.webhook is not first, timeout=15)
            print(f"webhook registered again {time.monotonic() - killed:.2f} s after kill -9")
            again = bot.webhook
            assert again is not None and world.telegram.calls["setWebhook"] > registered
            assert (again.url, again.secret_token) == (first.url, first.secret_token)
            assert "leader after" in standby.logs()
            assert (await client.get(f"{backends[1]}/readyz")).status_code == 200
            await user.wait_screen(lambda m: "/book" in (m.text or ""), timeout=30)
        finally:
            await leader.terminate()
            await standby.terminate()
            await front.stop()
