"""Soak: a tight FileVirtuelle budget, 200 people waiting, desks calling for minutes.

    .venv/bin/python tests/benchmarks/queue_soak.py [--minutes 3] [--people 200] [--max-hits 30]

The simulator allows ``--max-hits`` requests a minute (30: a tight key).
``--people`` tickets wait across Paris and Lyon, watched by the bot (they
joined earlier: seeded before the bot starts, so the soak is not spent
registering 200 people at 29 requests a minute); a few more join through
the conversation during the soak. Paris's two desk devices call at the
vendor every ``--desk-period`` seconds each (the vendor then posts its
callback), and a staff member at Lyon calls with /next in the bot every
``--staff-period`` seconds. At the end it checks: no 429 from the
simulator, every called person got exactly one "it's your turn" message,
nobody got a notice twice; and prints the request rate used and the worst
notice delay. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
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
    seed_tickets,
)

from bot.vendors.filevirtuelle import simulator_data as data  # noqa: E402


def has(prefix: str):  # type: ignore[no-untyped-def]
    return lambda m: any(d and d.startswith(prefix) for row in m.callback_data for d in row)


async def paris_desks(bench: Bench, monitor: NoticeMonitor, period: float, until: float) -> None:
    loop = asyncio.get_running_loop()
    desks = (data.PARIS_DESK_1, data.PARIS_DESK_2)
    n = 0
    while loop.time() < until:
        at = time.monotonic()
        entity = bench.sim.queues.next({"desk": desks[n % 2], "suborganization": data.PARIS})["entity"]
        if entity is not None:
            monitor.called(entity["_id"], at)
        n += 1
        await asyncio.sleep(period / 2)  # two desks, each every ``period``


async def lyon_staff(bench: Bench, monitor: NoticeMonitor, period: float, until: float) -> None:
    loop = asyncio.get_running_loop()
    staff = bench.world.telegram.user(STAFF_ID, first_name="Staff")
    first = True
    while loop.time() < until:
        before = {c for c, doc in bench.sim.queues.customers.items() if doc["called"]}
        if first:
            staff.send_command("/next")
            sites = await staff.wait_screen(has("st:s:"), timeout=60)
            staff.press(STORE_NAMES[data.LYON], message_id=sites.message_id)
            desks = await staff.wait_screen(has("st:d:"), timeout=60)
            at = time.monotonic()
            staff.press("Guichet A", message_id=desks.message_id)
            first = False
        else:
            at = time.monotonic()
            staff.send_command("/next")
        answer = await staff.wait_screen(lambda m: has("st:next")(m) or "busy" in (m.text or ""), timeout=60)
        if "busy" in (answer.text or ""):
            print(f"  staff /next refused by the budget: {answer.text!r}", flush=True)
        for cid, doc in bench.sim.queues.customers.items():
            if doc["called"] and cid not in before:
                monitor.called(cid, at)
        await asyncio.sleep(period)


async def joiners(bench: Bench, count: int, spacing: float) -> None:
    for n in range(count):
        await asyncio.sleep(spacing)
        await join_paris(bench, 30_000 + n)


async def soak(args: argparse.Namespace) -> int:
    async with bench_world(callbacks=True, poll_min=args.poll_min, max_hits=args.max_hits) as bench:
        half = args.people // 2
        await seed_tickets(bench, {data.PARIS: args.people - half, data.LYON: half})
        monitor = NoticeMonitor(bench)
        async with bot_running(bench):
            loop = asyncio.get_running_loop()
            started = loop.time()
            seeded = list(bench.users.values())
            await bench.world.telegram.wait_until(
                lambda: all(any(has("tk:refresh:")(m) for m in u.bot_messages()) for u in seeded), timeout=120)
            print(f"{len(seeded)} cards on screen after {loop.time() - started:.1f} s; "
                  f"soaking {args.minutes} min", flush=True)
            monitor.start()
            hits_before = dict(bench.sim.hits_per_minute())
            soak_start, wall_start = loop.time(), time.time()
            until = soak_start + args.minutes * 60
            await asyncio.gather(
                paris_desks(bench, monitor, args.desk_period, until),
                lyon_staff(bench, monitor, args.staff_period, until),
                joiners(bench, args.joins, args.minutes * 60 / (args.joins + 1)),
            )
            soak_end = loop.time()
            drain = loop.time() + 60
            while monitor.missing() and loop.time() < drain:
                await asyncio.sleep(0.2)
            await monitor.stop()
        return report(bench, monitor, hits_before, wall_start, soak_end - soak_start)


def report(bench: Bench, monitor: NoticeMonitor, hits_before: dict[int, int], wall_start: float,
           seconds: float) -> int:
    sim = bench.sim
    minutes = {m: n - hits_before.get(m, 0) for m, n in sim.hits_per_minute().items()
               if m >= int(wall_start // 60)}
    requests = [e for e in sim.log if e.status != 429]
    kinds = Counter(f"{e.method} {e.target.split('?')[0].split('/')[4]}" for e in requests)
    delays = monitor.delays()
    missing, duplicates = monitor.missing(), monitor.duplicates()
    total = sum(minutes.values())
    print(f"simulator 429 answers: {sim.rate_limited}")
    print(f"requests during the soak: {total} in {seconds / 60:.1f} min = {total / (seconds / 60):.1f}/min "
          f"(max_hits {sim.max_hits}); busiest calendar minute: {max(minutes.values(), default=0)}")
    print(f"requests by kind (whole run): {dict(kinds.most_common())}")
    print(f"called: {len(monitor.called_at)}, notified: {len(delays)}, missing: {len(missing)}, "
          f"people with a notice twice: {duplicates}")
    print(f"notice delay: p50 {percentile(delays, 50):.2f} s, p99 {percentile(delays, 99):.2f} s, "
          f"worst {max(delays, default=float('nan')):.2f} s")
    worst = sorted(((monitor.notified_at[c] - t, c) for c, t in monitor.called_at.items()
                    if c in monitor.notified_at), reverse=True)[:3]
    for delay, cid in worst:
        doc = sim.queues.customers.get(cid, {})
        store = STORE_NAMES.get(doc.get("suborganization", ""), "?")
        print(f"  slow: {delay:.2f} s at {store}, ticket {doc.get('ticket')}, desk {doc.get('desk')}")
    ok = sim.rate_limited == 0 and not missing and duplicates == 0 and delays
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--max-hits", type=int, default=30)
    parser.add_argument("--desk-period", type=float, default=4.0, help="seconds between calls of each Paris desk")
    parser.add_argument("--staff-period", type=float, default=12.0, help="seconds between /next at Lyon")
    parser.add_argument("--joins", type=int, default=4, help="people joining through the chat meanwhile")
    parser.add_argument("--poll-min", type=float, default=5.0, help="QUEUE_POLL_MIN_SECONDS")
    return asyncio.run(soak(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
