"""What the load benchmarks share: the local world in this process, the bot and
the echo reference as child processes, reply timing per chat, closed and open
loops, and the figures printed.

The bot runs as its own process (``python -m bot run``) so its CPU time can be
read from ``/proc`` apart from the fake Telegram, the vendor simulators and the
load generator, which all run here. The echo bot (:mod:`_echo_bot`) runs the
same way against the same fake, in the same run: the machine is shared and
noisy, so only ratios between the two mean anything.

Not a test module (no ``test_`` prefix); the scripts beside it import it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _queue_world import percentile  # noqa: E402

from bot.fake_telegram import FakeUser, FloodLimits  # noqa: E402
from bot.sandbox.world import LocalWorld  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
_TICKS = os.sysconf("SC_CLK_TCK")
_VENDOR_MS = re.compile(r"vendor=\S+ \S+ \S+ status=\d+ ms=(\d+)")


class Child:
    """A bot process: its CPU time and memory read from /proc, its log in a file."""

    def __init__(self, name: str, process: asyncio.subprocess.Process, log: Path) -> None:
        self.name = name
        self.process = process
        self.log = log

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime

    def rss_mb(self, key: str = "VmRSS") -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.log.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode(errors="replace")

    def vendor_ms_since(self, offset: int) -> float:
        """Time the bot's log says it spent waiting on vendors since ``offset``."""
        return float(sum(int(m) for m in _VENDOR_MS.findall(self.log_since(offset))))

    async def stop(self) -> None:
        if self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


