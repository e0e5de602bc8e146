"""IVR under load on the real PBX: sipp callers walk the order path over FastAGI while the
engine runs in this process, and the engine's own AGI command round trips are timed.

    .venv/bin/python bench/ivr_load.py [--concurrent 50] [--calls N] [--rate R] [--hold-ms 15000]
                                       [--keep] [--trace] [--profile PATH]

Every caller (13311112222, a number of no retailer, so no caller-ID shortcut) waits 1.5 s after
the answer, keys 1 (order), waits 1.5 s, keys 110100001# (a Beijing card) by SIP INFO and then
stays `--hold-ms` (of it ~3.5 s of the transfer prompt) in queue BJ-order, whose members have no
phones: music until the caller hangs up. sipp runs with `-l concurrent -m calls -r rate`; the
rate defaults to concurrent/2 per second (10..100), so each wave is inside the IVR at once.
The bench database opens every branch all day, so the run does not depend on the hour.

Measured in this process (wrappers installed before the engine starts):
- `AgiSession.command` is timed with time.perf_counter for the commands that do not wait for the
  caller (SET VARIABLE, GET VARIABLE, ANSWER): p50/p99/max per kind and overall.
- `AgiServer._dispatch` counts live AGI sessions (started - ended) and their peak.
- after sipp: its exit code and failed calls (-trace_stat), then per call: a call row, IVR steps
  (ivr_steps by linkedid) with no hangup, HOTLINE_STEP=done (calls.last_step), calls.queue
  BJ-order and a QueueCallerJoin for BJ-order; no AGI session and no PBX channel left.
- to explain a stall: AGI start -> first prompt (and of it the IVR's database context), the
  PBX's answer -> first Read and calls whose first key came before it (AMI Timestamps), event
  loop lag, the engine's database pool at its limit, CPU of the engine, Asterisk and the rest of
  the machine (another test run makes the figures noisy), AMI events by kind.

Prints a table with the goals side by side and writes bench/out/ivr_load_<concurrent>.json.
The run folder (Asterisk's log/messages.log, engine.log, sipp's files, channels.json with
--trace) is kept with --keep or --trace or when a check fails, and removed otherwise.
"""
import argparse
import asyncio
import contextlib
import csv
import json
import logging
import math
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from datetime import time as clock
from pathlib import Path

from sqlalchemy import event, select, update

from agent_api.app import create_app
from asterisk.agi import AgiServer, AgiSession
from asterisk.ami import AmiClient
from asterisk.ports import free_port
from asterisk.settings import AgiSettings, AmiSettings, PbxSettings
from asterisk.sipp_phone import Keys, Pause, write_scenario
from cli.main import run as run_loop
from ivr.settings import IvrSettings
from ivr.speech import build_prompts
from migrations import runner
from models import BusinessHours, Call, CallEvent, IvrStep, make_engine, make_sessionmaker
from models.calls import CallDirection
from runtime.logs import JsonFormatter
from runtime.provision import local_pbx, pbx_layout
from runtime.settings import Settings
from services.demo import seed

ROOT = Path(__file__).resolve().parents[1]

OUT = Path(__file__).parent / "out"
CALLER = "13311112222"  # no retailer has this phone
CARD = "110100001"  # a Beijing retailer's card
QUEUE = "BJ-order"
# Replies that never wait for the caller (GET FULL VARIABLE: the IVR reads keys and READSTATUS
# in one round trip since 69d4238).
ROUND_TRIP = ("ANSWER", "GET VARIABLE", "GET FULL VARIABLE", "SET VARIABLE")
GOAL_P99_MS = 5.0
SAMPLE_EVERY = 0.25  # s, the live-session timeline and loop-lag probe
TRACED = {"Newstate", "DTMFBegin", "DTMFEnd", "AGIExecStart", "AGIExecEnd", "Hangup"}
DRAIN_TIMEOUT = 60.0  # s after sipp ends for rows, AGI sessions and channels to settle


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary_ms(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"count": 0}
    return {"count": len(values), "p50_ms": round(pct(values, 50) * 1000, 3),
            "p99_ms": round(pct(values, 99) * 1000, 3), "max_ms": round(max(values) * 1000, 3)}


