"""What a polling bot does once its first answers are out (bot.app.runner, WEB_AFTER): its
web server, bound from the start, serves, and the vendors' adapters are built. Neither may
be left to fail later, at a customer's first /book or a vendor's first call: a failure
stops the bot, as it did when both happened before polling."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from bot.app import runner
from bot.config import load_settings
from bot.sandbox.world import LocalWorld, free_port
from bot.vendors import registry
from tests.conftest import bot_env, wait_until


async def test_polling_starts_first_then_the_web_serves_what_waited_and_vendors_load(
        world: LocalWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    for name, value in bot_env(world, tmp_path, WEB_PORT=str(port)).items():
        monkeypatch.setenv(name, value)
    built: list[str] = []
    build = registry._build
    monkeypatch.setattr(registry, "_build", lambda name, *rest: built.append(name) or build(name, *rest))
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run_bot(load_settings(), stop))
    try:
        await wait_until(lambda: world.telegram.calls["getUpdates"] > 0 or task.done(), timeout=20)
        assert not task.done() and built == []  # polling, with no adapter loaded for it
        async with httpx.AsyncClient() as client:  # asked at once: it waits, is not refused
            health = await client.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["running"] is True
        await wait_until(lambda: "ufirst" in built or task.done(), timeout=10)
        assert not task.done()
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=20)


async def test_a_vendor_adapter_that_cannot_be_built_stops_the_bot(
        world: LocalWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in bot_env(world, tmp_path).items():
        monkeypatch.setenv(name, value)

    def broken(name: str) -> object:
        raise ImportError(f"{name}'s adapter is broken")

    monkeypatch.setattr(registry, "adapter_class", broken)
    stop = asyncio.Event()
    with pytest.raises(SystemExit, match="could not start"):
        async with asyncio.timeout(20):  # in this task: a SystemExit from another would end the loop
            await runner.run_bot(load_settings(), stop)
    assert stop.is_set()
