"""Command line: ``python -m bot [run|sandbox|demo]``.

With no command the bot runs as configured, or, when nothing is configured
(no TELEGRAM_BOT_TOKEN in the environment or ``.env``), the local demo
starts, so a fresh checkout does something useful with one command.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

from bot.config import ConfigError, is_configured, load_settings
from bot.logs import setup_logging

T = TypeVar("T")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="A Telegram booking bot: appointments, timeslots and virtual queues.",
        epilog="Without a command: 'run' when TELEGRAM_BOT_TOKEN is configured, else 'demo'.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the bot as configured by the environment / .env")
    sandbox = commands.add_parser(
        "sandbox",
        help="start the fake Telegram Bot API and every vendor simulator; print NAME=value lines",
    )
    sandbox.add_argument("--host", default="127.0.0.1")
    demo = commands.add_parser(
        "demo",
        help="the local world plus the bot and a terminal chat (reads a script from stdin if piped)",
    )
    demo.add_argument("--data", default="demo-data", help="folder for the demo's database")
    demo.add_argument("--language", default=None, help="the demo user's Telegram language (en, it, fr, de)")
    demo.add_argument("--fresh", action="store_true", help="start with an empty database")
    return parser


def settle_heap() -> None:
    """Turn the collector back on if ``python -m bot`` turned it off for start-up, with
    everything loaded so far frozen: it lives as long as the process, so no collection
    needs to look at it again."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on uvloop where it is installed (not on Windows).

    The bot's work is mostly the event loop's: sockets to Telegram, to vendors, to the
    database thread. uvloop runs the same asyncio API in C, several times cheaper per
    callback; in a profile of the booking step the pure-Python loop and selector were
    about a seventh of the bot's CPU.
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or ("run" if is_configured() else "demo")
    if command != "run":
        settle_heap()
    try:
        if command == "run":
            return _run()
        if command == "sandbox":
            from bot.sandbox.world import serve_sandbox

            setup_logging("WARNING")
            return run_loop(serve_sandbox(args.host))
        from bot.sandbox.demo import run_demo

        return run_loop(
            run_demo(data_dir=getattr(args, "data", "demo-data"),
                     language=getattr(args, "language", None),
                     fresh=getattr(args, "fresh", False))
        )
    except KeyboardInterrupt:
        return 130


def _run() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        settle_heap()
        print(exc, file=sys.stderr)
        return 2
    setup_logging(settings.log_level)
    from bot.app.runner import run_bot

    settle_heap()
    run_loop(run_bot(settings))
    return 0