class Probe:
    """Round trips of AGI commands and live AGI sessions, from inside the engine."""

    def __init__(self) -> None:
        self.samples: list[tuple[str, float]] = []
        self.errors: Counter[str] = Counter()
        self.live = self.peak = self.started = self.ended = 0
        self.peak_at: float | None = None
        self.ami_events: Counter[str] = Counter()
        # per session (uniqueid): AGI start, ANSWER done, first SET VARIABLE, first read sent
        self.phases: dict[str, dict[str, float]] = {}
        self.pbx_times: dict[str, dict[str, float]] = {}  # per channel, from AMI Timestamps
        self.trace: defaultdict[str, list] | None = None  # --trace: the channel's key events
        self.t0 = time.perf_counter()

    def _pbx_mark(self, event: str, f) -> None:
        """The PBX's own times (Timestamp) per channel: answered, first key, first Read."""
        if self.trace is not None and event in TRACED:
            with contextlib.suppress(ValueError):
                self.trace[f.get("Uniqueid", "")].append(
                    (float(f.get("Timestamp", "")), event, f.get("Digit") or f.get("Command")
                     or f.get("ChannelStateDesc") or f.get("Variable", ""),
                     f.get("Direction") or f.get("ResultCode") or f.get("Value", "")))
        key = {"Newstate": "up", "DTMFEnd": "first_key", "AGIExecStart": "first_read"}.get(event)
        if key is None or (key == "up" and f.get("ChannelStateDesc") != "Up") or (
                key == "first_read" and not f.get("Command", "").startswith("GOSUB")):
            return
        marks = self.pbx_times.setdefault(f.get("Uniqueid", ""), {})
        with contextlib.suppress(ValueError):
            marks.setdefault(key, float(f.get("Timestamp", "")))

    def _mark(self, session: AgiSession, name: str, at: float, done: bool) -> None:
        marks = self.phases.get(session.request.uniqueid)
        if marks is None:
            return
        key = {("ANSWER", True): "answered", ("SET VARIABLE", False): "first_set",
               ("GOSUB", False): "first_exec"}.get((name, done))
        if key and key not in marks:
            marks[key] = at

    def install(self) -> None:
        command, dispatch, ami_dispatch = (AgiSession.command, AgiServer._dispatch,
                                           AmiClient._dispatch)
        probe = self

        def ami_counted(self, message):
            if message.event is not None:
                probe.ami_events[message.event] += 1
                probe._pbx_mark(message.event, message.fields)
            return ami_dispatch(self, message)

        async def timed(self, name, *args, timeout=None):
            started = time.perf_counter()
            probe._mark(self, name, started, done=False)
            try:
                reply = await command(self, name, *args, timeout=timeout)
            except BaseException as exc:
                probe.errors[f"{name}: {type(exc).__name__}"] += 1
                raise
            ended = time.perf_counter()
            probe._mark(self, name, ended, done=True)
            if name in ROUND_TRIP:
                probe.samples.append((name, ended - started))
            return reply

        async def counted(self, request, reader, writer):
            probe.started += 1
            probe.live += 1
            probe.phases[request.uniqueid] = {"start": time.perf_counter()}
            if probe.live > probe.peak:
                probe.peak, probe.peak_at = probe.live, time.perf_counter() - probe.t0
            try:
                await dispatch(self, request, reader, writer)
            finally:
                probe.live -= 1
                probe.ended += 1

        AgiSession.command = timed
        AgiServer._dispatch = counted
        AmiClient._dispatch = ami_counted

    def report(self) -> dict[str, object]:
        by_kind: dict[str, list[float]] = defaultdict(list)
        for name, seconds in self.samples:
            by_kind[name].append(seconds)
        return {"overall": summary_ms([s for _, s in self.samples]),
                **{kind: summary_ms(by_kind[kind]) for kind in ROUND_TRIP}}

    def setup_report(self) -> dict[str, object]:
        """Before the caller hears the menu: AGI start -> first prompt (the GOSUB that reads)
        sent, and of it, ANSWER done -> first SET VARIABLE (the IVR's context: database reads)."""
        full = [m["first_exec"] - m["start"] for m in self.phases.values() if "first_exec" in m]
        ctx = [m["first_set"] - m["answered"] for m in self.phases.values()
               if "first_set" in m and "answered" in m]
        answered = [m for m in self.pbx_times.values() if "up" in m and "first_read" in m]
        return {"to_first_prompt": summary_ms(full), "context_lookup": summary_ms(ctx),
                "over_1s": sum(1 for v in full if v > 1.0),
                # on the PBX's clock: the channel answered (before the AGI) -> first Read
                "pbx_answer_to_first_read": summary_ms(
                    [m["first_read"] - m["up"] for m in answered]),
                "first_key_before_first_read": sum(
                    1 for m in answered if m.get("first_key", math.inf) < m["first_read"])}


