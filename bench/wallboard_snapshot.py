"""The wallboard's snapshot cost: what the engine does once a second for every open wallboard
(runtime/wallboard.py) over a day's calls: load today's queued calls and wrap-ups
(acd.figures.load_since), the queues' figures and colours, the 15-minute trend, and one viewer's
totals and agents by state. SQLite (the embedded default) or PostgreSQL (--url)."""
import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from acd.board import agents_counted, interval_starts, summed, totals, trend
from acd.figures import load_since, queue_figures, start_of_today
from acd.routing import QueuePolicy
from migrations import runner
from models import Call, CallDirection, CallOutcome, make_engine, make_sessionmaker

QUEUES = [f"{b}-{t}" for b in ("HQ", "BJ", "SH", "GZ", "CD") for t in ("order", "query",
                                                                         "complaint", "operator")]


async def fill(sessions, first: int, calls: int, now) -> None:
    midnight = start_of_today()
    span = (now - midnight).total_seconds()
    rng = random.Random(first)
    rows = []
    for i in range(first, first + calls):
        queued = midnight + timedelta(seconds=rng.uniform(0, span - 600))
        answered = rng.random() < 0.9
        wait = rng.expovariate(1 / 15)
        rows.append(Call(
            linkedid=f"b{i}", uniqueid=f"b{i}", direction=CallDirection.INBOUND,
            queue=rng.choice(QUEUES), offered_at=queued, queued_at=queued,
            connected_at=queued + timedelta(seconds=wait) if answered else None,
            ended_at=queued + timedelta(seconds=wait + rng.uniform(30, 300)),
            outcome=CallOutcome.COMPLETED if answered else CallOutcome.ABANDONED))
    async with sessions() as s, s.begin():
        s.add_all(rows)


async def snapshot(sessions, policies) -> None:
    midnight = start_of_today()
    calls, _ = await load_since(sessions, "local", midnight)
    queues = [asdict(q) for q in queue_figures(policies, calls, [], 0.0)]
    starts = interval_starts(midnight, midnight.now().astimezone())
    per_queue = trend(calls, starts)
    totals(queues)
    agents_counted([{"state": "available"}] * 200)
    summed(per_queue, QUEUES, len(starts))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url")
    parser.add_argument("--calls", type=int, nargs="+", default=[2000, 10000, 40000])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    policies = {q: QueuePolicy(q, q.split("-")[0], q.split("-")[1]) for q in QUEUES}
    now = start_of_today().now().astimezone()
    if (now - start_of_today()) < timedelta(hours=1):
        print("run this after 01:00: the calls are spread over today so far")
    results = []
    with tempfile.TemporaryDirectory() as work:
        url = args.url or f"sqlite+aiosqlite:///{Path(work) / 'hotline.db'}"
        await runner.upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        filled = 0
        for n in sorted(args.calls):
            await fill(sessions, filled, n - filled, now)
            filled = n
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                await snapshot(sessions, policies)
                times.append((time.perf_counter() - started) * 1000)
            results.append({"calls_today": n, "median_ms": round(statistics.median(times), 1),
                            "max_ms": round(max(times), 1)})
            print(f"{n:>7} calls today: snapshot median {results[-1]['median_ms']} ms, "
                  f"max {results[-1]['max_ms']} ms")
        await engine.dispose()
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "wallboard_snapshot.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
