"""Does one slow vendor or one chatty user make everybody else wait?

    .venv/bin/python tests/benchmarks/isolation.py [--full]

The bot runs as configured for production (its outgoing limiter on) against
a fake Telegram with Telegram's flood limits. ``--others`` users send /help
at ``--rate`` per second in all (open loop) for ``--seconds``, three times:

* undisturbed;
* while ``--hung`` users are on a booking step whose vendor call hangs (the
  ufirst simulator holds its answers until the phase ends; their steps end
  before the next phase begins);
* while one user floods the bot: ``--burst`` /help at once, then 2 a second.

Prints the others' p50/p99 each time and the ratio to the undisturbed figure
(target of issue 10: ≤ 1.5×). Answers later than ``--patience`` seconds
count as missing.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _load import (  # noqa: E402
    Bench,
    Child,
    Figures,
    bench_world,
    day_or_back,
    measure,
    ratio,
    running,
    set_up,
)

from bot.fake_telegram import FakeUser  # noqa: E402

_SLOW_PRESS = re.compile(r"kind=callback user=\S+ ms=(\d+)")


def others_load(bench: Bench, others: list[FakeUser], rate: float, seconds: float,
                patience: float):  # type: ignore[no-untyped-def]
    count = int(rate * seconds)

    async def one(k: int, at: float) -> float | None:
        await asyncio.sleep(max(0.0, at - asyncio.get_running_loop().time()))
        user = others[k % len(others)]
        return await bench.act(user, lambda u, n: u.send_command("/help"), 0, timeout=patience)

    async def run() -> list[float | None]:
        start = asyncio.get_running_loop().time() + 0.05
        return list(await asyncio.gather(*(one(k, start + k / rate) for k in range(count))))

    return run


async def undisturbed(bench: Bench, bot: Child, others: list[FakeUser], args) -> Figures:  # type: ignore[no-untyped-def]
    return await measure(bench, bot, "others' /help, undisturbed",
                         others_load(bench, others, args.rate, args.seconds, args.patience))


async def vendor_hanging(bench: Bench, bot: Child, others: list[FakeUser], args) -> Figures:  # type: ignore[no-untyped-def]
    screens = await set_up(bench, [500_000 + k for k in range(args.hung)])
    gate = bench.world.simulators["ufirst"].hold_responses("/points/", method="GET")
    press = day_or_back(screens)
    log_from = bot.log_size()
    for uid in screens:
        press(bench.user(uid), 0)
    release = asyncio.get_running_loop().call_later(args.seconds, gate.set)
    try:
        return await measure(bench, bot, f"others' /help, {args.hung} on a hung vendor",
                             others_load(bench, others, args.rate, args.seconds, args.patience))
    finally:
        release.cancel()
        gate.set()
        await hung_steps_over(bot, log_from, args.hung)


async def hung_steps_over(bot: Child, log_from: int, hung: int, timeout: float = 60) -> None:
    """Until the bot has logged the end of the ``hung`` steps (each took seconds: the
    vendor's timeout or the gate), so the next phase measures its own disturbance only."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        ends = _SLOW_PRESS.findall(bot.log_since(log_from))
        if sum(1 for ms in ends if int(ms) >= 5000) >= hung:
            return
        await asyncio.sleep(0.05)  # the bot's log file: nothing to wait on
    print(f"(the {hung} hung steps had not all ended after {timeout:g} s)", flush=True)


async def flooding(bench: Bench, bot: Child, others: list[FakeUser], args) -> Figures:  # type: ignore[no-untyped-def]
    flooder = bench.user(600_000)
    for _ in range(args.burst):
        flooder.send_command("/help")

    async def keep_flooding() -> None:
        while True:
            await asyncio.sleep(0.5)
            flooder.send_command("/help")

    task = asyncio.create_task(keep_flooding())
    try:
        return await measure(bench, bot, "others' /help, one user flooding",
                             others_load(bench, others, args.rate, args.seconds, args.patience))
    finally:
        task.cancel()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="longer phases, more users")
    parser.add_argument("--others", type=int, default=20)
    parser.add_argument("--rate", type=float, default=5.0, help="others' /help per second")
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--hung", type=int, default=3, help="users waiting on the hung vendor")
    parser.add_argument("--burst", type=int, default=60, help="the flooder's first burst")
    parser.add_argument("--patience", type=float, default=45.0)
    args = parser.parse_args()
    if args.full:
        args.others, args.seconds, args.burst, args.patience = 100, 30.0, 200, 240.0
    print(f"{args.others} others, {args.rate:g} /help per second for {args.seconds:g} s "
          f"per phase; answers after {args.patience:g} s count as missing", flush=True)
    async with bench_world(flood_limits=True) as bench:
        others = [bench.user(400_000 + k) for k in range(args.others)]
        async with running(bench, "bot") as bot:
            for user in others:  # first sight of each user, before measuring
                await bench.act(user, lambda u, n: u.send_command("/help"), 0)
            base = await undisturbed(bench, bot, others, args)
            print(base.line(), flush=True)
            for scenario in (vendor_hanging, flooding):
                figures = await scenario(bench, bot, others, args)
                print(figures.line(), flush=True)
                print(f"{'':<34}   vs undisturbed: p50 {ratio(figures.p(50), base.p(50))}  "
                      f"p99 {ratio(figures.p(99), base.p(99))}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
