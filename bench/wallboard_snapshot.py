"""The wallboard's snapshot cost: what the engine does once a second for every open wallboard
(runtime/wallboard.py) over a day's calls, the way it did before (reload today's queued calls and
wrap-ups, acd.figures.load_since, then the queues' figures, the 15-minute trend) and the way it
does now (the figures kept as calls change, acd.live_figures: loaded once, then read), each with
one viewer's totals and agents by state. And what keeping them costs the event loop per call: a
recorded call's AMI events (tests/unit/transcripts/fallback_call.ami) through the tracker, its
deltas and an agent's four transitions (wrap-up included) handed to the figures, as the call
log and the journal hand them. SQLite (the embedded default) or PostgreSQL (--url)."""
import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from acd.board import agents_counted, interval_starts, summed, totals, trend  # noqa: E402
from acd.figures import load_since, queue_figures, start_of_today  # noqa: E402
from acd.live_figures import LiveFigures  # noqa: E402
from acd.routing import QueuePolicy  # noqa: E402
from acd.tracker import CallDelta, CallTracker  # noqa: E402
from asterisk.ami_protocol import AmiParser  # noqa: E402
from asterisk.events import to_event  # noqa: E402
from migrations import runner  # noqa: E402
from models import (  # noqa: E402
    AgentTransition,
    Call,
    CallDirection,
    CallOutcome,
    make_engine,
    make_sessionmaker,
)

QUEUES = [f"{b}-{t}" for b in ("HQ", "BJ", "SH", "GZ", "CD") for t in ("order", "query",
                                                                         "complaint", "operator")]
TRANSCRIPT = ROOT / "tests/unit/transcripts/fallback_call.ami"
AGENTS = [{"state": "available"}] * 200


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


async def reloaded(sessions, policies) -> list[dict]:
    """The snapshot as it was: every call of today read again."""
    midnight = start_of_today()
    calls, _ = await load_since(sessions, "local", midnight)
    queues = [asdict(q) for q in queue_figures(policies, calls, [], 0.0)]
    starts = interval_starts(midnight, midnight.now().astimezone())
    per_queue = trend(calls, starts)
    totals(queues)
    agents_counted(AGENTS)
    summed(per_queue, QUEUES, len(starts))
    return queues


def kept(figures: LiveFigures, policies) -> list[dict]:
    """The snapshot now: the kept figures read."""
    midnight = figures.day_start()
    queues = [asdict(q) for q in figures.queues(policies, [], 0.0)]
    figures.handled_today()
    starts = interval_starts(midnight, datetime.now().astimezone())
    per_queue = figures.trend(starts)
    totals(queues)
    agents_counted(AGENTS)
    summed(per_queue, QUEUES, len(starts))
    return queues


def timed(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered), 3),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
            "max_ms": round(ordered[-1], 3)}


async def snapshots(snapshot, runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await snapshot()
        times.append((time.perf_counter() - started) * 1000)
    return timed(times)


def recorded_calls(count: int) -> list[tuple[list[CallDelta], list[AgentTransition]]]:
    """Per call: the deltas the tracker makes of the recorded call's events (under a linkedid
    of its own), and an agent's transitions through the call and its wrap-up."""
    raw = TRANSCRIPT.read_bytes()
    template = [m for m in raw.split(b"\r\n\r\n") if b"Event:" in m]
    tracker, parser = CallTracker(), AmiParser()
    parser.feed(b"Asterisk Call Manager/11.0.0\r\n")
    now = datetime.now(UTC)
    out = []
    for n in range(1, count + 1):
        linkedid = f"1795335568.{n}"
        deltas = []
        for m in template:
            for message in parser.feed(m.replace(b"1795335568.0", linkedid.encode())
                                       + b"\r\n\r\n"):
                deltas.extend(tracker.feed(to_event(message, "local")))
        states = ("available", "reserved", "on_call", "wrap_up", "available")
        transitions = [AgentTransition(agent_id=1, at=now + timedelta(seconds=i),
                                       from_state=a, to_state=b, event="x",
                                       call_linkedid=linkedid)
                       for i, (a, b) in enumerate(zip(states, states[1:]))]
        out.append((deltas, transitions))
    return out


def per_call_cost(figures: LiveFigures, calls: int) -> dict[str, float]:
    """The event loop's CPU for the figures' part of each call, in microseconds."""
    recorded = recorded_calls(calls)
    times = []
    for deltas, transitions in recorded:
        started = time.thread_time()
        for d in deltas:  # as the dispatcher submits them: one event's deltas at a time
            figures.calls_changed([d])
        for t in transitions:
            figures.journaled(t)
        times.append((time.thread_time() - started) * 1e6)
    deltas_per_call = sum(len(d) for d, _ in recorded) / calls
    return {"median_us": round(statistics.median(times), 1),
            "mean_us": round(statistics.fmean(times), 1),
            "deltas_per_call": round(deltas_per_call, 1)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url")
    parser.add_argument("--calls", type=int, nargs="+", default=[2000, 10000, 40000, 100000])
    parser.add_argument("--runs", type=int, default=15, help="snapshots the old way")
    parser.add_argument("--kept-runs", type=int, default=300, help="snapshots the new way")
    parser.add_argument("--per-call", type=int, default=2000, help="calls timed one by one")
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
            before = await snapshots(lambda: reloaded(sessions, policies), args.runs)
            figures = LiveFigures("local", lambda: policies)
            started = time.perf_counter()
            await figures.load(sessions)
            load_ms = (time.perf_counter() - started) * 1000
            assert kept(figures, policies) == await reloaded(sessions, policies)

            async def kept_snapshot(figures=figures):
                kept(figures, policies)
            after = await snapshots(kept_snapshot, args.kept_runs)
            tracemalloc.start()
            measured = LiveFigures("local", lambda: policies)
            await measured.load(sessions)
            held = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            del measured
            results.append({"calls_today": n, "reloaded": before, "kept": after,
                            "kept_load_ms": round(load_ms, 1),
                            "kept_memory_mb": round(held / 2**20, 1)})
            print(f"{n:>7} calls today: reloaded median {before['median_ms']} ms p95 "
                  f"{before['p95_ms']} ms; kept median {after['median_ms']} ms p95 "
                  f"{after['p95_ms']} ms (loaded once in {load_ms:.0f} ms, "
                  f"{held / 2**20:.1f} MB held)", flush=True)
        cost = per_call_cost(figures, args.per_call)
        print(f"keeping the figures: {cost['median_us']} µs of the event loop per call "
              f"(median; mean {cost['mean_us']} µs; {cost['deltas_per_call']} deltas and "
              f"4 transitions a call)")
        await engine.dispose()
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "wallboard_snapshot.json").write_text(json.dumps(
        {"backend": url.split(":", 1)[0], "sizes": results, "per_call": cost}, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
