"""The reports over a generated year of a 200-agent center, on SQLite and PostgreSQL.

    .venv/bin/python bench/reports.py [--backend sqlite|postgresql|both] [--calls 10000000]
        [--runs 20] [--live-seconds 60] [--rate 50]

- A year (365 days to 2026-11-30) of interval facts for 5 branches (HQ around the clock, the
  others 07:00-23:00), 5 business types (25 queues) and 200 agents (8-hour shifts), inserted
  directly: `--calls` inbound calls in all, as the roll-up would have counted them.
- One representative day (2026-11-18) of raw rows at the year's daily volume: calls with their
  events (holds, transfers and others), the agents' transitions, IVR steps.
- Figures: the queues report for a month by day (all branches, and one branch as its
  supervisor) and for the year by month, `--runs` times each (p50, p95); rebuilding the
  representative day from its raw rows (`hotline reports rebuild`'s function); and the engine's
  roll-up (runtime/report_rollup.py, in its own thread) while `--rate` calls a second end, for
  `--live-seconds`, after the current interval was filled at that rate: the roll-up thread's CPU
  per call, each roll's wall time, and the engine loop's lag (a 5 ms sleep's overshoot) with the
  roll-up running and without it.
PostgreSQL: a private database on 127.0.0.1:5432 (user postgres, trust auth), dropped at the
end. Writes bench/out/reports.json.
"""
import argparse
import asyncio
import gc
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from migrations import runner  # noqa: E402
from models import (  # noqa: E402
    Agent,
    AgentTransition,
    Branch,
    BusinessType,
    Call,
    CallEvent,
    IvrStep,
    Role,
    make_engine,
    make_sessionmaker,
    utcnow,
)
from models.reports import AgentInterval, QueueInterval  # noqa: E402
from runtime.report_rollup import ReportRollup  # noqa: E402
from services.principal import Principal  # noqa: E402
from services.reports.query import Grouping, ReportQuery  # noqa: E402
from services.reports.registry import REPORTS  # noqa: E402
from services.reports.rollup import interval_of, rebuild_day, sum_days  # noqa: E402

OUT = Path(__file__).parent / "out"
ZONE = ZoneInfo("Asia/Shanghai")
BRANCHES = ["HQ", "BJ", "SH", "GZ", "CD"]
TYPES = ["order", "complaint", "consultation", "logistics", "operator"]
LAST_DAY = date(2026, 11, 30)
DAYS = [LAST_DAY - timedelta(days=n) for n in range(364, -1, -1)]
RAW_DAY = date(2026, 11, 18)
HQ = Principal(user_id=1, username="ops", role=Role.OPS, branch_id=None,
               sees_all_branches=True, agent_id=None)
# the share of a branch's day in each local hour (07:00-23:00; HQ: a tenth of it at night)
HOURS = [0.1] * 7 + [3, 6, 9, 10, 9, 6, 5, 7, 9, 9, 8, 6, 4, 3, 2, 1] + [0.1]
HOURS = [h / sum(HOURS) for h in HOURS]


def pg_admin() -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": 5432, "user": "postgres", "database": "test"}


async def organisation(sessions) -> dict[str, Any]:
    async with sessions() as s, s.begin():
        branches = [Branch(code=c, name=c, is_headquarters=c == "HQ") for c in BRANCHES]
        types = [BusinessType(code=t, name_zh=t, name_en=t, menu_key=str(i))
                 for i, t in enumerate(TYPES)]
        s.add_all(branches + types)
        await s.flush()
        agents = [Agent(number=f"{7000 + n}", name=f"agent {n}",
                        branch_id=branches[n % len(branches)].id, sip_endpoint=f"agent-{n}",
                        pin_hash="x") for n in range(200)]
        s.add_all(agents)
        await s.flush()
        return {"branches": {b.code: b.id for b in branches},
                "agents": [(a.id, a.branch_id) for a in agents]}


