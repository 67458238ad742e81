"""Memory with many stored users, and cold start to the first answer.

    .venv/bin/python tests/benchmarks/memory.py [--users 100000] [--conversations 1000]

One user walks a booking to the day screen through the bot, whose database
then gets ``--users`` stored users (each with the user data a first /help
leaves) of whom ``--conversations`` are in the middle of that booking (copies
of the walked user's conversation and draft). Then, with a /help already
waiting on the fake Telegram, the bot is started and timed from process start
to that answer, ``--starts`` times alternating with the echo bot (which stores
nothing), and the medians are compared: one start of either varies by a third
with what else the machine does. RSS is read at the first answer of the last
start and after ``--touch`` stored users sent /help.
The bot's sources are compiled first, as an installed bot's (and the Docker
image's) are: with PYTHONDONTWRITEBYTECODE set, as on the shared machine, an
editable checkout would compile them from source at every start.
Targets of issue 10: RSS ≤ 150 MB, cold start ≤ 1.5× the echo bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import contextlib
import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _load import Bench, Child, bench_world, open_days, running, spawn  # noqa: E402

from bot.storage import SecretBox  # noqa: E402

FIRST_UID = 1_000_000
TEMPLATE_UID = 999


def seed(database: Path, secret_key: str, template: int, users: int, conversations: int) -> None:
    """Copy ``template``'s rows to ``users`` new users (its booking conversation to
    the first ``conversations`` of them), in one transaction. User data is stored
    encrypted and bound to its row, as the bot writes it."""
    box = SecretBox(secret_key)
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        user_row = db.execute("SELECT language, role, blocked_bot, created_at, seen_at FROM users"
                              " WHERE telegram_id = ?", (template,)).fetchone()
        data = json.loads(box.decrypt(db.execute("SELECT data FROM ptb_user_data WHERE user_id = ?",
                                                 (template,)).fetchone()[0],
                                      context=f"ptb:user:{template}"))
        convs = [(name, json.loads(key), state) for name, key, state in
                 db.execute("SELECT name, key, state FROM ptb_conversations").fetchall()
                 if template in json.loads(key)]
        plain = {k: v for k, v in data.items() if k == "lang"}
        db.executemany("INSERT INTO users (telegram_id, language, role, blocked_bot, created_at,"
                       " seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                       ((FIRST_UID + n, *user_row) for n in range(users)))
        db.executemany("INSERT INTO ptb_user_data (user_id, data) VALUES (?, ?)",
                       ((FIRST_UID + n, box.encrypt(json.dumps(data if n < conversations else plain),
                                                    context=f"ptb:user:{FIRST_UID + n}"))
                        for n in range(users)))
        db.executemany("INSERT INTO ptb_conversations (name, key, state) VALUES (?, ?, ?)",
                       ((name, json.dumps([FIRST_UID + n if part == template else part
                                           for part in key]), state)
                        for n in range(conversations) for name, key, state in convs))


async def cold_start(bench: Bench, kind: str, uid: int, **extra: str) -> tuple[Child, float]:
    """Start ``kind`` with a /help from ``uid`` waiting; seconds to its answer."""
    user = bench.user(uid)
    before = bench.replies.count(uid)
    user.send_command("/help")
    started = time.monotonic()
    child = await spawn(bench, kind, wait_polling=False, **extra)
    arrived = await bench.replies.nth(uid, before, 120)
    if arrived is None:
        await child.stop()
        raise TimeoutError(f"{kind} did not answer: {child.log.read_text()[-2000:]}")
    return child, arrived - started


async def touch(bench: Bench, uids: range) -> None:
    for uid in uids:
        await bench.act(bench.user(uid), lambda u, n: u.send_command("/help"), 0)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--conversations", type=int, default=1_000)
    parser.add_argument("--touch", type=int, default=200, help="stored users sending /help")
    parser.add_argument("--starts", type=int, default=7,
                        help="cold starts of each, alternating; the medians are compared")
    args = parser.parse_args()
    compileall.compile_dir(Path(__file__).resolve().parents[2] / "bot", quiet=1)
    async with bench_world() as bench:
        async with running(bench, "bot"):
            await open_days(bench, bench.user(TEMPLATE_UID))
        started = time.monotonic()
        seed(Path(bench.env["DATABASE_PATH"]), bench.env["BOT_SECRET_KEY"], TEMPLATE_UID,
             args.users, args.conversations)
        size = Path(bench.env["DATABASE_PATH"]).stat().st_size / 2**20
        print(f"stored {args.users} users, {args.conversations} open conversations "
              f"(database {size:.0f} MB, {time.monotonic() - started:.1f} s)", flush=True)
        starts: dict[str, list[float]] = {"echo": [], "bot": []}
        rss: dict[str, tuple[float, float, float]] = {}
        for run in range(args.starts):
            # Alternating which starts first, so a drift of the machine favours neither.
            for kind in ("echo", "bot") if run % 2 == 0 else ("bot", "echo"):
                child, seconds = await cold_start(bench, kind, FIRST_UID + args.users - 1 - run)
                try:
                    starts[kind].append(seconds)
                    if run >= args.starts - 2 and kind not in rss:  # the last start of each
                        at_start = child.rss_mb()
                        await touch(bench, range(FIRST_UID + args.conversations,
                                                 FIRST_UID + args.conversations + args.touch))
                        rss[kind] = (at_start, child.rss_mb(), child.rss_mb("VmHWM"))
                finally:
                    await child.stop()
            print(f"start {run + 1}: echo {starts['echo'][-1] * 1000:5.0f} ms, bot "
                  f"{starts['bot'][-1] * 1000:5.0f} ms (×{starts['bot'][-1] / starts['echo'][-1]:.2f})",
                  flush=True)
        for kind in ("echo", "bot"):
            at_start, after, peak = rss[kind]
            print(f"{kind:<5} cold start to first answer, median of {args.starts}: "
                  f"{statistics.median(starts[kind]) * 1000:5.0f} ms (min {min(starts[kind]) * 1000:.0f}, "
                  f"max {max(starts[kind]) * 1000:.0f})   RSS {at_start:6.1f} MB at first answer, "
                  f"{after:6.1f} MB after {args.touch} more users (peak {peak:6.1f} MB)", flush=True)
        bot_s, echo_s = statistics.median(starts["bot"]), statistics.median(starts["echo"])
        print(f"bot vs echo: cold start ×{bot_s / echo_s:.2f} (medians), RSS "
              f"×{rss['bot'][1] / rss['echo'][1]:.2f} (+{rss['bot'][1] - rss['echo'][1]:.1f} MB)",
              flush=True)

if __name__ == "__main__":
    asyncio.run(main())
