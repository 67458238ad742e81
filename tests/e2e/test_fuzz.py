"""Fuzzing the chat: random input at every step of the booking and queue flows.

Hypothesis walks a fresh user to a step (outside any flow, or one of the
booking or queue steps, pressing real buttons), then sends a few random
actions: text (up to Telegram's 4096 characters), commands with arguments,
callback data (real buttons, near misses, garbage), contacts, locations,
stickers. After each example:

* no handler failed: nothing was logged at ERROR (the error handler logs
  every exception it is reached with);
* no message broke Telegram's limits (text, caption, callback data,
  buttons): the fake Bot API refuses such a message, and its refusals are
  checked even where the bot shrugs one off; button labels stay within our
  own cap;
* every callback query was answered.

The bot and the local world run once for the module, in a loop on a thread
of their own, since hypothesis drives examples synchronously. Examples are
derandomized (the same ones each run, so the suite is steady); set
``FUZZ_RANDOM=1`` (and ``FUZZ_EXAMPLES=200``) to explore new ones. Failures
are not shrunk: an example takes about a second, shrinking one could take
minutes, and the case is printed as found.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.fake_telegram import FakeUser, FloodLimits
from bot.sandbox.world import LocalWorld
from bot.ui.limits import MAX_BUTTON_TEXT, units
from tests.conftest import RunningBot, bot_env, has_data, wait_until

# -- the world on its own loop ------------------------------------------------------------


class Harness:
    """The local world and the bot, running in an event loop on a background thread."""

    def __init__(self, tmp: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzz-loop", daemon=True)
        self.thread.start()
        self.world = LocalWorld(flood_limits=FloodLimits.disabled())
        self.tmp = tmp
        self.bot: RunningBot | None = None
        self.errors: list[logging.LogRecord] = []
        self.users = itertools.count(70_000)

    def run(self, coroutine: Coroutine[Any, Any, Any], timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def do(self, action: Callable[[], Any]) -> Any:
        """Run a (synchronous) fake-user action on the world's loop."""

        async def call() -> Any:
            return action()

        return self.run(call())

    async def start(self) -> None:
        self.world.env = await self.world.start()  # type: ignore[attr-defined]
        env = bot_env(self.world, self.tmp)
        os.environ.update(env)
        self.bot = RunningBot(env, self.tmp / "bot.sqlite3")
        await self.bot.start(self.world)

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
        await self.world.stop()

    def processed(self, update_id: int) -> bool:
        assert self.bot is not None
        with contextlib.closing(sqlite3.connect(self.bot.database, timeout=30)) as db:
            row = db.execute("SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)).fetchone()
        return row is not None


class _Errors(logging.Handler):
    def __init__(self, sink: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    saved = dict(os.environ)
    running = Harness(tmp_path_factory.mktemp("fuzz"))
    handler = _Errors(running.errors)
    logging.getLogger().addHandler(handler)
    try:
        running.run(running.start())
        yield running
    finally:
        logging.getLogger().removeHandler(handler)
        running.run(running.stop())
        running.loop.call_soon_threadsafe(running.loop.stop)
        running.thread.join(10)
        os.environ.clear()
        os.environ.update(saved)


# -- getting to a step -------------------------------------------------------------------

# (what to press, the screen it leads to); a label None presses the first such button.
BOOKING = [
    (None, "/book", "bk:biz:"),
    ("Ufirst Demo", "bk:biz:", "bk:site:"),
    ("Roma Termini", "bk:site:", "bk:svc:"),
    ("Registry office", "bk:svc:", "bk:day:"),
    (None, "bk:day:", "bk:slot:"),
    (None, "bk:slot:", "bk:back"),
    ("+393331234567", "contact", "bk:ok:"),
]
QUEUE = [
    (None, "/queue", "q:site:"),
    ("Maison Exemple Paris", "q:site:", "q:ch:"),
    (None, "q:ch:", "q:use:"),  # the first choice is a leaf: the contact step
]


async def walk(user: FakeUser, path: list[tuple[str | None, str, str]], depth: int) -> None:
    for label, on, leads_to in path[:depth]:
        if on.startswith("/"):
            user.send_command(on)
        elif on == "contact":
            user.share_contact(label or "")
        else:
            screen = [m for m in user.bot_messages() if has_data(on)(m)][-1]
            pressed = label or next(
                text for row, data in zip(screen.buttons, screen.callback_data, strict=True)
                for text, value in zip(row, data, strict=True) if value and value.startswith(on))
            user.press(pressed, message_id=screen.message_id)
        await user.wait_screen(has_data(leads_to), timeout=20)


# -- random actions ----------------------------------------------------------------------

PHRASES = ["tomorrow at 11", "domani alle 11", "demain 11h", "morgen um 11 Uhr", "hello", "🙂",
           "registry office friday 9:30", "+39 333 1234567", "ada@example.org", " ", "\n\n"]
COMMANDS = ["/start", "/help", "/book", "/queue", "/my", "/cancel", "/language", "/next", "/qr",
            "/link", "/unlink", "/company", "/badge", "/rooms", "/today", "/foobar", "/start@BookingBot",
            "/cancel@other_bot"]
PREFIXES = ["bk:biz:", "bk:site:", "bk:sites:", "bk:svc:", "bk:day:", "bk:slot:", "bk:ok:", "bk:mv:",
            "bk:back", "bk:quit", "bk:change", "bk:known", "my:cancel:", "my:cancel!:", "my:move:",
            "my:keep", "q:biz:", "q:site:", "q:ch:", "q:appt:", "q:use:", "q:back", "q:quit",
            "tk:refresh:", "tk:leave:", "tk:leave!:", "tk:stay:", "lang:", "st:v:", "st:next", "qr:",
            "qr:p:", "ac:", "co:page:", ""]
text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80)
long_text = st.integers(3000, 4096).map(lambda n: ("Bartholomew " * 400)[:n])
suffix = st.one_of(st.integers(-5, 10**54).map(str), text.map(lambda s: s[:30]),
                   st.dates().map(str), st.just(""))
callback = st.one_of(
    st.tuples(st.sampled_from(PREFIXES), suffix).map("".join),
    text.map(lambda s: s[:64]),
).filter(lambda d: 0 < len(d.encode()) <= 64)
ACTIONS = st.one_of(
    st.tuples(st.just("text"), st.one_of(text, long_text, st.sampled_from(PHRASES))),
    st.tuples(st.just("command"), st.tuples(st.sampled_from(COMMANDS), st.one_of(st.just(""), text))),
    st.tuples(st.just("button"), st.integers(0, 30)),
    st.tuples(st.just("data"), callback),
    st.tuples(st.just("contact"), st.from_regex(r"\+?[0-9 ]{0,20}", fullmatch=True)),
    st.tuples(st.just("location"), st.tuples(st.floats(-90, 90), st.floats(-180, 180))),
    st.tuples(st.just("sticker"), st.just("")),
)


def act(user: FakeUser, kind: str, value: Any) -> None:
    if kind == "text":
        if value.strip():  # Telegram delivers no blank message
            user.send_text(value)
    elif kind == "command":
        command, args = value
        user.send_text(f"{command} {args}".strip())
    elif kind == "button":
        with_buttons = [m for m in user.bot_messages() if m.labels]
        if with_buttons:
            labels = with_buttons[-1].labels
            user.press(labels[value % len(labels)], message_id=with_buttons[-1].message_id)
    elif kind == "data":
        if user.bot_messages():
            user.press_data(value)
    elif kind == "contact":
        if value.strip(" +"):
            user.share_contact(value)
    elif kind == "location":
        user.share_location(*value)
    elif kind == "sticker":
        user._send({"sticker": {"file_id": "S1", "file_unique_id": "S1", "type": "regular", "width": 512,
                                "height": 512, "is_animated": False, "is_video": False}})


# -- the property ------------------------------------------------------------------------

# What the fake Bot API answers when a message breaks one of Telegram's limits.
_LIMIT = re.compile(r"too long|TOO_LONG|BUTTON_DATA_INVALID|must be non-empty|text is empty|reply markup is too long")

FLOW = st.one_of(
    st.tuples(st.just("none"), st.just(0)),
    st.tuples(st.just("booking"), st.integers(1, len(BOOKING))),
    st.tuples(st.just("queue"), st.integers(1, len(QUEUE))),
)


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "24")), deadline=None, database=None,
          derandomize=not os.environ.get("FUZZ_RANDOM"), phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(flow=FLOW, actions=st.lists(ACTIONS, min_size=1, max_size=4), language=st.sampled_from(["en", "it", "de"]))
