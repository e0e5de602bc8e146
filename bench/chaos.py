"""Chaos: the engine, Asterisk and PostgreSQL killed in turn under a steady inbound load, and what
the call log lost.

    .venv/bin/python bench/chaos.py [--seconds 140] [--rate 1] [--agents 10] [--keep]

A private PostgreSQL cluster (initdb into a temp folder, a free loopback port; never the shared
server), migrated and seeded with the demo data and Beijing order agents 81001.. (2 s wrap-up,
recorded calls); the local Asterisk; the engine as `hotline serve` in a child process. The agents
log in with sipp softphones that answer every call; the last one is paused (meal). One caller a
second, each a sipp run of its own with a unique number, walks the IVR to BJ-order, stays about
4 s with an agent after the transfer prompt and hangs up. During the load, in turn, each with a
settle period: the engine SIGKILLed, left down a few seconds and started again; Asterisk
SIGKILLed and started again; PostgreSQL stopped with `pg_ctl -m immediate` and started again.

After the load, once every call has ended, it reports: calls placed, of them reached the PBX
(any SIP answer) and answered (200); calls with no row (lost); rows still in progress; rows with
impossible times, a wrong direction or dialed number; recordings stuck `recording`; agents not
back as before; and each kill's recovery (engine ready, agents back). Writes bench/out/chaos.json;
exits 1 when anything was lost or wrong. Every process it starts is stopped on the way out, also
on Ctrl-C or SIGTERM.
"""
import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from connect_latency import add_agents, softphone  # noqa: E402
from sqlalchemy import delete, func, select  # noqa: E402

from asterisk.ports import free_port  # noqa: E402
from asterisk.settings import AgiSettings, AmiSettings, PbxSettings  # noqa: E402
from asterisk.sipp_phone import Keys, Pause, write_scenario  # noqa: E402
from cli.main import run as run_loop  # noqa: E402
from migrations import runner  # noqa: E402
from models import (  # noqa: E402
    BusinessHours,
    Call,
    CallEvent,
    Recording,
    RecordingPolicy,
    make_engine,
    make_sessionmaker,
    utcnow,
)
from runtime.provision import local_pbx, pbx_layout  # noqa: E402
from runtime.settings import Settings  # noqa: E402
from services.demo import seed  # noqa: E402
from tests.pbx.engine_process import EngineProcess  # noqa: E402
from tests.pg_cluster import ThrowawayCluster  # noqa: E402

OUT = Path(__file__).parent / "out"
ORDER_BJ = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]
HOLD_MS = 8000  # after the card: ~3.5 s of transfer prompt, then the agent
WORKING = {"available", "reserved", "on_call", "wrap_up"}
RECEIVED = re.compile(r"message received \[\d+\] bytes :\s+SIP/2\.0 (\d{3})")


@dataclass
class Placed:
    caller: str
    started: float  # seconds into the load
    exit_code: int | None = None
    replies: tuple[str, ...] = ()  # the SIP status codes the PBX sent

    @property
    def reached(self) -> bool:
        return bool(self.replies)

    @property
    def answered(self) -> bool:
        return "200" in self.replies


