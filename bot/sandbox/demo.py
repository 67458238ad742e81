"""``python -m bot demo``: the whole product in one terminal.

The local world, the real bot (the same ``run_bot`` as production, pointed at
the fake Telegram) and a chat: what you type is sent as a Telegram user,
the bot's answers are printed with their buttons numbered, and a number
presses that button. Piped input is a script, one action per line, so the
demo also runs unattended. A button that opens a web page (/link's) shows its
URL, and pressing it lets the demo's own browser (:mod:`.browser`) follow it:
the whole link round trip through Umbrella Faces and back is printed.

    !contact +393331234567      share a phone number with the contact button
    !location 41.90 12.50       share a location
    !press Label                press a button by its label
    # a comment                 ignored
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
from pathlib import Path

from bot.app.runner import run_bot
from bot.config import load_settings
from bot.fake_telegram import FakeUser, TranscriptEntry
from bot.logs import setup_logging
from bot.sandbox.browser import DemoBrowser
from bot.sandbox.world import LocalWorld, free_port

DEMO_USER_ID = 1001
QUIET = 0.4  # seconds without new bot output before the next scripted line


class Printer:
    """Prints the bot's side of the chat and remembers the last buttons shown."""

    def __init__(self, user: FakeUser) -> None:
        self.user = user
        self.seen = 0
        self.buttons: list[tuple[int, str, str | None]] = []  # (message id, label, URL) shown last
        self.versions: dict[int, int] = {}  # message id -> the version printed last

    def pending(self) -> list[TranscriptEntry]:
        return [e for e in self.user.chat.transcript[self.seen:]
                if e.kind in ("bot_message", "edit")]

    def flush(self) -> None:
        entries = self.user.chat.transcript[self.seen:]
        self.seen += len(entries)
        for entry in entries:
            if entry.kind not in ("bot_message", "edit") or entry.message_id is None:
                continue
            message = self.user.chat.messages[entry.message_id]
            self._show(entry, message)

    def _show(self, entry: TranscriptEntry, message: object) -> None:
        from bot.fake_telegram.models import snapshot

        # Each entry is shown as it was then, not as the message reads now.
        version = self.versions.get(entry.message_id, -1) + 1 if entry.kind == "edit" else 0  # type: ignore[arg-type]
        self.versions[entry.message_id] = version  # type: ignore[index]
        view = snapshot(message, version)  # type: ignore[arg-type]
        prefix = "bot (edited)>" if entry.kind == "edit" else "bot>"
        if view.document is not None:
            print(f"{prefix} [file {view.document.file_name}] {view.text or ''}".rstrip())
        elif view.text:
            lines = view.text.splitlines()
            print(f"{prefix} {lines[0]}")
            for line in lines[1:]:
                print(f"     {line}")
        if view.labels:
            rows = (view.raw.get("reply_markup") or {}).get("inline_keyboard") or []
            urls = [button.get("url") for row in rows for button in row]
            urls += [None] * (len(view.labels) - len(urls))
            self.buttons = [(view.message_id, label, url) for label, url in zip(view.labels, urls)]
            numbered = "  ".join(f"[{n}] {label}" + (f" → {url}" if url else "")
                                 for n, (_, label, url) in enumerate(self.buttons, 1))
            print(f"     {numbered}")
        if view.reply_keyboard:
            print("     (keyboard: " + " | ".join(b for row in view.reply_keyboard for b in row) + ")")


def url_of(printer: Printer, line: str) -> str | None:
    """The web page a numbered button opens, when it is such a button."""
    if line.isdigit() and 1 <= int(line) <= len(printer.buttons):
        return printer.buttons[int(line) - 1][2]
    return None


def act(user: FakeUser, printer: Printer, line: str) -> str | None:
    """Perform one user action; return an error to show instead, if any."""
    if line.isdigit():
        number = int(line)
        if not 1 <= number <= len(printer.buttons):
            return f"no button {number}; there are {len(printer.buttons)}"
        message_id, label, _ = printer.buttons[number - 1]
        user.press(label, message_id=message_id)
    elif line.startswith("!contact"):
        user.share_contact(line.split(maxsplit=1)[1] if " " in line else "+393331234567")
    elif line.startswith("!location"):
        parts = line.split()
        user.share_location(float(parts[1]), float(parts[2]))
    elif line.startswith("!press "):
        try:
            user.press(line[len("!press "):].strip())
        except LookupError as exc:
            return str(exc)
    else:
        user.send_text(line)
    return None


async def settle(printer: Printer, timeout: float = 15.0) -> None:
    """Wait for the bot's answer, then for it to fall quiet."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not printer.pending() and loop.time() < deadline:
        await asyncio.sleep(0.02)
    seen = -1
    while len(printer.user.chat.transcript) != seen and loop.time() < deadline:
        seen = len(printer.user.chat.transcript)
        await asyncio.sleep(QUIET)


def _prepare(data_dir: Path, fresh: bool) -> tuple[str, str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    if fresh:
        for path in data_dir.glob("bot.sqlite3*"):
            path.unlink()
    key_file = data_dir / "secret.key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(32))
        key_file.chmod(0o600)
    token_file = data_dir / "bot.token"
    if not token_file.exists():
        token_file.write_text(f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(24)}")
        token_file.chmod(0o600)
    return key_file.read_text().strip(), token_file.read_text().strip()


async def run_demo(data_dir: str = "demo-data", language: str | None = None, fresh: bool = False) -> int:
    setup_logging(os.environ.get("LOG_LEVEL", "WARNING"))
    key, token = _prepare(Path(data_dir), fresh)
    world = LocalWorld(bot_token=token)
    env = await world.start()
    port = free_port()  # known in advance: Faces sends the browser back to the bot's route
    env.update(BOT_SECRET_KEY=key, DATABASE_PATH=str(Path(data_dir) / "bot.sqlite3"),
               WEB_PORT=str(port), PUBLIC_URL=f"http://127.0.0.1:{port}")
    world.point_callbacks(env["PUBLIC_URL"], key)
    os.environ.update(env)
    browser = DemoBrowser()
    stop = asyncio.Event()
    bot = asyncio.create_task(run_bot(load_settings(), stop))
    user = world.telegram.user(DEMO_USER_ID, first_name="Demo", language_code=language or "en")
    printer = Printer(user)
    interactive = sys.stdin.isatty()
    try:
        await world.telegram.wait_until(lambda: world.telegram.calls["getUpdates"] > 0, timeout=30)
        if interactive:
            print("Chat with the bot. Numbers press buttons; Ctrl+D quits. Try /start or /book.")
        while True:
            line = await asyncio.to_thread(_read_line, interactive)
            if line is None:
                break
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not interactive:
                print(f"you> {line}")
            url = url_of(printer, line)
            if url is not None:
                for shown in await browser.open(url):
                    print(shown)
                await settle(printer)
                printer.flush()
                continue
            problem = act(user, printer, line)
            if problem:
                print(f"     ({problem})")
                continue
            await settle(printer)
            printer.flush()
            if bot.done():
                break
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(bot, timeout=15)
        await browser.aclose()
        await world.stop()
    return 0


def _read_line(interactive: bool) -> str | None:
    try:
        return input("you> ") if interactive else sys.stdin.readline() or None
    except EOFError:
        return None
