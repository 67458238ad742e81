"""What the queue benchmark and soak scripts share: the local world, the bot in
the same loop, users in the queue, and a monitor timing each turn notice.

Not a test module (no ``test_`` prefix); the scripts beside it import it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.app.runner import run_bot
from bot.config import load_settings
from bot.fake_telegram import FakeUser, FloodLimits
from bot.logs import setup_logging
from bot.sandbox.world import LocalWorld, free_port
from bot.storage import Storage
from bot.vendors.filevirtuelle import simulator_data as data
from bot.vendors.filevirtuelle.simulator import Simulator

STAFF_ID = 900
CALLED_WORDS = ": it's your turn! Ticket"
STORE_NAMES = {data.PARIS: "Maison Exemple Paris", data.LYON: "Maison Exemple Lyon"}


@dataclass
class Bench:
    world: LocalWorld
    env: dict[str, str]
    sim: Simulator
    users: dict[str, FakeUser] = field(default_factory=dict)  # customer id -> user


@contextlib.asynccontextmanager
async def bench_world(*, callbacks: bool, poll_min: float, max_hits: int = 600) -> AsyncIterator[Bench]:
    """A fresh world and database; the bot is started by :func:`bot_running`."""
    setup_logging(os.environ.get("LOG_LEVEL", "ERROR"))
    world = LocalWorld(flood_limits=FloodLimits())
    env = await world.start()
    sim: Simulator = world.simulators["filevirtuelle"]  # type: ignore[assignment]
    sim.max_hits = max_hits
    folder = Path(tempfile.mkdtemp(prefix="queue-bench-"))
    port = free_port()
    env.update(BOT_SECRET_KEY=secrets.token_urlsafe(32), DATABASE_PATH=str(folder / "bot.sqlite3"),
               WEB_PORT=str(port), PUBLIC_URL=f"http://127.0.0.1:{port}", STAFF_IDS=str(STAFF_ID),
               QUEUE_POLL_MIN_SECONDS=str(poll_min))
    if callbacks:
        world.point_callbacks(env["PUBLIC_URL"], env["BOT_SECRET_KEY"])
    client = _reuse_one_client_for_callbacks(sim)
    try:
        yield Bench(world, env, sim)
    finally:
        await world.stop()
        await client.aclose()
        shutil.rmtree(folder, ignore_errors=True)


def _reuse_one_client_for_callbacks(sim: Simulator) -> httpx.AsyncClient:
    """The simulator builds an httpx client (an SSL context: ~20 ms of CPU) for each
    callback it posts. Here it shares the bot's event loop, so that CPU would be
    charged to the bot's notice delay; a real vendor runs elsewhere. Same posts,
    one client."""
    client = httpx.AsyncClient(timeout=5.0)

    async def post(payload: dict) -> None:  # type: ignore[type-arg]
        try:
            response = await client.post(sim.next_url, json=payload)
            sim.callbacks.append((payload, response.status_code))
        except httpx.HTTPError as exc:
            sim.callbacks.append((payload, type(exc).__name__))

    sim._post = post  # type: ignore[method-assign]
    return client


@contextlib.asynccontextmanager
async def bot_running(bench: Bench) -> AsyncIterator[None]:
    os.environ.update(bench.env)
    stop = asyncio.Event()
    polls = bench.world.telegram.calls["getUpdates"]
    task = asyncio.create_task(run_bot(load_settings(), stop))
    await bench.world.telegram.wait_until(
        lambda: bench.world.telegram.calls["getUpdates"] > polls or task.done(), timeout=30)
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def seed_tickets(bench: Bench, per_store: dict[str, int], first_user: int = 10_000) -> None:
    """People already waiting with a ticket the bot watches, as if they had joined
    earlier (their card is posted by the watcher's first round). Before the bot starts."""
    async with await Storage.open(bench.env["DATABASE_PATH"], bench.env["BOT_SECRET_KEY"]) as storage:
        uid = first_user
        for store, count in per_store.items():
            for _ in range(count):
                uid += 1
                user = bench.world.telegram.user(uid, first_name=f"U{uid}")
                cid = bench.sim.add_waiting(store, f"U{uid}")
                number = bench.sim.customer(cid)["ticket"]  # type: ignore[index]
                await storage.tickets.add("filevirtuelle", cid, owner=uid, site_id=store,
                                          site_name=STORE_NAMES[store], number=number)
                bench.users[cid] = user


async def join_paris(bench: Bench, uid: int) -> None:
    """One user joins Paris through the conversation, by name."""
    from bot.fake_telegram.models import BotMessage

    def has(prefix: str):  # type: ignore[no-untyped-def]
        return lambda m: any(d and d.startswith(prefix) for row in m.callback_data for d in row)

    user = bench.world.telegram.user(uid, first_name=f"J{uid}")
    user.send_command("/queue")
    screen: BotMessage = await user.wait_screen(has("q:site:"), timeout=60)
    user.press(STORE_NAMES[data.PARIS], message_id=screen.message_id)
    screen = await user.wait_screen(has("q:ch:"), timeout=60)
    user.press("Order pickup", message_id=screen.message_id)
    screen = await user.wait_screen(has("q:use:"), timeout=60)
    user.press(f"Use “J{uid}”", message_id=screen.message_id)
    await user.wait_message(predicate=has("tk:refresh:"), timeout=60)
    [cid] = [c["_id"] for c in bench.sim.queues.customers.values() if c.get("name") == f"J{uid}"]
    bench.users[cid] = user


class NoticeMonitor:
    """Records when each user's first "called" notice reached the fake Telegram,
    and how many of each notice kind everybody got."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.called_at: dict[str, float] = {}  # customer id -> monotonic time of the call
        self.notified_at: dict[str, float] = {}
        self.counts: dict[str, dict[str, int]] = {}
        self._seen: dict[int, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    def called(self, customer_id: str, at: float | None = None) -> None:
        self.called_at.setdefault(customer_id, at if at is not None else time.monotonic())

    def _scan(self) -> bool | None:
        """Look at bot messages newer than last time; True when a called notice came."""
        now, found = time.monotonic(), None
        for cid, user in self.bench.users.items():
            seen = self._seen.get(user.id, 0)
            for message in reversed(user.chat.messages.values()):
                if message.message_id <= seen:
                    break
                self._seen[user.id] = max(self._seen.get(user.id, 0), message.message_id)
                if not message.from_bot:
                    continue
                text = message.current.get("text") or ""
                kinds = self.counts.setdefault(cid, {"near": 0, "called": 0})
                if CALLED_WORDS in text:
                    kinds["called"] += 1
                    self.notified_at.setdefault(cid, now)
                    found = True
                elif "your turn is near (ticket" in text:
                    kinds["near"] += 1
        return found

    async def _run(self) -> None:
        state = self.bench.world.telegram.state
        while not self._stopped:  # the predicate runs on every change of the fake Telegram
            await state.changed.wait_for(self._scan, timeout=0.5)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        # A flag rather than cancel(): 3.11's wait_for can swallow a cancellation.
        self._stopped = True
        if self._task is not None:
            await self._task
        self._scan()

    def delays(self) -> list[float]:
        return [self.notified_at[c] - t for c, t in self.called_at.items() if c in self.notified_at]

    def missing(self) -> list[str]:
        return [c for c in self.called_at if c not in self.notified_at]

    def duplicates(self) -> int:
        return sum(1 for kinds in self.counts.values() for n in kinds.values() if n > 1)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]
