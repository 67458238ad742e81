"""Starting the fake Telegram and the simulators, and saying how to reach them."""

from __future__ import annotations

import asyncio
import secrets
import socket
import sys
import time
from dataclasses import dataclass, field

from bot.fake_telegram import FakeTelegram, FloodLimits
from bot.vendors import VENDORS
from bot.vendors._simulator import Simulator
from bot.vendors.registry import simulator_class

DEMO_BOT_USERNAME = "booking_demo_bot"


@dataclass
class LocalWorld:
    """Everything the bot talks to, with nothing real behind it."""

    vendors: tuple[str, ...] = tuple(VENDORS)
    flood_limits: FloodLimits | None = None
    bot_token: str = field(default_factory=lambda: f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(24)}")
    telegram: FakeTelegram = field(init=False)
    simulators: dict[str, Simulator] = field(init=False, default_factory=dict)

    async def start(self, host: str = "127.0.0.1") -> dict[str, str]:
        """Start everything; return the environment that points the bot here."""
        limits = self.flood_limits if self.flood_limits is not None else FloodLimits()
        self.telegram = FakeTelegram(limits=limits)
        await self.telegram.start(host=host, port=0)
        account = self.telegram.register_bot(self.bot_token, username=DEMO_BOT_USERNAME)
        # Like Telegram's, update ids keep growing across restarts of this
        # world, so a bot that remembers processed ids never mistakes new
        # updates for repeats.
        account.next_update_id = int(time.time() * 1000)
        env = {
            "TELEGRAM_API_URL": self.telegram.base_url,
            "TELEGRAM_FILE_URL": self.telegram.base_file_url,
            "TELEGRAM_BOT_TOKEN": self.bot_token,
        }
        for name in self.vendors:
            simulator = simulator_class(name)()
            env.update(await simulator.start(host=host, port=0))
            self.simulators[name] = simulator
        return env

    def point_callbacks(self, public_url: str, secret_key: str) -> None:
        """Make simulators that call back (FileVirtuelle's ``next_url``) post to the
        bot at ``public_url``, on the generic vendor-event route keyed with that bot's BOT_SECRET_KEY."""
        from bot.notifications import event_callback_path

        for name, simulator in self.simulators.items():
            if hasattr(simulator, "next_url"):
                simulator.next_url = public_url.rstrip("/") + event_callback_path(secret_key, name)

    async def stop(self) -> None:
        for simulator in self.simulators.values():
            await simulator.stop()
        await self.telegram.stop()


async def serve_sandbox(host: str = "127.0.0.1") -> int:
    """``python -m bot sandbox``: run the world until interrupted."""
    world = LocalWorld()
    env = await world.start(host)
    env["BOT_SECRET_KEY"] = secrets.token_urlsafe(32)
    # A fixed port for the bot's web server, so the simulators' callbacks
    # (FileVirtuelle's "next customer") know where to reach it.
    env["WEB_PORT"] = str(free_port(host))
    env["PUBLIC_URL"] = f"http://{host}:{env['WEB_PORT']}"
    world.point_callbacks(env["PUBLIC_URL"], env["BOT_SECRET_KEY"])
    for name, value in env.items():
        print(f"{name}={value}")
    print(
        f"# fake Telegram control API: {world.telegram.base_url.rsplit('/bot', 1)[0]}/_control",
        file=sys.stderr,
    )
    print("# Ctrl+C to stop", file=sys.stderr)
    sys.stdout.flush()
    try:
        await asyncio.Event().wait()
    finally:
        await world.stop()
    return 0


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now (the bot binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