async def sample(probe: Probe, engine, timeline: list, lags: list[float],
                 stop: asyncio.Event) -> None:
    """Every SAMPLE_EVERY: live AGI sessions, and how late the loop woke this task (loop lag)."""
    while not stop.is_set():
        before = time.perf_counter()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SAMPLE_EVERY)
        lags.append(max(0.0, time.perf_counter() - before - SAMPLE_EVERY))
        timeline.append((round(time.perf_counter() - probe.t0, 2), probe.live,
                         len(engine.agi._tasks)))


class PoolWatch:
    """Connections the engine's database pool has out, and its limit: at the limit, every other
    query of the IVR and the call log queues for a connection."""

    def __init__(self, async_engine) -> None:
        pool = async_engine.sync_engine.pool
        self.limit = pool.size() + max(0, getattr(pool, "_max_overflow", 0))
        self.out = self.peak = self.checkouts = 0
        self.at_limit = 0  # checkouts that took the last free connection
        event.listen(async_engine.sync_engine, "checkout", self._checkout)
        event.listen(async_engine.sync_engine, "checkin", self._checkin)

    def _checkout(self, *_args) -> None:
        self.out += 1
        self.checkouts += 1
        self.peak = max(self.peak, self.out)
        self.at_limit += self.out >= self.limit

    def _checkin(self, *_args) -> None:
        self.out -= 1

    def report(self) -> dict[str, int]:
        return {"limit": self.limit, "peak_out": self.peak, "checkouts": self.checkouts,
                "checkouts_at_limit": self.at_limit}


