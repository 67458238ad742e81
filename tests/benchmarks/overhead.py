"""Per-update cost of the bot against a bare python-telegram-bot echo bot.

    .venv/bin/python tests/benchmarks/overhead.py [--full] [--rate 25]

Both run as child processes against the same fake Bot API (no flood limits,
the bot's outgoing limiter off: TELEGRAM_RATE_LIMIT=off), in the same run,
at 50 and 500 concurrent users:

* closed loop: every user sends, waits for the answer, sends again;
* open loop: ``--rate`` updates per second whatever the answers, users in turn
  (latency counts from the scheduled time).

Loads: the echo bot answering "/help"; the bot answering /help; the bot's
booking step (on the ufirst day screen a day is pressed, which asks the vendor
for its slots, then Back, which shows the open days again; half the users are
on each at any time. The vendor simulator runs in this process, so the bot's
CPU excludes it; ``vendor=`` is the wait the bot's own log reports). Prints p50/p99, bot
CPU per update (from /proc) and the ratios to the echo bot.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _load import (  # noqa: E402
    Bench,
    Figures,
    bench_world,
    closed_loop,
    day_or_back,
    measure,
    open_loop,
    ratio,
    running,
    send_help,
    set_up,
)


async def load(bench: Bench, child, label: str, users: int, per_user: int, rate: float,  # type: ignore[no-untyped-def]
               seconds: float, action, first_uid: int) -> list[Figures]:
    people = [bench.user(first_uid + n) for n in range(users)]
    # Warm-up, not measured: every user once (first sight writes the user; imports,
    # caches), every other user twice, so that a repeating step (day, Back, day...)
    # is half days and half Backs in any slice of the users.
    await measure(bench, child, "warm-up", closed_loop(bench, people, 1, action))
    odd = people[1::2]
    await measure(bench, child, "warm-up", closed_loop(bench, odd, 1, lambda u, n: action(u, 1)))
    done = {u.id: 1 + i % 2 for i, u in enumerate(people)}
    closed = await measure(bench, child, f"{label} closed {users}u",
                           closed_loop_from(bench, people, per_user, action, done))
    opened = await measure(bench, child, f"{label} open {rate:g}/s {users}u",
                           open_loop(bench, people, rate, int(rate * seconds), action, done))
    return [closed, opened]


def closed_loop_from(bench: Bench, people, per_user, action, done):  # type: ignore[no-untyped-def]
    """A closed loop whose action counter continues from ``done`` (day/back parity)."""
    def shifted(user, n):  # type: ignore[no-untyped-def]
        return action(user, n + done[user.id])

    run = closed_loop(bench, people, per_user, shifted)

    async def go():  # type: ignore[no-untyped-def]
        results = await run()
        for user in people:
            done[user.id] += per_user
        return results

    return go


def report(echo: list[Figures], others: list[tuple[str, list[Figures]]]) -> None:
    for figures in echo:
        print(figures.line(), flush=True)
    for _, rows in others:
        for mine, ref in zip(rows, echo, strict=True):
            print(mine.line(), flush=True)
            print(f"{'':<34}   vs echo: p50 {ratio(mine.p(50), ref.p(50))}  "
                  f"p99 {ratio(mine.p(99), ref.p(99))}  cpu/upd {ratio(mine.cpu_ms, ref.cpu_ms)}",
                  flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="more messages per user")
    parser.add_argument("--rate", type=float, default=25.0, help="open-loop updates per second")
    parser.add_argument("--users", default="50,500", help="concurrent users per level")
    args = parser.parse_args()
    levels = [int(n) for n in args.users.split(",")]
    per_user = {50: 20 if args.full else 4, 500: 4 if args.full else 2}
    seconds = 30.0 if args.full else 10.0
    print(f"levels {levels}; closed loop {per_user} messages per user; open loop "
          f"{args.rate:g} updates/s for {seconds:g} s", flush=True)
    async with bench_world() as bench:
        for users in levels:
            n = per_user.get(users, 2)
            print(f"-- {users} users", flush=True)
            async with running(bench, "echo") as echo_bot:
                echo = await load(bench, echo_bot, "echo", users, n, args.rate, seconds,
                                  send_help, 100_000)
            async with running(bench, "bot", TELEGRAM_RATE_LIMIT="off") as bot:
                helps = await load(bench, bot, "bot /help", users, n, args.rate, seconds,
                                   send_help, 200_000 + users)
                uids = [300_000 + users * 10 + k for k in range(users)]
                screens = await set_up(bench, uids)
                booking = await load(bench, bot, "bot booking step", users, n, args.rate,
                                     seconds, day_or_back(screens), uids[0])
            report(echo, [("help", helps), ("booking", booking)])


if __name__ == "__main__":
    asyncio.run(main())
