"""How long from a desk calling someone to that person's phone ringing on Telegram.

    .venv/bin/python tests/benchmarks/queue_notice_delay.py [--calls 100] [--poll-min 5]

Four runs, each in a fresh local world with ``--calls`` people waiting in
Paris (they joined through the conversation), and as many calls:

* staff ``/next`` in the bot, with the vendor's callback, and with polling only;
* a desk device calling at the vendor (not through the bot), with the
  callback, and with polling only (QUEUE_POLL_MIN_SECONDS = ``--poll-min``).

Calls come every ``--spacing`` seconds (staff at Guichet 1; desk devices
at Paris's two desks in turn); the delay is from the call to the "it's your turn" message
arriving at the (fake) Telegram server. Prints p50 / p99 / max per run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _queue_world import (  # noqa: E402
    STAFF_ID,
    STORE_NAMES,
    Bench,
    NoticeMonitor,
    bench_world,
    bot_running,
    join_paris,
    percentile,
)

from bot.vendors.filevirtuelle import simulator_data as data  # noqa: E402

DESKS = (data.PARIS_DESK_1, data.PARIS_DESK_2)


async def fill(bench: Bench, people: int) -> None:
    limit = asyncio.Semaphore(10)

    async def one(uid: int) -> None:
        async with limit:
            await join_paris(bench, uid)

    await asyncio.gather(*(one(20_000 + n) for n in range(people)))


async def staff_call(bench: Bench, staff, monitor: NoticeMonitor, first: bool) -> None:  # type: ignore[no-untyped-def]
    """/next from the staff chat; the first time picks Paris and Guichet 1."""
    has = lambda prefix: lambda m: any(d and d.startswith(prefix) for row in m.callback_data for d in row)  # noqa: E731
    before = {c for c, doc in bench.sim.queues.customers.items() if doc["called"]}
    if first:
        staff.send_command("/next")
        sites = await staff.wait_screen(has("st:s:"), timeout=30)
        staff.press(STORE_NAMES[data.PARIS], message_id=sites.message_id)
        desks = await staff.wait_screen(has("st:d:"), timeout=30)
        at = time.monotonic()
        staff.press("Guichet 1", message_id=desks.message_id)
    else:
        at = time.monotonic()
        staff.send_command("/next")
    await staff.wait_screen(has("st:next"), timeout=30)
    for cid, doc in bench.sim.queues.customers.items():
        if doc["called"] and cid not in before:
            monitor.called(cid, at)


async def run(name: str, *, via_bot: bool, callbacks: bool, calls: int, poll_min: float,
              spacing: float) -> None:
    async with bench_world(callbacks=callbacks, poll_min=poll_min) as bench, bot_running(bench):
        await fill(bench, calls)
        monitor = NoticeMonitor(bench)
        monitor.start()
        staff = bench.world.telegram.user(STAFF_ID, first_name="Staff")
        loop = asyncio.get_running_loop()
        started = loop.time()
        for n in range(calls):
            await asyncio.sleep(max(0.0, started + n * spacing - loop.time()))
            if via_bot:
                await staff_call(bench, staff, monitor, first=n == 0)
            else:
                desk = DESKS[n % 2]
                at = time.monotonic()
                entity = bench.sim.queues.next({"desk": desk, "suborganization": data.PARIS})["entity"]
                if entity is not None:
                    monitor.called(entity["_id"], at)
        deadline = loop.time() + 3 * poll_min + 30
        while monitor.missing() and loop.time() < deadline:
            await asyncio.sleep(0.1)
        await monitor.stop()
        delays = monitor.delays()
        print(f"{name:<42} calls={len(monitor.called_at):>4} notified={len(delays):>4} "
              f"p50={percentile(delays, 50) * 1000:8.1f} ms  p99={percentile(delays, 99) * 1000:8.1f} ms  "
              f"max={max(delays, default=float('nan')) * 1000:8.1f} ms  duplicates={monitor.duplicates()} "
              f"429s={bench.sim.rate_limited}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--poll-min", type=float, default=5.0, help="QUEUE_POLL_MIN_SECONDS")
    parser.add_argument("--spacing", type=float, default=0.5, help="seconds between calls")
    args = parser.parse_args()
    print(f"{args.calls} calls per run, one every {args.spacing} s; "
          f"QUEUE_POLL_MIN_SECONDS={args.poll_min}", flush=True)
    for via_bot in (True, False):
        for callbacks in (True, False):
            who = "staff /next in the bot" if via_bot else "desk at the vendor"
            how = "with callback" if callbacks else "polling only"
            await run(f"{who}, {how}", via_bot=via_bot, callbacks=callbacks, calls=args.calls,
                      poll_min=args.poll_min, spacing=args.spacing)


if __name__ == "__main__":
    asyncio.run(main())