def cpu_seconds(pid: int | None) -> float:
    """utime + stime of a process (all its threads), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = ticks[3] + ticks[4]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hz, sum(ticks) / hz


class CpuMeter:
    """CPU used during a phase by this process (engine + bench), Asterisk, and the machine."""

    def __init__(self, asterisk_pid: int | None) -> None:
        self.pid = asterisk_pid
        self.start = (time.perf_counter(), time.process_time(), cpu_seconds(asterisk_pid),
                      *machine_busy())

    def stop(self) -> dict[str, float]:
        wall, engine, pbx, busy, total = (time.perf_counter(), time.process_time(),
                                          cpu_seconds(self.pid), *machine_busy())
        w0, e0, p0, b0, t0 = self.start
        seconds = wall - w0
        return {"seconds": round(seconds, 1),
                "engine_process_cores": round((engine - e0) / seconds, 2),
                "asterisk_cores": round((pbx - p0) / seconds, 2),
                "machine_busy_cores": round((busy - b0) / seconds, 2),
                # sipp and whatever else runs on the machine (another test run: noisy figures)
                "other_cores": max(0.0, round((busy - b0 - (engine - e0) - (pbx - p0))
                                              / seconds, 2)),
                "engine_cpu_s": round(engine - e0, 2),
                "machine_cores": round((total - t0) / seconds, 2)}


def caller_script() -> list:
    return [Pause(1500), Keys("1"), Pause(1500), Keys(CARD + "#")]


async def run_sipp(settings: Settings, work: Path, args: argparse.Namespace,
                   rate: float) -> dict[str, object]:
    scenario = write_scenario(work, caller_script(), args.hold_ms)
    call_seconds = 6 + args.hold_ms / 1000  # pauses, keys and the hold
    waves = math.ceil(args.calls / args.concurrent)
    budget = int(args.calls / rate + waves * (call_seconds + 10) + 60)
    stat_file = work / "sipp_stat.csv"
    cmd = ["sipp", "-sf", str(scenario), "-s", settings.pbx.hotline_number,
           "-key", "caller", CALLER, f"127.0.0.1:{settings.pbx.sip_port}", "-i", "127.0.0.1",
           "-p", str(free_port(socket.SOCK_DGRAM)), "-mp", str(free_port(socket.SOCK_DGRAM)),
           "-l", str(args.concurrent), "-m", str(args.calls), "-r", f"{rate:g}",
           "-recv_timeout", "60000", "-timeout", f"{budget}s", "-timeout_error",
           "-trace_stat", "-stf", str(stat_file), "-fd", "1",
           "-trace_err", "-trace_screen", "-trace_rtt", "-rtt_freq", "1", "-nostdin"]
    started = time.perf_counter()
    with (work / "sipp.out").open("wb") as out:
        proc = await asyncio.create_subprocess_exec(*cmd, cwd=work, stdout=out,
                                                    stderr=asyncio.subprocess.STDOUT)
        try:
            await asyncio.wait_for(proc.wait(), budget + 15)
        finally:
            if proc.returncode is None:  # ours: stop it by its pid
                proc.kill()
                await proc.wait()
    result: dict[str, object] = {"command": " ".join(cmd), "exit_code": proc.returncode,
                                 "seconds": round(time.perf_counter() - started, 1)}
    result.update(sipp_stats(stat_file))
    rtts = []
    for path in work.glob("*_rtt.csv"):
        with path.open() as f:
            for row in csv.reader(f, delimiter=";"):
                with contextlib.suppress(ValueError, IndexError):
                    rtts.append(float(row[1]) / 1000)
    result["answer_time"] = summary_ms(rtts)  # INVITE sent -> 200 OK (the dialplan answers first)
    errors = [p.read_text(errors="replace") for p in work.glob("*_errors.log")]
    result["error_lines"] = sum(len(e.splitlines()) for e in errors)
    result["error_sample"] = "".join(errors)[-1500:]
    return result


def sipp_stats(stat_file: Path) -> dict[str, int]:
    """Cumulative counters from the last row of sipp's -trace_stat file."""
    try:
        with stat_file.open() as f:
            rows = list(csv.reader(f, delimiter=";"))
    except OSError:
        return {}
    if len(rows) < 2:
        return {}
    head = rows[0]
    want = {"calls_created": "TotalCallCreated", "successful": "SuccessfulCall(C)",
            "failed": "FailedCall(C)", "peak_concurrent": "CurrentCall",
            "retransmissions": "Retransmissions(C)"}
    out = {}
    for key, column in want.items():
        if column in head:
            values = [int(r[head.index(column)]) for r in rows[1:]
                      if len(r) > head.index(column) and r[head.index(column)].isdigit()]
            if values:
                out[key] = max(values) if key == "peak_concurrent" else values[-1]
    return out


async def check_calls(engine, sessions) -> dict[str, object]:
    """Every call row: done in the IVR, joined BJ-order, ended; stalled otherwise."""
    async with sessions() as s:
        calls = list(await s.scalars(select(Call).where(Call.direction == CallDirection.INBOUND)))
        joined = {call_id for call_id, data in (await s.execute(
            select(CallEvent.call_id, CallEvent.data).where(CallEvent.kind == "QueueCallerJoin")))
            if data.get("queue") == QUEUE}
        steps: dict[str, list[IvrStep]] = defaultdict(list)
        for step in await s.scalars(select(IvrStep).order_by(IvrStep.linkedid, IvrStep.seq)):
            steps[step.linkedid].append(step)
    reasons: Counter[str] = Counter()
    completed = 0
    paths: Counter[str] = Counter()
    for call in calls:
        path = steps.get(call.linkedid.split("~")[0], [])
        paths[">".join(f"{p.state}:{p.keys or p.result}" for p in path)] += 1
        problems = []
        if not path:
            problems.append("no ivr_steps")
        elif any(p.result == "hangup" for p in path):
            problems.append("ivr path ends in hangup")
        if call.last_step != "done":
            problems.append(f"last_step={call.last_step}")
        if call.queue != QUEUE:
            problems.append(f"queue={call.queue}")
        if call.id not in joined:
            problems.append("no QueueCallerJoin")
        if call.ended_at is None:
            problems.append("not ended")
        if problems:
            reasons.update(problems)
        else:
            completed += 1
    return {"rows": len(calls), "completed": completed, "stalled": len(calls) - completed,
            "stall_reasons": dict(reasons), "paths": dict(paths.most_common(5))}


