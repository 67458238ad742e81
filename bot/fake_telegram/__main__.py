"""``python -m bot.fake_telegram``: run the fake on its own for a bot living in another process.

Drive it with the ``/_control`` API, e.g.
``curl -X POST 'http://127.0.0.1:8081/_control/users/42/command?command=/start'`` then
``curl 'http://127.0.0.1:8081/_control/users/42/next?timeout=5'``.
"""

from __future__ import annotations

import argparse
import asyncio

from .limits import FloodLimits
from .server import FakeTelegram


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.fake_telegram", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--bot", action="append", default=[], metavar="TOKEN=USERNAME",
                        help="register a bot (repeatable)")
    parser.add_argument("--auto-register", action="store_true",
                        help="accept any token instead of answering 401")
    parser.add_argument("--no-flood-limits", action="store_true")
    return parser


async def _serve(args: argparse.Namespace) -> None:
    limits = FloodLimits.disabled() if args.no_flood_limits else FloodLimits()
    fake = FakeTelegram(limits=limits, auto_register_tokens=args.auto_register)
    for spec in args.bot:
        token, _, username = spec.partition("=")
        fake.register_bot(token, username or "fake_bot")
    await fake.start(args.host, args.port)
    print(f"fake Telegram at {fake.base_url} (files: {fake.base_file_url}); Ctrl-C stops",
          flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


def main() -> None:
    try:
        asyncio.run(_serve(_parser().parse_args()))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