class Replies:
    """When each bot message or edit reached each chat of the fake Telegram.

    One event per chat, rather than the driver's world-wide change signal,
    so that hundreds of waiting users do not wake each other on every change
    (that would charge the load generator's own cost to the latencies).
    """

    def __init__(self, world: LocalWorld) -> None:
        self.at: dict[int, list[float]] = defaultdict(list)
        self._events: dict[int, asyncio.Event] = {}
        state = world.telegram.state
        original = state.record

        def record(chat, kind, *args, **kwargs):  # type: ignore[no-untyped-def]
            entry = original(chat, kind, *args, **kwargs)
            if kind in ("bot_message", "edit"):
                self.at[chat.id].append(time.monotonic())
                event = self._events.pop(chat.id, None)
                if event is not None:
                    event.set()
            return entry

        state.record = record  # type: ignore[method-assign]

    def count(self, chat_id: int) -> int:
        return len(self.at[chat_id])

    async def wait(self, chat_id: int, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            event = self._events.setdefault(chat_id, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
        return True

    async def nth(self, chat_id: int, index: int, timeout: float) -> float | None:
        """Arrival time of the chat's ``index``-th reply (0-based), None on timeout."""
        ok = await self.wait(chat_id, lambda: len(self.at[chat_id]) > index, timeout)
        return self.at[chat_id][index] if ok else None


Action = Callable[[FakeUser, int], Any]  # (user, how many actions it did before)


@dataclass
class Bench:
    world: LocalWorld
    env: dict[str, str]
    folder: Path
    replies: Replies
    users: dict[int, FakeUser] = field(default_factory=dict)

    def user(self, uid: int) -> FakeUser:
        if uid not in self.users:
            self.users[uid] = self.world.telegram.user(uid, first_name=f"U{uid}")
        return self.users[uid]

    async def act(self, user: FakeUser, action: Action, done: int, since: float | None = None,
                  timeout: float = 120.0) -> float | None:
        """Do ``action`` and wait for the reply; its latency (from ``since``, else now)."""
        before = self.replies.count(user.id)
        start = time.monotonic() if since is None else since
        action(user, done)
        arrived = await self.replies.nth(user.id, before, timeout)
        return None if arrived is None else arrived - start


@contextlib.asynccontextmanager
async def bench_world(*, flood_limits: bool = False, vendors: tuple[str, ...] = ("ufirst",),
                      database: Path | None = None) -> AsyncIterator[Bench]:
    """The fake Telegram and ``vendors``' simulators here, and a fresh folder."""
    world = LocalWorld(vendors=vendors,
                       flood_limits=FloodLimits() if flood_limits else FloodLimits.disabled())
    env = await world.start()
    folder = Path(tempfile.mkdtemp(prefix="load-bench-"))
    env.update(BOT_SECRET_KEY=secrets.token_urlsafe(32),
               DATABASE_PATH=str(database or folder / "bot.sqlite3"), WEB_PORT="0",
               PENDING_RECOVERY_DELAY="3600")
    try:
        yield Bench(world, env, folder, Replies(world))
    finally:
        await world.stop()
        shutil.rmtree(folder, ignore_errors=True)


async def spawn(bench: Bench, kind: str, *, wait_polling: bool = True, **extra: str) -> Child:
    """Start the bot (``kind="bot"``) or the echo reference; return once it polls."""
    env = {**os.environ, **bench.env, **extra}
    argv = ([sys.executable, "-m", "bot", "run"] if kind == "bot"
            else [sys.executable, str(HERE / "_echo_bot.py")])
    log = bench.folder / f"{kind}-{secrets.token_hex(3)}.log"
    polls = bench.world.telegram.calls["getUpdates"]
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(*argv, env=env, stdout=out, stderr=out,
                                                       cwd=str(ROOT))
    child = Child(kind, process, log)
    if wait_polling:
        await bench.world.telegram.wait_until(
            lambda: bench.world.telegram.calls["getUpdates"] > polls
            or process.returncode is not None, timeout=60)
        if process.returncode is not None:
            raise RuntimeError(f"{kind} exited: {log.read_text()[-2000:]}")
    return child


@contextlib.asynccontextmanager
async def running(bench: Bench, kind: str, **extra: str) -> AsyncIterator[Child]:
    child = await spawn(bench, kind, **extra)
    try:
        yield child
    finally:
        await child.stop()


@dataclass
class Figures:
    """One measured phase: latencies of the actions and the bot's CPU meanwhile."""

    label: str
    latencies: list[float]
    missing: int
    seconds: float
    cpu: float
    vendor_ms: float = 0.0

    @property
    def updates(self) -> int:
        return len(self.latencies) + self.missing

    def p(self, q: float) -> float:
        """Percentile in ms; answers that never came count as infinitely late."""
        if self.missing and q / 100 * self.updates > len(self.latencies):
            return float("inf")
        return percentile(self.latencies + [max(self.latencies, default=0.0)] * self.missing,
                          q) * 1000

    @property
    def cpu_ms(self) -> float:
        return self.cpu * 1000 / max(1, self.updates)

    def line(self) -> str:
        miss = f" missing={self.missing}" if self.missing else ""
        vendor = f" vendor={self.vendor_ms / max(1, self.updates):5.1f}ms/upd" if self.vendor_ms else ""
        return (f"{self.label:<34} n={self.updates:>5} p50={self.p(50):8.1f} ms "
                f"p99={self.p(99):8.1f} ms  {self.updates / self.seconds:6.1f} upd/s  "
                f"cpu={self.cpu_ms:5.2f} ms/upd{vendor}{miss}")


async def measure(bench: Bench, child: Child, label: str,
                  run: Callable[[], Awaitable[list[float | None]]]) -> Figures:
    cpu, log, started = child.cpu_seconds(), child.log_size(), time.monotonic()
    results = await run()
    seconds = time.monotonic() - started
    return Figures(label, [r for r in results if r is not None],
                   sum(1 for r in results if r is None), seconds,
                   child.cpu_seconds() - cpu, child.vendor_ms_since(log))


def closed_loop(bench: Bench, users: Sequence[FakeUser], per_user: int,
                action: Action) -> Callable[[], Awaitable[list[float | None]]]:
    """Each user acts, waits for the answer, acts again."""

    async def one(user: FakeUser) -> list[float | None]:
        return [await bench.act(user, action, n) for n in range(per_user)]

    async def run() -> list[float | None]:
        per = await asyncio.gather(*(one(u) for u in users))
        return [x for xs in per for x in xs]

    return run


def open_loop(bench: Bench, users: Sequence[FakeUser], rate: float, count: int,
              action: Action, done: dict[int, int] | None = None
              ) -> Callable[[], Awaitable[list[float | None]]]:
    """``count`` actions at ``rate`` per second whatever the answers, users in turn.

    A user whose previous action is unanswered acts once it is (a person
    waits for the screen), but latency counts from the scheduled time, so a
    slow bot is not excused by its own backlog.
    """
    done = done if done is not None else defaultdict(int)
    locks = {u.id: asyncio.Lock() for u in users}

    async def one(k: int, at: float) -> float | None:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        user = users[k % len(users)]
        async with locks[user.id]:
            n = done[user.id]
            done[user.id] = n + 1
            return await bench.act(user, action, n, since=at)

    async def run() -> list[float | None]:
        start = time.monotonic() + 0.05
        return list(await asyncio.gather(*(one(k, start + k / rate) for k in range(count))))

    return run


def send_help(user: FakeUser, n: int) -> None:  # noqa: ARG001
    user.send_command("/help")


def ratio(a: float, b: float) -> str:
    return f"×{a / b:.2f}" if b > 0 else "n/a"


def button_message(user: FakeUser, label: str) -> int | None:
    """The newest bot message in the user's chat with a button labelled ``label``."""
    for message in reversed(user.bot_messages()):
        if any(label.casefold() in text.casefold() for row in message.buttons for text in row):
            return message.message_id
    return None


async def press_when_shown(bench: Bench, user: FakeUser, label: str,
                           timeout: float = 120) -> tuple[int, int]:
    """Wait for a screen with ``label`` and press it; the message id pressed and
    how many replies the chat had before the press."""
    found: list[int] = []

    def shown() -> bool:
        mid = button_message(user, label)
        if mid is not None:
            found.append(mid)
        return mid is not None

    if not await bench.replies.wait(user.id, shown, timeout):
        raise TimeoutError(f"no {label!r} button for user {user.id}: {user.last_bot_message()}")
    before = bench.replies.count(user.id)
    user.press(label, message_id=found[-1])
    return found[-1], before


async def open_days(bench: Bench, user: FakeUser) -> int:
    """Walk ``user`` through /book (ufirst, Rome, Registry office) to the day
    screen; the id of that screen's message."""
    user.send_command("/book")
    await press_when_shown(bench, user, "Roma Termini")
    mid, before = await press_when_shown(bench, user, "Registry office")
    if await bench.replies.nth(user.id, before, 120) is None:
        raise TimeoutError(f"no day screen for user {user.id}")
    return mid


def day_or_back(screens: dict[int, int]) -> Action:
    """A booking step that can repeat: a day on the day screen (the vendor is
    asked for that day's slots), Back on the slot screen (open days again)."""

    def act(user: FakeUser, n: int) -> None:
        message = user.chat.messages[screens[user.id]]
        labels = [b.get("text", "") for row in (message.current.get("reply_markup") or {})
                  .get("inline_keyboard", []) for b in row]
        user.press(labels[0] if n % 2 == 0 else "Back", message_id=screens[user.id])

    return act


async def set_up(bench: Bench, uids: Sequence[int], at_once: int = 25) -> dict[int, int]:
    """Users on the day screen; user id -> the screen's message id."""
    limit = asyncio.Semaphore(at_once)
    screens: dict[int, int] = {}

    async def one(uid: int) -> None:
        async with limit:
            screens[uid] = await open_days(bench, bench.user(uid))

    await asyncio.gather(*(one(uid) for uid in uids))
    return screens