def local_intervals(day: date, hq: bool) -> list[tuple[datetime, int, float]]:
    """(UTC start, local minute, share of the day) of a branch's open intervals."""
    out = []
    for quarter in range(96):
        hour = quarter // 4
        if not hq and not 7 <= hour < 23:
            continue
        local = datetime.combine(day, clock(hour, quarter % 4 * 15), ZONE)
        out.append((local.astimezone(UTC), quarter * 15, HOURS[hour] / 4))
    return out


def queue_facts(day: date, org: dict[str, Any], per_queue: float, rnd: random.Random
                ) -> list[dict[str, Any]]:
    rows = []
    for code, branch_id in org["branches"].items():
        for start, minute, share in local_intervals(day, code == "HQ"):
            for bt in TYPES:
                offered = max(1, round(per_queue * share * rnd.uniform(0.8, 1.2)))
                answered = round(offered * 0.9)
                ab_q = round(offered * 0.05)
                ab_ivr = offered - answered - ab_q
                rows.append({
                    "interval_start": start, "local_day": day, "local_minute": minute,
                    "branch_id": branch_id, "queue": f"{code}-{bt}", "business_type": bt,
                    "offered": offered, "answered": answered,
                    "answered_in_sl": round(answered * 0.82), "abandoned_ivr": ab_ivr,
                    "abandoned_queue": ab_q, "abandoned_10s": ab_ivr, "abandoned_30s": ab_q,
                    "abandoned_60s": 0, "abandoned_120s": 0, "abandoned_longer": 0,
                    "self_served": 0, "voicemails": 0, "other": 0,
                    "wait_answered_s": answered * 14.0, "wait_abandoned_s": ab_q * 40.0,
                    "talk_s": answered * 180.0, "hold_s": answered * 12.0,
                    "wrap_s": answered * 15.0, "transfers": answered // 20,
                    "callbacks_requested": 0, "callbacks_done": 0,
                    "survey_count": answered // 5, "survey_sum": answered // 5 * 4})
    return rows


def agent_facts(day: date, org: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for n, (agent_id, branch_id) in enumerate(org["agents"]):
        start = datetime.combine(day, clock(7 + n % 8), ZONE).astimezone(UTC)
        for q in range(32):
            at = start + timedelta(minutes=15 * q)
            local = at.astimezone(ZONE)
            rows.append({
                "agent_id": agent_id, "interval_start": at, "local_day": local.date(),
                "local_minute": local.hour * 60 + local.minute, "branch_id": branch_id,
                "logged_in_s": 900.0, "available_s": 200.0, "reserved_s": 5.0,
                "on_call_s": 560.0, "wrap_up_s": 75.0, "paused_s": 60.0,
                "session_lost_s": 0.0, "paused_break_s": 60.0, "paused_meal_s": 0.0,
                "paused_training_s": 0.0, "paused_meeting_s": 0.0,
                "paused_after_call_work_s": 0.0, "paused_login_s": 0.0,
                "paused_other_s": 0.0, "calls_handled": 3, "talk_s": 520.0, "hold_s": 40.0,
                "transfers": 0, "qa_count": 0, "qa_sum": 0.0, "survey_count": 1,
                "survey_sum": 4})
    return rows


async def bulk(sessions, table, rows: list[dict[str, Any]], chunk: int = 5000) -> None:
    async with sessions() as s, s.begin():
        for i in range(0, len(rows), chunk):
            await s.execute(insert(table), rows[i:i + chunk])


class RawCalls:
    """Calls that end as the engine would write them: the row, its events, the agent's
    transitions and the IVR steps."""

    def __init__(self, org: dict[str, Any], seed: int = 7) -> None:
        self.org, self.rnd, self.serial = org, random.Random(seed), 0
        self.codes = {bid: code for code, bid in org["branches"].items()}

    def batch(self, ends: list[datetime]) -> tuple[list, list, list, list]:
        calls, events, transitions, steps = [], [], [], []
        for ended in ends:
            self.serial += 1
            agent_id, branch_id = self.org["agents"][self.serial % 200]
            bt = TYPES[self.serial % 5]
            linkedid = f"bench.{uuid.uuid4().hex[:12]}"
            talk = self.rnd.randint(30, 400)
            connected = ended - timedelta(seconds=talk)
            queued = connected - timedelta(seconds=self.rnd.randint(0, 60))
            offered = queued - timedelta(seconds=20)
            answered = self.serial % 10 != 0
            calls.append({
                "linkedid": linkedid, "uniqueid": linkedid, "direction": "inbound",
                "branch_id": branch_id, "queue": f"{self.codes[branch_id]}-{bt}",
                "business_type": bt, "queued_at": queued, "offered_at": offered,
                "answered_at": offered, "agent_id": agent_id if answered else None,
                "connected_at": connected if answered else None, "ended_at": ended,
                "outcome": "completed" if answered else "abandoned", "last_step": "done"})
            kinds = ["Newchannel", "VarSet", "VarSet", "VarSet", "QueueCallerJoin",
                     "BridgeEnter", "Hangup"]
            if answered and self.serial % 3 == 0:
                kinds += ["Hold", "Resume"]
            events.append((linkedid, kinds, connected))
            if answered:
                for at, before, after in ((connected - timedelta(seconds=1), "available",
                                           "reserved"),
                                          (connected, "reserved", "on_call"),
                                          (ended, "on_call", "wrap_up"),
                                          (ended + timedelta(seconds=15), "wrap_up",
                                           "available")):
                    transitions.append({"agent_id": agent_id, "at": at, "from_state": before,
                                        "to_state": after, "event": "Bench",
                                        "call_linkedid": linkedid})
            steps += [{"pbx_server": "local", "linkedid": linkedid, "seq": i, "state": st,
                       "keys": "1", "result": "ok", "entered_at": offered + timedelta(
                           seconds=8 * i), "duration_ms": 8000}
                      for i, st in enumerate(("menu", "card"))]
        return calls, events, transitions, steps

    async def write(self, sessions, ends: list[datetime]) -> None:
        calls, events, transitions, steps = self.batch(ends)
        table = Call.__table__
        async with sessions() as s, s.begin():
            ids = {}
            for i in range(0, len(calls), 2000):
                for cid, linkedid in await s.execute(
                        insert(table).returning(table.c.id, table.c.linkedid),
                        calls[i:i + 2000]):
                    ids[linkedid] = cid
            rows = [{"call_id": ids[linkedid], "at": at + timedelta(milliseconds=k),
                     "kind": kind, "channel": None, "data": {}}
                    for linkedid, kinds, at in events for k, kind in enumerate(kinds)]
            for chunk in (rows, transitions, steps):
                model = (CallEvent if chunk is rows else AgentTransition
                         if chunk is transitions else IvrStep).__table__
                for i in range(0, len(chunk), 5000):
                    if chunk[i:i + 5000]:
                        await s.execute(insert(model), chunk[i:i + 5000])


def spread(day: date, count: int, rnd: random.Random) -> list[datetime]:
    """`count` call ends over a local day by the hourly profile."""
    ends = []
    for hour, share in enumerate(HOURS):
        start = datetime.combine(day, clock(hour), ZONE).astimezone(UTC)
        ends += [start + timedelta(seconds=rnd.uniform(0, 3599))
                 for _ in range(round(count * share))]
    return sorted(ends)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def timed_report(sessions, query: ReportQuery, principal: Principal, runs: int
                       ) -> dict[str, Any]:
    times, rows = [], 0
    for _ in range(runs):
        async with sessions() as s:
            t0 = time.perf_counter()
            table = await REPORTS["queues"](s, query, principal)
            times.append(time.perf_counter() - t0)
            rows = len(table.rows)
    return {"rows": rows, "p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(pct(times, 95) * 1000, 1)}


async def loop_lag(seconds: float, stop: asyncio.Event) -> list[float]:
    lags = []
    while not stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(0.005)
        lags.append(time.perf_counter() - t0 - 0.005)
    return lags


async def live(url: str, sessions, org: dict[str, Any], rate: int, seconds: float,
               with_rollup: bool) -> dict[str, Any]:
    """`rate` calls a second end for `seconds`, each written as it ends, the current interval
    filled first at that rate; the roll-up (when on) every minute as the engine runs it."""
    raw = RawCalls(org, seed=11 if with_rollup else 13)
    now = utcnow()
    since = interval_of(now)
    filled = int((now - since).total_seconds() * rate)
    rnd = random.Random(5)
    await raw.write(sessions, sorted(since + timedelta(seconds=rnd.uniform(
        0, (now - since).total_seconds())) for _ in range(filled)))
    rollup = ReportRollup(url)  # the engine's period
    stop = asyncio.Event()
    rolls: list[float] = []
    written = 0

    async def rolling() -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), rollup.period)
            except TimeoutError:
                t0 = time.perf_counter()
                await rollup.roll_now(loop, pool)
                rolls.append(time.perf_counter() - t0)

    async def writing() -> None:
        nonlocal written
        tick, start = 0.1, time.perf_counter()
        while time.perf_counter() - start < seconds:
            due = int((time.perf_counter() - start) * rate) - written
            if due > 0:
                now = utcnow()
                await raw.write(sessions, [now] * due)
                written += due
            await asyncio.sleep(tick)
        stop.set()

    pauses: dict[int, float] = {}  # the longest collection of each generation
    started: list[float] = []

    def collecting(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            took = time.perf_counter() - started.pop()
            pauses[info["generation"]] = max(pauses.get(info["generation"], 0.0), took)

    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(1)
    try:
        if with_rollup:  # the past rolled once: the marks, as a running engine has them
            await loop.run_in_executor(pool, rollup._roll)
            rollup.cpu_seconds = 0.0
        gc.collect()
        gc.freeze()  # as the engine does once started (runtime/engine.py)
        gc.callbacks.append(collecting)
        loop_cpu, process_cpu = time.thread_time(), time.process_time()
        async with asyncio.TaskGroup() as tg:
            lag = tg.create_task(loop_lag(seconds, stop))
            tg.create_task(writing())
            if with_rollup:
                tg.create_task(rolling())
    finally:
        pool.submit(rollup._close)
        pool.shutdown(wait=True)
        if collecting in gc.callbacks:
            gc.callbacks.remove(collecting)
        gc.unfreeze()
    loop_cpu, process_cpu = time.thread_time() - loop_cpu, time.process_time() - process_cpu
    lags = lag.result()
    out = {"calls_prefilled": filled, "calls_during": written,
           "loop_thread_cpu_ms_per_call": round(loop_cpu * 1000 / max(1, written), 3),
           "process_cpu_ms_per_call": round(process_cpu * 1000 / max(1, written), 3),
           "loop_lag_p50_ms": round(statistics.median(lags) * 1000, 2),
           "loop_lag_p99_ms": round(pct(lags, 99) * 1000, 2),
           "loop_lag_max_ms": round(max(lags) * 1000, 2),
           "longest_gc_ms_by_generation": {g: round(t * 1000, 1) for g, t in sorted(
               pauses.items())}}
    if with_rollup:
        out |= {"rolls": len(rolls),
                "roll_wall_ms": [round(r * 1000) for r in rolls],
                "rollup_thread_cpu_ms_per_call": round(
                    rollup.cpu_seconds * 1000 / max(1, written), 3)}
    return out


async def bench(url: str, args: argparse.Namespace) -> dict[str, Any]:
    await runner.upgrade(url)
    db = make_engine(url)
    sessions = make_sessionmaker(db)
    result: dict[str, Any] = {"backend": url.split(":", 1)[0]}
    try:
        org = await organisation(sessions)
        if "year" in args.parts:
            result |= await year(sessions, org, args)
        if "rebuild" in args.parts:
            result["rebuild_day"] = await rebuild(sessions, org, args)
            print(json.dumps(result["rebuild_day"]), flush=True)
        if "live" in args.parts:
            result["live_without_rollup"] = await live(url, sessions, org, args.rate,
                                                       args.live_seconds, False)
            result["live_with_rollup"] = await live(url, sessions, org, args.rate,
                                                    args.live_seconds, True)
            print(json.dumps({k: result[k] for k in ("live_without_rollup",
                                                     "live_with_rollup")}), flush=True)
    finally:
        await db.dispose()
    return result


async def year(sessions, org: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {}
    per_queue = args.calls / len(DAYS) / (len(BRANCHES) * len(TYPES))
    rnd = random.Random(1)
    t0 = time.perf_counter()
    for day in DAYS:
        await bulk(sessions, QueueInterval.__table__, queue_facts(day, org, per_queue, rnd))
        await bulk(sessions, AgentInterval.__table__, agent_facts(day, org))
    async with sessions() as s, s.begin():  # as the roll-up keeps them
        await sum_days(s, DAYS)
    async with sessions() as s:
        calls = await s.scalar(select(func.sum(QueueInterval.offered)))
        facts = {"queue_rows": await s.scalar(select(func.count()).select_from(
            QueueInterval)), "agent_rows": await s.scalar(select(func.count())
                                                         .select_from(AgentInterval))}
    result["year"] = {"calls": calls, **facts,
                      "generated_s": round(time.perf_counter() - t0, 1)}
    print(json.dumps(result), flush=True)
    month = ReportQuery(since=date(2026, 11, 1), until=date(2026, 11, 30),
                        grouping=Grouping.DAY)
    whole = ReportQuery(since=DAYS[0], until=LAST_DAY, grouping=Grouping.MONTH)
    bj = Principal(user_id=2, username="sup", role=Role.SUPERVISOR,
                   branch_id=org["branches"]["BJ"], sees_all_branches=False, agent_id=None)
    result["queues_report"] = {
        "month_by_day_all_branches": await timed_report(sessions, month, HQ, args.runs),
        "month_by_day_one_branch": await timed_report(sessions, month, bj, args.runs),
        "year_by_month_all_branches": await timed_report(sessions, whole, HQ, args.runs)}
    print(json.dumps(result["queues_report"]), flush=True)
    return result


async def rebuild(sessions, org: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    day_calls = round(args.calls / len(DAYS))
    t0 = time.perf_counter()
    await RawCalls(org).write(sessions, spread(RAW_DAY, day_calls, random.Random(3)))
    written_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    async with sessions() as s:
        await rebuild_day(s, RAW_DAY, utcnow())
    async with sessions() as s:
        rebuilt = await s.scalar(select(func.sum(QueueInterval.offered)).where(
            QueueInterval.local_day == RAW_DAY))
    return {"raw_calls": day_calls, "raw_written_s": round(written_s, 1),
            "rebuild_s": round(time.perf_counter() - t0, 2),
            "calls_in_facts_after": rebuilt}


async def on_postgres(args: argparse.Namespace) -> dict[str, Any]:
    name = f"hotline_bench_reports_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(**pg_admin())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        return await bench(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", args)
    finally:
        admin = await asyncpg.connect(**pg_admin())
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--calls", type=int, default=10_000_000, help="calls in the year")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--live-seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=int, default=50, help="calls a second in the live part")
    parser.add_argument("--parts", default="year,rebuild,live",
                        help="which of year, rebuild, live to measure (comma-separated)")
    args = parser.parse_args()
    results = []
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="hotline-reports-") as work:
            results.append(asyncio.run(bench(f"sqlite+aiosqlite:///{work}/hotline.db", args)))
    if args.backend in ("postgresql", "both"):
        results.append(asyncio.run(on_postgres(args)))
    OUT.mkdir(exist_ok=True)
    (OUT / "reports.json").write_text(json.dumps(results, indent=2, default=str))
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