async def drain(engine, probe: Probe, expected: int) -> dict[str, object]:
    """Wait (bounded) until every call row is closed, no AGI session is open and the PBX has no
    channel left."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    channels = -1
    while True:
        await engine.call_log.flush()
        async with engine.call_log.sessions() as s:
            open_rows = len(list(await s.scalars(select(Call.id).where(Call.ended_at.is_(None)))))
            rows = len(list(await s.scalars(select(Call.id))))
        with contextlib.suppress(Exception):
            channels = len((await engine.ami.action_list("CoreShowChannels", timeout=10)).events)
        settled = (open_rows == 0 and rows >= expected and probe.live == 0
                   and not engine.agi._tasks and channels == 0)
        if settled or time.monotonic() > deadline:
            return {"open_call_rows": open_rows, "call_rows": rows,
                    "agi_sessions_open": probe.live, "agi_tasks_open": len(engine.agi._tasks),
                    "pbx_channels_left": channels}
        await asyncio.sleep(0.5)


def _message(line: str) -> str:
    """The message of a log line: the msg of a JSON line, or what follows Asterisk's date."""
    if line.startswith("{"):
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            return f"{entry.get('level')} {entry.get('logger')}: {entry.get('msg')}"
    return re.sub(r"^\[[^]]*\]\s*", "", line)


def log_summary(path: Path, pattern: str) -> dict[str, object]:
    """Lines matching pattern, with the most frequent messages (numbers blanked)."""
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines()
                 if re.search(pattern, line)]
    except OSError:
        return {"lines": 0}
    kinds = Counter(re.sub(r"\d+", "N", _message(line))[:160] for line in lines)
    return {"lines": len(lines), "top": kinds.most_common(6)}


async def background_load(seconds: float = 3.0) -> float:
    """Cores busy on the machine before the run: another test run makes the figures noisy."""
    busy0, total0 = machine_busy()
    await asyncio.sleep(seconds)
    busy1, total1 = machine_busy()
    return round((busy1 - busy0) / (total1 - total0) * (os.cpu_count() or 1), 2)