def test_random_input_at_every_step_is_answered_within_telegrams_limits(
    harness: Harness, flow: tuple[str, int], actions: list[tuple[str, Any]], language: str
) -> None:
    world = harness.world
    user = harness.do(lambda: world.telegram.user(next(harness.users), first_name="Fuzz", language_code=language))
    name, depth = flow
    harness.run(walk(user, BOOKING if name == "booking" else QUEUE, depth))
    harness.errors.clear()
    refused_before = len(world.telegram.state.refused)
    for kind, value in actions:
        harness.do(lambda kind=kind, value=value: act(user, kind, value))
    last = world.telegram.bot().next_update_id - 1
    harness.run(wait_until(lambda: harness.processed(last), timeout=30, interval=0.02))

    case = f"{flow} {actions!r:.600}"
    oversized = [refusal for refusal in world.telegram.state.refused[refused_before:] if _LIMIT.search(refusal[1])]
    assert not oversized, f"{case}: Telegram would refuse {oversized}"
    failures = [f"{r.name}: {r.getMessage()}" for r in harness.errors]
    assert not failures, f"{case}: {failures}"
    def unanswered() -> list[str | None]:
        return [r.data for r in world.telegram.bot().callback_queries.values()
                if r.user_id == user.id and r.answer is None]

    with contextlib.suppress(TimeoutError):  # answers may trail the processed mark by a moment
        harness.run(wait_until(lambda: not unanswered(), timeout=5))
    assert not unanswered(), f"{case}: callback queries never answered: {unanswered()}"
    long_labels = [label for m in user.bot_messages() for label in m.labels if units(label) > MAX_BUTTON_TEXT]
    assert not long_labels, long_labels
