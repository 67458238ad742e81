"""Shared fixtures: the local world and the bot running against it.

Every test gets its own fake Telegram, simulators and database on ephemeral
ports, so tests run in parallel (pytest -n auto) without sharing anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app.runner import run_bot
from bot.config import load_settings
from bot.fake_telegram import FloodLimits
from bot.sandbox.world import LocalWorld


@pytest.fixture
async def world() -> AsyncIterator[LocalWorld]:
    local = LocalWorld(flood_limits=FloodLimits())
    local.env = await local.start()  # type: ignore[attr-defined]
    try:
        yield local
    finally:
        await local.stop()


class RunningBot:
    """The real bot process code (run_bot) as a task in the test's loop."""

    def __init__(self, env: dict[str, str], database: Path, clock=None) -> None:  # type: ignore[no-untyped-def]
        self.env = env
        self.database = database
        self.clock = clock  # the bot's clock for reminders and the outbox (None: real time)
        self.stop_event = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def start(self, world: LocalWorld) -> None:
        os.environ.update(self.env)
        settings = load_settings()
        self.stop_event = asyncio.Event()
        polls_before = _polls(world)
        self.task = asyncio.create_task(run_bot(settings, self.stop_event, clock=self.clock))
        await wait_until(lambda: _polls(world) > polls_before or self.task.done(), timeout=20)
        if self.task.done():
            self.task.result()

    async def stop(self) -> None:
        if self.task is None:
            return
        self.stop_event.set()
        await asyncio.wait_for(self.task, timeout=20)
        self.task = None


def _polls(world: LocalWorld) -> int:
    return world.telegram.calls["getUpdates"]


async def wait_until(predicate, timeout: float = 10.0, interval: float = 0.01) -> None:  # type: ignore[no-untyped-def]
    """Poll a condition with a deadline (never a bare sleep-and-hope)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def bot_running(world: LocalWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                      **extra: str) -> AsyncIterator[RunningBot]:
    """The bot in this process with :func:`bot_env` (plus ``extra``) in its environment."""
    env = bot_env(world, tmp_path, **extra)
    for name in env:
        monkeypatch.setenv(name, env[name])
    running = RunningBot(env, tmp_path / "bot.sqlite3")
    await running.start(world)
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def bot(world: LocalWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RunningBot]:
    async with bot_running(world, tmp_path, monkeypatch) as running:
        yield running


class BotProcess:
    """``python -m bot run`` as a real child process, for restarts and kill -9."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, world: LocalWorld) -> None:
        """Start and wait until the bot polls for updates."""
        before = _polls(world)
        await self.start_until(world, lambda: _polls(world) > before)

    async def start_until(self, world: LocalWorld, ready) -> None:  # type: ignore[no-untyped-def]
        environment = {**os.environ, **self.env}
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=environment, stdout=log, stderr=log,
        )
        log.close()
        process = self.process
        await wait_until(lambda: ready() or process.returncode is not None, timeout=30)
        assert process.returncode is None, self.log_path.read_text()

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def terminate(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), timeout=20)

    async def wait_processed(self, world: LocalWorld) -> None:
        """Until the bot has durably finished every update sent so far.

        An update is marked processed only after its effects are persisted,
        so this is the moment a kill -9 loses nothing. Every id up to the last
        must be there, not just the last: chats run concurrently, so a later
        update may be recorded before an earlier one of another chat (which a
        kill would then make Telegram deliver again).
        """
        import sqlite3

        last = world.telegram.bot().next_update_id - 1

        def done() -> bool:
            with contextlib.closing(sqlite3.connect(self.env["DATABASE_PATH"], timeout=30)) as db:
                first, count = db.execute(
                    "SELECT MIN(update_id), COUNT(*) FROM processed_updates WHERE update_id <= ?",
                    (last,)).fetchone()
            # ids are unique: as many as the range is wide means none is missing
            return first is not None and count == last - first + 1

        await wait_until(done, timeout=10, interval=0.02)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")


def bot_env(world: LocalWorld, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(world.env)  # type: ignore[attr-defined]
    env.update(
        BOT_SECRET_KEY=secrets.token_urlsafe(32),
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        WEB_PORT="0",
        STAFF_IDS="900",
    )
    env.update(extra)
    return env


@pytest.fixture
async def bot_process(world: LocalWorld, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(bot_env(world, tmp_path), tmp_path / "bot.log")
    await process.start(world)
    try:
        yield process
    finally:
        await process.terminate()


def has_data(prefix: str):  # type: ignore[no-untyped-def]
    """Match a screen by its buttons' callback data: the same in every language."""

    def match(message) -> bool:  # type: ignore[no-untyped-def]
        return any(d and d.startswith(prefix) for row in message.callback_data for d in row)

    return match


async def start_booking(user, business: str) -> None:  # type: ignore[no-untyped-def]
    """/book and, when several businesses are offered, pick ``business``: the site screen."""
    user.send_command("/book")
    screen = await user.wait_screen(lambda m: has_data("bk:site:")(m) or has_data("bk:biz:")(m))
    if has_data("bk:biz:")(screen):
        user.press(business, message_id=screen.message_id)
        await user.wait_screen(has_data("bk:site:"))


async def book_until_summary(user, *, day: int = 0, service: str = "Registry office"):  # type: ignore[no-untyped-def]
    """Walk a ufirst booking in Rome to its summary with buttons; return the summary."""
    await start_booking(user, "Ufirst Demo")
    user.press("Roma Termini")
    await user.wait_screen(has_data("bk:svc:"))
    user.press(service)
    days = await user.wait_screen(has_data("bk:day:"))
    user.press(days.labels[day], message_id=days.message_id)
    slots = await user.wait_screen(has_data("bk:slot:"))
    user.press(slots.labels[0], message_id=slots.message_id)
    await user.wait_screen(lambda m: bool(m.reply_keyboard))
    user.share_contact("+393331234567")
    return await user.wait_screen(has_data("bk:ok:"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One plain closing line when the storage suite's PostgreSQL half did not run."""
    marker = "the PostgreSQL half was skipped"
    skipped = [
        report for report in terminalreporter.stats.get("skipped", [])
        if marker in str(getattr(report, "longrepr", ""))
    ]  # fmt: skip
    if skipped:
        terminalreporter.write_line(
            f"PostgreSQL half of the storage suite SKIPPED ({len(skipped)} tests): no"
            " PostgreSQL reachable (see TEST_POSTGRES_URL in the README)",
            yellow=True, bold=True,
        )  # fmt: skip