async def bench(args: argparse.Namespace, work: Path) -> dict[str, object]:
    code = code_version()  # what this process imported
    background = await background_load()
    if background > 0.2:
        print(f"warning: {background} cores already busy before the run (another test run?): "
              "figures will be noisy", flush=True)
    rate = args.rate or min(100.0, max(10.0, args.concurrent / 2))
    rtp = random.randrange(20000, 56000, 1000)
    rtp_ports = max(1000, args.concurrent * 4 + 200)  # RTP + RTCP a call, and headroom
    settings = Settings(
        data_dir=work,
        pbx=PbxSettings(run_dir=work / "pbx", sip_port=free_port(socket.SOCK_DGRAM),
                        rtp_start=rtp, rtp_end=rtp + rtp_ports - 1),
        ami=AmiSettings(port=free_port()),
        agi=AgiSettings(port=free_port()),
        db={"url": f"sqlite+aiosqlite:///{work}/hotline.db"},
    )
    await runner.upgrade(settings.db.url)
    db = make_engine(settings.db.url)
    sessions = make_sessionmaker(db)
    await seed(sessions)
    async with sessions() as s, s.begin():  # open all day, so the run does not depend on the hour
        await s.execute(update(BusinessHours).values(opens=clock(0), closes=clock.max))
    endpoints, queues = await pbx_layout(sessions)
    pbx = local_pbx(settings, endpoints, queues)
    probe = Probe()
    probe.install()
    if args.trace:
        probe.trace = defaultdict(list)
    timeline: list[tuple[float, int, int]] = []
    lags: list[float] = []
    await pbx.up()
    try:
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            engine = app.state.engine
            await engine.ami.wait_connected(timeout=10)
            for _ in range(500):  # bounded: 5 s
                if engine.resynced_generation >= 1:
                    break
                await asyncio.sleep(0.01)
            pool = PoolWatch(app.state.sessions.kw["bind"])
            stop = asyncio.Event()
            sampler = asyncio.create_task(sample(probe, engine, timeline, lags, stop))
            try:
                print(f"sipp: {args.calls} calls, {args.concurrent} at once, {rate:g}/s, "
                      f"hold {args.hold_ms} ms ...", flush=True)
                meter = CpuMeter(pbx.pid())
                sipp = await run_sipp(settings, work, args, rate)
                cpu = meter.stop()
                print(f"sipp exited {sipp['exit_code']} after {sipp['seconds']} s; settling ...",
                      flush=True)
                settled = await drain(engine, probe, sipp.get("calls_created", args.calls))
            finally:
                stop.set()
                await sampler
            checks = await check_calls(engine, sessions)
    finally:
        await pbx.down()
        await db.dispose()
    if probe.trace is not None:
        (work / "channels.json").write_text(json.dumps(probe.trace, indent=0))
    placed = int(sipp.get("calls_created", 0))
    return {
        "concurrent": args.concurrent, "calls": args.calls, "rate": rate,
        "hold_ms": args.hold_ms, "cpus": os.cpu_count(),
        "background_cores_before": background, "code": code,
        "round_trip_ms": probe.report(),
        "ivr_setup_ms": probe.setup_report(),
        "agi_sessions": {"started": probe.started, "ended": probe.ended, "peak_live": probe.peak,
                         "peak_at_s": round(probe.peak_at or 0, 2)},
        "agi_errors": dict(probe.errors),
        "loop_lag": summary_ms(lags),
        "cpu_during_sipp": {**cpu, "engine_cpu_ms_per_call": round(
            cpu["engine_cpu_s"] * 1000 / max(1, placed), 1)},
        "db_pool": pool.report(),
        "ami_events": {"total": sum(probe.ami_events.values()),
                       "per_call": round(sum(probe.ami_events.values()) / max(1, placed), 1),
                       "top": probe.ami_events.most_common(12)},
        "sipp": sipp,
        "settled": settled,
        "calls_check": checks,
        "counts": {"placed": placed, "completed": checks["completed"],
                   "failed": int(sipp.get("failed", -1)),
                   "stalled": (max(0, placed - checks["completed"]) if placed
                               else checks["stalled"])},
        "engine_log": log_summary(work / "engine.log", r'"level": "(warning|error|critical)"'),
        "asterisk_log": log_summary(work / "pbx/log/messages.log", r"WARNING|ERROR"),
        "timeline_live_agi": timeline[::4],  # every second: (s, live sessions, AGI tasks)
    }


def code_version() -> dict[str, object]:
    """The commit measured, and engine files changed since (others edit the tree meanwhile)."""
    def git(*args: str) -> str:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            # --no-optional-locks: status must not refresh (write) the index
            return subprocess.run(["git", "--no-optional-locks", *args], cwd=ROOT, text=True,
                                  capture_output=True, check=False, timeout=10).stdout.strip()
        return ""
    dirty = git("status", "--porcelain", "--", "asterisk", "ivr", "acd", "agent_api", "models")
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "engine_files_changed": dirty.splitlines()}


