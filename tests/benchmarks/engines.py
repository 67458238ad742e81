"""The booking step on SQLite and on PostgreSQL, side by side, in one run.

    .venv/bin/python tests/benchmarks/engines.py [--full] [--users 50]

Same load generator for both: the bot as a child process against the fake Bot
API (no flood limits, TELEGRAM_RATE_LIMIT=off), users on the ufirst day screen,
closed loop (each user presses a day, which asks the vendor for that day's
slots, waits for the answer, presses Back, waits, ...). Each engine gets a fresh
database: a new SQLite file, or a uniquely named PostgreSQL database (created on
``TEST_POSTGRES_URL``, default the local PostgreSQL 15, and dropped after).

The machine these run on is shared and noisy, so the engines alternate (with
``--full``, several rounds each) and the load average is printed beside the
figures: compare the two columns of one run, not runs of different days.
Prints throughput, p50/p99 and bot CPU per update for each engine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))  # for tests.storage

from _load import Bench, Figures, bench_world, closed_loop, day_or_back, measure, running, set_up  # noqa: E402
from overhead import closed_loop_from  # noqa: E402

from tests.storage.engines import postgres_database  # noqa: E402


@contextlib.asynccontextmanager
async def fresh_database(bench: Bench, engine: str, tag: str) -> AsyncIterator[str]:
    """A ``DATABASE_URL`` naming an empty database of ``engine``, removed afterwards."""
    if engine == "sqlite":
        yield str(bench.folder / f"engines-{tag}.sqlite3")
        return
    async with postgres_database() as url:
        yield url


async def booking_steps(bench: Bench, engine: str, round_no: int, users: int,
                        per_user: int) -> Figures:
    """One fresh database, one bot process, ``users`` in a closed loop."""
    first = 1_000_000 * (1 + round_no) + (0 if engine == "sqlite" else 500_000)
    async with fresh_database(bench, engine, f"{round_no}") as url, \
            running(bench, "bot", TELEGRAM_RATE_LIMIT="off", DATABASE_URL=url) as bot:
        uids = [first + k for k in range(users)]
        screens = await set_up(bench, uids)
        people = [bench.user(uid) for uid in uids]
        action = day_or_back(screens)
        # Warm-up, not measured: every user once, every other user twice, so the
        # measured steps are half days (vendor asked) and half Backs at any time.
        await measure(bench, bot, "warm-up", closed_loop(bench, people, 1, action))
        await measure(bench, bot, "warm-up",
                      closed_loop(bench, people[1::2], 1, lambda u, n: action(u, 1)))
        done = {u.id: 1 + i % 2 for i, u in enumerate(people)}
        return await measure(bench, bot, f"{engine} booking step closed {users}u",
                             closed_loop_from(bench, people, per_user, action, done))


def merged(label: str, rounds: list[Figures]) -> Figures:
    return Figures(label, [x for f in rounds for x in f.latencies],
                   sum(f.missing for f in rounds), sum(f.seconds for f in rounds),
                   sum(f.cpu for f in rounds), sum(f.vendor_ms for f in rounds))


def table(results: dict[str, Figures]) -> None:
    engines = list(results)
    rows = [("updates", lambda f: f"{f.updates}"),
            ("throughput (upd/s)", lambda f: f"{f.updates / f.seconds:.1f}"),
            ("p50 (ms)", lambda f: f"{f.p(50):.1f}"),
            ("p99 (ms)", lambda f: f"{f.p(99):.1f}"),
            ("bot CPU per update (ms)", lambda f: f"{f.cpu_ms:.2f}"),
            ("unanswered", lambda f: f"{f.missing}")]
    print(f"{'':<26}" + "".join(f"{e:>14}" for e in engines))
    for name, value in rows:
        print(f"{name:<26}" + "".join(f"{value(results[e]):>14}" for e in engines))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="more steps and rounds")
    parser.add_argument("--users", type=int, default=50, help="concurrent users")
    args = parser.parse_args()
    per_user, rounds = (20, 3) if args.full else (4, 1)
    engines = ("sqlite", "postgresql")
    print(f"booking step, closed loop, {args.users} users x {per_user} steps, "
          f"{rounds} round(s) per engine, engines alternating; "
          f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    results: dict[str, list[Figures]] = {e: [] for e in engines}
    async with bench_world() as bench:
        for round_no in range(rounds):
            order = engines if round_no % 2 == 0 else engines[::-1]
            for engine in order:
                figures = await booking_steps(bench, engine, round_no, args.users, per_user)
                print(figures.line(), flush=True)
                results[engine].append(figures)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} CPUs)")
    table({e: merged(e, rs) for e, rs in results.items()})


if __name__ == "__main__":
    asyncio.run(main())