class Load:
    """One caller every 1/rate s, each a sipp run of its own with a unique number."""

    def __init__(self, settings: Settings, work: Path, rate: float) -> None:
        self.settings, self.work, self.rate = settings, work, rate
        self.scenario = write_scenario(work, ORDER_BJ, HOLD_MS)
        self.placed: list[Placed] = []
        self.procs: set[asyncio.subprocess.Process] = set()
        (work / "calls").mkdir()

    async def run(self, stop: asyncio.Event) -> None:
        start, tasks = time.monotonic(), []
        while not stop.is_set():
            placed = Placed(f"139{len(self.placed):08d}", time.monotonic() - start)
            self.placed.append(placed)
            tasks.append(asyncio.create_task(self._call(placed)))
            pause = start + len(self.placed) / self.rate - time.monotonic()
            try:
                await asyncio.wait_for(stop.wait(), max(0.0, pause))
            except TimeoutError:
                pass
        await asyncio.gather(*tasks)

    async def _call(self, placed: Placed) -> None:
        budget = 60
        messages = self.work / "calls" / f"{placed.caller}.log"
        proc = await asyncio.create_subprocess_exec(
            "sipp", "-sf", str(self.scenario), "-s", self.settings.pbx.hotline_number,
            "-key", "caller", placed.caller, f"127.0.0.1:{self.settings.pbx.sip_port}",
            "-i", "127.0.0.1", "-p", str(free_port(socket.SOCK_DGRAM)),
            "-mp", str(free_port(socket.SOCK_DGRAM)), "-m", "1",
            "-timeout", f"{budget}s", "-timeout_error", "-nostdin",
            "-trace_msg", "-message_file", str(messages),
            cwd=self.work, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        self.procs.add(proc)
        try:
            placed.exit_code = await asyncio.wait_for(proc.wait(), budget + 10)
        except TimeoutError:
            pass
        finally:
            await stop_process(proc)
            self.procs.discard(proc)
        if messages.exists():
            placed.replies = tuple(RECEIVED.findall(messages.read_text(errors="replace")))

    async def stop(self) -> None:
        for proc in list(self.procs):
            await stop_process(proc)


async def stop_process(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


async def agent_states(engine: EngineProcess) -> dict[str, tuple[str, str | None]]:
    """number -> (state, pause reason); empty while the engine cannot answer."""
    try:
        reply = await engine.http.get("/agents") if engine.http else None
    except Exception:  # the engine (or its database) is down
        return {}
    if reply is None or reply.status_code != 200:
        return {}
    return {a["number"]: (a["state"], a.get("pause_reason")) for a in reply.json()}


def back(states: dict, paused: str, numbers: list[str]) -> bool:
    """Every agent working again, the paused one paused for its meal as before."""
    return bool(states) and all(
        states.get(n) == ("paused", "meal") if n == paused
        else states.get(n, ("",))[0] in WORKING for n in numbers)


async def until(what, timeout: float) -> float | None:
    """Seconds until `await what()` is true, or None after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if await what():
            return round(time.monotonic() - start, 2)
        await asyncio.sleep(0.2)
    return None


async def ready(engine: EngineProcess) -> bool:
    try:
        return (await engine.http.get("/health/ready")).status_code == 200
    except Exception:
        return False


async def readiness(engine: EngineProcess) -> object:
    """What /health/ready says (why the engine is not ready)."""
    try:
        return (await engine.http.get("/health/ready")).json()
    except Exception as exc:
        return repr(exc)


async def generation(engine: EngineProcess) -> int:
    """How many times the engine has resynced with the PBX (-1: no answer)."""
    try:
        return int((await engine.http.get("/health")).json()["resynced_generation"])
    except Exception:
        return -1


class Chaos:
    def __init__(self, engine: EngineProcess, pbx, pg: ThrowawayCluster, numbers: list[str],
                 paused: str, down: float) -> None:
        self.engine, self.pbx, self.pg = engine, pbx, pg
        self.numbers, self.paused, self.down = numbers, paused, down
        self.recoveries: list[dict] = []
        self.killed_at = utcnow()

    async def agents_back(self, timeout: float = 60) -> bool:
        async def check() -> bool:
            return back(await agent_states(self.engine), self.paused, self.numbers)
        return await until(check, timeout) is not None

    async def kill_engine(self) -> None:
        await self.engine.kill()
        killed = time.monotonic()
        self.killed_at = utcnow()
        await asyncio.sleep(self.down)  # calls come and go unseen
        await self.engine.start(timeout=60)
        await self._recovered("engine SIGKILL", killed)

    async def kill_asterisk(self) -> None:
        before = await generation(self.engine)
        await self.pbx.down(crash=True)
        killed = time.monotonic()
        self.killed_at = utcnow()
        await self.pbx.up()

        async def resynced() -> bool:  # else the agents still look as before the crash
            return await generation(self.engine) > before
        await until(resynced, 60)
        await self._recovered("Asterisk SIGKILL", killed)

    async def stop_postgres(self) -> None:
        await asyncio.to_thread(self.pg.stop, "immediate")
        killed = time.monotonic()
        self.killed_at = utcnow()
        await asyncio.sleep(self.down)
        await asyncio.to_thread(self.pg.start)
        await self._recovered("PostgreSQL immediate stop", killed)

    async def _recovered(self, what: str, killed: float) -> None:
        """Seconds from the kill to the engine ready again (/health/ready), and to every agent
        back as before; None when it did not happen within a minute."""
        since = lambda: round(time.monotonic() - killed, 2)  # noqa: E731
        ready_after = since() if await until(lambda: ready(self.engine), 60) is not None else None
        agents_after = since() if await self.agents_back() else None
        self.recoveries.append({"kill": what, "at": str(self.killed_at),
                                "ready_after_seconds": ready_after,
                                "agents_back_after_seconds": agents_after})
        if ready_after is None:
            self.recoveries[-1]["not_ready"] = await readiness(self.engine)
        print(f"  ready after {ready_after} s, agents back after {agents_after} s", flush=True)


async def audit(sessions, placed: list[Placed], number: str,
                phases: list[tuple[str, float]]) -> dict:
    """Every placed call against the call log; the outcomes of the calls placed in each phase
    (from a kill to the next)."""
    async with sessions() as s:
        calls = list(await s.scalars(select(Call).where(Call.caller_number.like("139%"))))
        stuck_recordings = list(await s.execute(
            select(Recording.started_at, Call.caller_number, Call.ended_at)
            .join(Call, Call.linkedid == Recording.linkedid, isouter=True)
            .where(Recording.status == "recording")))
        recordings = Counter(str(r) for r in await s.scalars(select(Recording.status)))
    rows: dict[str, list[Call]] = {}
    for c in calls:
        rows.setdefault(c.caller_number, []).append(c)
    reached = [p for p in placed if p.reached]
    lost = [p for p in reached if p.caller not in rows]

    def impossible(c: Call) -> bool:
        times = [c.offered_at, c.answered_at, c.connected_at, c.ended_at]
        known = [t for t in times if t is not None]
        return known != sorted(known) or (c.outcome != "in_progress" and c.ended_at is None)

    wrong = [c for c in calls if impossible(c) or c.direction != "inbound"
             or c.dialed_number != number]
    async with sessions() as s:  # what the PBX said of the first few, to explain them
        story = {c.id: [f"{e.at:%H:%M:%S.%f} {e.kind} {e.channel or ''}" for e in await s.scalars(
            select(CallEvent).where(CallEvent.call_id == c.id).order_by(CallEvent.id))]
            for c in wrong[:3]}
    return {
        "placed": len(placed), "reached_pbx": len(reached),
        "answered_by_pbx": sum(p.answered for p in placed),
        "sipp_failed": sum(p.exit_code != 0 for p in placed),
        "rows": len(calls),
        "callers_with_more_than_one_row": sum(len(r) > 1 for r in rows.values()),
        "rows_for_callers_never_reached": sum(p.caller in rows for p in placed if not p.reached),
        "lost": len(lost), "lost_callers": [asdict(p) for p in lost][:20],
        "in_progress": sum(c.outcome == "in_progress" for c in calls),
        "wrong": len(wrong),
        "wrong_rows": [{k: str(getattr(c, k)) for k in (
            "caller_number", "direction", "dialed_number", "offered_at", "answered_at",
            "connected_at", "ended_at", "outcome", "queue", "last_step")}
            | {"events": story.get(c.id, [])} for c in wrong][:20],
        "outcomes": dict(Counter(str(c.outcome) for c in calls)),
        "outcomes_by_phase": {
            name: dict(Counter(str(rows[p.caller][0].outcome) if p.caller in rows else "no row"
                               for p in placed if start <= p.started < end))
            for (name, start), end in zip(phases, [*(s for _, s in phases[1:]), float("inf")])},
        "connected_to_agent": sum(c.connected_at is not None for c in calls),
        "recordings": dict(recordings), "recordings_stuck_recording": len(stuck_recordings),
        "stuck_recordings": [{"started_at": str(at), "caller": caller, "call_ended_at": str(end)}
                             for at, caller, end in stuck_recordings][:20],
    }


async def wait_calls_ended(sessions, timeout: float) -> float | None:
    """Seconds until every call's row has ended and no recording is still open."""
    async def ended() -> bool:
        async with sessions() as s:
            open_calls = await s.scalar(select(func.count()).select_from(Call).where(
                Call.outcome == "in_progress", Call.caller_number.like("139%")))
            recording = await s.scalar(select(func.count()).select_from(Recording).where(
                Recording.status == "recording"))
            return not open_calls and not recording
    return await until(ended, timeout)


async def bench(args: argparse.Namespace, work: Path, pg: ThrowawayCluster) -> dict:
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    await asyncio.to_thread(pg.create)
    rtp = 20000 + 1000 * (os.getpid() % 40)
    settings = Settings(
        data_dir=work,
        pbx=PbxSettings(run_dir=work / "pbx", sip_port=free_port(socket.SOCK_DGRAM),
                        rtp_start=rtp, rtp_end=rtp + 999),
        ami=AmiSettings(port=free_port()), agi=AgiSettings(port=free_port()),
        db={"url": pg.url})
    await runner.upgrade(settings.db.url)
    db = make_engine(settings.db.url)
    sessions = make_sessionmaker(db)
    procs: list = []
    pbx = engine = load = None
    try:
        await seed(sessions)
        numbers = await add_agents(sessions, args.agents, wrap_up_seconds=2,
                                   recording=RecordingPolicy.ALWAYS)
        async with sessions() as s, s.begin():
            await s.execute(delete(BusinessHours))  # open around the clock
        phones = {f"agent-{n}": f"sip:agent@127.0.0.1:{await softphone(work, procs, calls=100_000)}"
                  for n in numbers}
        settings.pbx.static_contacts = phones
        pbx = local_pbx(settings, *await pbx_layout(sessions, phones))
        await pbx.up()
        engine = EngineProcess(settings, work)
        await engine.start(timeout=60)
        for n in numbers:
            (await engine.http.post(f"/agents/{n}/login")).raise_for_status()
        paused = numbers[-1]

        async def logged_in() -> bool:  # a pause needs the session up
            return (await agent_states(engine)).get(paused, ("",))[0] == "available"
        await until(logged_in, 30)
        (await engine.http.post(f"/agents/{paused}/pause", json={"reason": "meal"})
         ).raise_for_status()
        chaos = Chaos(engine, pbx, pg, numbers, paused, args.down)
        if not await chaos.agents_back(30):
            raise RuntimeError(f"agents never logged in: {await agent_states(engine)}")

        load = Load(settings, work, args.rate)
        stop = asyncio.Event()
        print(f"{len(numbers)} agents ({paused} paused), a caller every {1 / args.rate:g} s for "
              f"{args.seconds} s ...", flush=True)
        calls = asyncio.create_task(load.run(stop))
        started, phases = time.monotonic(), [("before the kills", 0.0)]
        for at, kill in zip((0.12, 0.4, 0.68), (chaos.kill_engine, chaos.kill_asterisk,
                                                chaos.stop_postgres)):
            await asyncio.sleep(max(0.0, started + at * args.seconds - time.monotonic()))
            print(f"{time.monotonic() - started:5.1f} s: {kill.__name__}", flush=True)
            phases.append((f"from {kill.__name__}", time.monotonic() - started))
            await kill()
        await asyncio.sleep(max(0.0, started + args.seconds - time.monotonic()))
        stop.set()
        print("load stopped; waiting for the last calls ...", flush=True)
        await calls
        ended_after = await wait_calls_ended(sessions, 60)
        agents_after = await chaos.agents_back(30)
        report = await audit(sessions, load.placed, settings.pbx.hotline_number, phases)
        final = await agent_states(engine)
        report.update({
            "seconds": args.seconds, "rate": args.rate, "agents": len(numbers),
            "rows_all_ended_after_load_seconds": ended_after,
            "agents_not_back": {n: final.get(n) for n in numbers
                                if not back({n: final.get(n)}, paused, [n])}
            if not agents_after else {},
            "down_seconds": args.down, "recoveries": chaos.recoveries,
        })
        return report
    finally:
        if load is not None:
            await load.stop()
        if engine is not None:
            await engine.stop()
        if pbx is not None:
            await pbx.down()
        for proc in procs:
            await stop_process(proc)
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=140, help="how long the load runs")
    parser.add_argument("--rate", type=float, default=1.0, help="new callers a second")
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--down", type=float, default=4.0,
                        help="seconds the engine and PostgreSQL stay down")
    parser.add_argument("--keep", action="store_true", help="keep the run folder")
    args = parser.parse_args()
    os.chdir(ROOT)  # the engine's child process imports the project from here
    work = Path(tempfile.mkdtemp(prefix="hotline-chaos-"))
    pg = ThrowawayCluster()
    try:
        result = run_loop(bench(args, work, pg))
    finally:
        pg.remove()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"run folder kept: {work}")
    OUT.mkdir(exist_ok=True)
    (OUT / "chaos.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    bad = (result["lost"] + result["in_progress"] + result["wrong"]
           + result["recordings_stuck_recording"] + len(result["agents_not_back"]))
    print(f"placed {result['placed']}, reached the PBX {result['reached_pbx']}: lost "
          f"{result['lost']}, in progress {result['in_progress']}, wrong {result['wrong']}, "
          f"recordings stuck {result['recordings_stuck_recording']}, agents not back "
          f"{len(result['agents_not_back'])}: {'PASS' if not bad else 'FAIL'}")
    sys.exit(0 if not bad else 1)


if __name__ == "__main__":
    main()