def verdicts(r: dict) -> list[tuple[str, str, str, str, bool]]:
    """(goal, figure, target, measured, ok). Goal (a): round trips at 50 sessions; goal (b):
    every call through, none stalled (checked at every concurrency)."""
    rt, c, s = r["round_trip_ms"]["overall"], r["counts"], r["settled"]
    p99 = rt.get("p99_ms", float("inf"))
    return [
        ("a", "AGI round trip p99 (SET/GET [FULL] VARIABLE, ANSWER)", f"< {GOAL_P99_MS:g} ms",
         f"{p99} ms (n={rt.get('count', 0)})", p99 < GOAL_P99_MS),
        ("a", "peak live AGI sessions in the engine", f"{r['concurrent']}",
         f"{r['agi_sessions']['peak_live']}", r["agi_sessions"]["peak_live"] >= r["concurrent"]),
        ("b", "calls placed by sipp", f"{r['calls']}", f"{c['placed']}",
         c["placed"] == r["calls"]),
        ("b", "sipp exit code", "0", f"{r['sipp']['exit_code']}", r["sipp"]["exit_code"] == 0),
        ("b", "failed calls (sipp)", "0", f"{c['failed']}", c["failed"] == 0),
        ("b", "completed (IVR done, joined BJ-order, ended)", f"{c['placed']}",
         f"{c['completed']}", c["completed"] == c["placed"] > 0),
        ("b", "stalled sessions", "0", f"{c['stalled']}", c["stalled"] == 0),
        ("b", "AGI sessions / PBX channels left open", "0 / 0",
         f"{s['agi_sessions_open']} / {s['pbx_channels_left']}",
         s["agi_sessions_open"] == 0 and s["pbx_channels_left"] == 0),
    ]


def passed(r: dict) -> bool:
    """Goal (b) always; goal (a)'s p99 where it is set, at 50 sessions or fewer."""
    return all(ok for goal, *_, ok in verdicts(r)
               if goal == "b" or r["concurrent"] <= 50)


def print_report(r: dict) -> None:
    print(f"\nIVR load: {r['calls']} calls, -l {r['concurrent']}, {r['rate']:g}/s, "
          f"hold {r['hold_ms']} ms, {r['cpus']} CPUs ({r['background_cores_before']} busy "
          f"before the run), commit {r['code']['commit']}"
          + (f" + changed {r['code']['engine_files_changed']}"
             if r["code"]["engine_files_changed"] else ""))
    print(f"{'':<4}{'figure':<54} {'goal':>8} {'measured':>22}  ok")
    for goal, name, target, got, ok in verdicts(r):
        print(f"({goal}) {name:<54} {target:>8} {got:>22}  {'yes' if ok else 'NO'}")
    print("(a) applies at --concurrent 50 or fewer; (b) to every run: "
          f"{'PASS' if passed(r) else 'FAIL'}")
    print(f"\n{'AGI command':<18} {'count':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind in ("overall", *ROUND_TRIP):
        s = r["round_trip_ms"][kind]
        print(f"{kind:<18} {s.get('count', 0):>7} {s.get('p50_ms', '-'):>8} "
              f"{s.get('p99_ms', '-'):>8} {s.get('max_ms', '-'):>8}")
    a, lag = r["sipp"].get("answer_time", {}), r["loop_lag"]
    print("\nanswer time (INVITE -> 200 OK, sipp, 1 ms steps; the dialplan answers before AGI): "
          f"p50 {a.get('p50_ms')} ms, "
          f"p99 {a.get('p99_ms')} ms, max {a.get('max_ms')} ms")
    setup = r["ivr_setup_ms"]
    first, ctx = setup["to_first_prompt"], setup["context_lookup"]
    print(f"AGI start -> first prompt: p50 {first.get('p50_ms')} ms, p99 {first.get('p99_ms')} "
          f"ms, max {first.get('max_ms')} ms ({setup['over_1s']} sessions over 1 s); of it the "
          f"IVR context (ANSWER -> first SET VARIABLE): p50 {ctx.get('p50_ms')} ms, "
          f"p99 {ctx.get('p99_ms')} ms, max {ctx.get('max_ms')} ms")
    pbx = setup["pbx_answer_to_first_read"]
    print(f"PBX: channel answered -> first Read: p50 {pbx.get('p50_ms')} ms, p99 "
          f"{pbx.get('p99_ms')} ms, max {pbx.get('max_ms')} ms; calls whose first key came "
          f"before the first Read (lost: res_agi drops DTMF between commands): "
          f"{setup['first_key_before_first_read']}")
    print(f"event-loop lag (every {SAMPLE_EVERY} s): p50 {lag.get('p50_ms')} ms, "
          f"p99 {lag.get('p99_ms')} ms, max {lag.get('max_ms')} ms")
    print(f"AGI sessions: {r['agi_sessions']}; errors: {r['agi_errors'] or 'none'}")
    cpu, ami = r["cpu_during_sipp"], r["ami_events"]
    print(f"CPU during sipp ({cpu['seconds']} s, in cores): engine process "
          f"{cpu['engine_process_cores']}, Asterisk {cpu['asterisk_cores']}, whole machine "
          f"{cpu['machine_busy_cores']} of {cpu['machine_cores']:.0f} (sipp and others "
          f"{cpu['other_cores']}); engine CPU {cpu['engine_cpu_ms_per_call']} ms a call")
    print(f"engine database pool: {r['db_pool']}")
    print(f"AMI events read by the engine: {ami['total']} ({ami['per_call']} a call); top: "
          + ", ".join(f"{k} {v}" for k, v in ami["top"][:6]))
    print(f"calls check: {r['calls_check']}")
    print(f"engine log warnings/errors: {r['engine_log']['lines']}; "
          f"Asterisk WARNING/ERROR lines: {r['asterisk_log']['lines']}")
    for line in r["asterisk_log"].get("top", [])[:4]:
        print(f"  asterisk: {line[1]} x {line[0]}")
    for line in r["engine_log"].get("top", [])[:4]:
        print(f"  engine: {line[1]} x {line[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--concurrent", type=int, default=50, help="sipp -l")
    parser.add_argument("--calls", type=int, default=None, help="sipp -m (default 2 x -l)")
    parser.add_argument("--rate", type=float, default=None,
                        help="calls per second (default concurrent/2, 10..100)")
    parser.add_argument("--hold-ms", type=int, default=15000,
                        help="after the last key (~3.5 s of it the transfer prompt)")
    parser.add_argument("--keep", action="store_true", help="keep the run folder")
    parser.add_argument("--trace", action="store_true",
                        help="write each channel's keys and AGI commands, on the PBX's clock, "
                             "to channels.json in the run folder (kept)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="cProfile the whole run (engine included) and write the top "
                             "functions to this file (slows the engine: figures not comparable)")
    args = parser.parse_args()
    args.calls = args.calls or 2 * args.concurrent
    if os.geteuid() != 0:
        raise SystemExit("the local PBX needs root (mount namespace and chroot)")
    if shutil.which("sipp") is None:
        raise SystemExit("sipp is not installed (Debian package sip-tester)")
    build_prompts(IvrSettings().prompts_dir)  # cached: usually nothing to do
    work = Path(tempfile.mkdtemp(prefix="hotline-ivrload-"))
    handler = logging.FileHandler(work / "engine.log")
    handler.setFormatter(JsonFormatter())
    logging.getLogger().handlers[:] = [handler]
    logging.getLogger().setLevel(logging.INFO)
    ok = False
    try:
        if args.profile:
            import cProfile
            import io
            import pstats
            profiler = cProfile.Profile()
            result = profiler.runcall(run_loop, bench(args, work))
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats("tottime").print_stats(40)
            stats.sort_stats("cumulative").print_stats(60)
            args.profile.write_text(text.getvalue())
            print(f"profile written to {args.profile}")
        else:
            result = run_loop(bench(args, work))
        result["run_dir"] = str(work)
        print_report(result)
        ok = passed(result)
        result["verdicts"] = [{"goal": g, "figure": n, "target": t, "measured": m, "ok": o}
                              for g, n, t, m, o in verdicts(result)]
        result["passed"] = ok
        OUT.mkdir(exist_ok=True)
        out = OUT / f"ivr_load_{args.concurrent}.json"
        out.write_text(json.dumps(result, indent=1, default=str) + "\n")
        print(f"\nwritten {out}")
    finally:
        logging.getLogger().handlers[:] = []
        handler.close()
        if ok and not args.keep and not args.trace:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"run folder kept: {work}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
