"""Connect latency on the real PBX: from the ACD choosing an agent to the caller bridged with that
agent's leg, as the engine sees it in the PBX's own events.

    .venv/bin/python bench/connect_latency.py [--agents 20] [--calls 300] [--rate 3] [--keep]

Agents 81001.. (Beijing, orders) are logged in with sipp softphones that stay in their sessions;
sipp callers walk the IVR (key 1, a Beijing card), wait in BJ-order, are delivered and hang up
9 s after the card (about 5 s with the agent); wrap-up is 0, so agents take the next call at
once. Keep the rate under agents / 6 per second, or callers hang up before an agent is free.

Per delivery, in this process (time.perf_counter):
- decision -> joined: the agent reserved for the call (AgentSessions.reserve, right after the
  router's choice) -> the caller's BridgeEnter into the bridge with that agent's leg received;
- Redirect sent -> joined: the same, from the AMI Redirect being written;
and on the PBX's clock (AMI Timestamps): the caller's QueueCallerLeave (the Redirect taking it
out of the queue) -> its BridgeEnter. Goal (issue 4): decision -> joined p99 under 50 ms.
Writes bench/out/connect_latency.json.
"""
import argparse
import asyncio
import contextlib
import json
import random
import shutil
import socket
import sys
import tempfile
import time
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from httpx import ASGITransport, AsyncClient  # noqa: E402
from sqlalchemy import select, update  # noqa: E402

from acd.sessions import AgentSessions  # noqa: E402
from agent_api.app import create_app  # noqa: E402
from asterisk.events import BridgeEnter, QueueCallerLeave  # noqa: E402
from asterisk.ports import free_port  # noqa: E402
from asterisk.settings import AgiSettings, AmiSettings, PbxSettings  # noqa: E402
from asterisk.sipp_phone import Keys, Pause, write_scenario  # noqa: E402
from cli.main import run as run_loop  # noqa: E402
from migrations import runner  # noqa: E402
from models import (  # noqa: E402
    Agent,
    AgentSkill,
    Branch,
    BusinessHours,
    BusinessType,
    QueueSettings,
    RecordingPolicy,
    Skill,
    make_engine,
    make_sessionmaker,
)
from models.security import hash_pin, new_sip_secret  # noqa: E402
from runtime.provision import local_pbx, pbx_layout  # noqa: E402
from runtime.settings import Settings  # noqa: E402
from services.demo import DEMO_PASSWORD, seed  # noqa: E402

OUT = Path(__file__).parent / "out"
GOAL_MS = 50.0


def summary_ms(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    v = sorted(values)
    at = lambda q: v[min(len(v) - 1, int(q * len(v)))]  # noqa: E731
    return {"n": len(v), "p50": round(at(0.5), 2), "p99": round(at(0.99), 2),
            "max": round(v[-1], 2)}


async def add_agents(sessions, count: int, wrap_up_seconds: int = 0,
                     recording: RecordingPolicy = RecordingPolicy.NEVER) -> list[str]:
    """Beijing order agents 81001.., all at the same level, and BJ-order without wrap-up (by
    default)."""
    numbers = [str(81001 + i) for i in range(count)]
    async with sessions() as s, s.begin():
        bj = await s.scalar(select(Branch).where(Branch.code == "BJ"))
        order = await s.scalar(select(BusinessType).where(BusinessType.code == "order"))
        skill = await s.scalar(select(Skill).where(Skill.business_type_id == order.id))
        pin = hash_pin("1234")
        for n in numbers:
            agent = Agent(number=n, name=f"bench {n}", branch=bj, sip_endpoint=f"agent-{n}",
                          pin_hash=pin, sip_secret=new_sip_secret())  # no secret, no account
            agent.skills = [AgentSkill(skill=skill, level=5)]
            s.add(agent)
        # Not recorded: these benches measure routing and delivery, and the static dialplan
        # they are compared with records nothing either.
        s.add(QueueSettings(branch=bj, business_type=order, wrap_up_seconds=wrap_up_seconds,
                            recording=recording))
        await s.execute(update(BusinessHours).values(opens=clock(0), closes=clock.max))
    return numbers


class Timing:
    """Wraps the sessions' reserve and connect, and the desk's event feed."""

    def __init__(self, engine) -> None:
        self.decided: dict[str, float] = {}
        self.redirected: dict[str, float] = {}
        self.left_queue: dict[str, float] = {}  # PBX timestamps
        self.samples: list[tuple[float, float, float | None]] = []
        sessions: AgentSessions = engine.desk.sessions
        reserve, connect, feed = sessions.reserve, sessions.connect, engine.desk.on_event

        def timed_reserve(agent_id, call_id, *a, **kw):
            self.decided[call_id] = time.perf_counter()
            return reserve(agent_id, call_id, *a, **kw)

        async def timed_connect(agent_id, call_id, *a, **kw):
            self.redirected[call_id] = time.perf_counter()
            return await connect(agent_id, call_id, *a, **kw)

        async def timed_feed(item):
            now = time.perf_counter()
            if isinstance(item, QueueCallerLeave) and item.timestamp is not None:
                self.left_queue[item.channel.linkedid] = item.timestamp
            elif isinstance(item, BridgeEnter) and item.channel.linkedid in self.decided:
                call = item.channel.linkedid
                left = self.left_queue.pop(call, None)
                pbx_ms = ((item.timestamp - left) * 1000
                          if left is not None and item.timestamp is not None else None)
                self.samples.append(((now - self.decided.pop(call)) * 1000,
                                     (now - self.redirected.pop(call, now)) * 1000, pbx_ms))
            await feed(item)

        sessions.reserve, sessions.connect = timed_reserve, timed_connect
        engine.desk.on_event = timed_feed


async def softphone(work: Path, procs: list, calls: int = 1) -> int:
    """A sipp phone that answers `calls` calls, each until the PBX hangs up."""
    port = free_port(socket.SOCK_DGRAM)
    procs.append(await asyncio.create_subprocess_exec(
        "sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(port), "-m", str(calls), "-nostdin",
        cwd=work, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))
    return port


async def callers(settings: Settings, work: Path, calls: int, rate: float, limit: int) -> int:
    script = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]
    scenario = write_scenario(work, script, 9000)  # the transfer prompt, then the agent
    budget = int(calls / rate + 120)
    proc = await asyncio.create_subprocess_exec(
        "sipp", "-sf", str(scenario), "-s", settings.pbx.hotline_number, "-key", "caller",
        "13311112222", f"127.0.0.1:{settings.pbx.sip_port}", "-i", "127.0.0.1",
        "-p", str(free_port(socket.SOCK_DGRAM)), "-mp", str(free_port(socket.SOCK_DGRAM)),
        "-l", str(limit), "-m", str(calls), "-r", f"{rate:g}", "-timeout", f"{budget}s",
        "-timeout_error", "-nostdin", cwd=work, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)
    try:
        return await asyncio.wait_for(proc.wait(), budget + 15)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def stop(pbx, db, procs: list) -> None:
    """The PBX down, the database closed, every sipp phone stopped."""
    await pbx.down()
    await db.dispose()
    for proc in procs:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


@contextlib.asynccontextmanager
async def engine_on_pbx(settings, pbx, db, procs: list):
    """The PBX up and the engine in process, connected to it (the app is yielded); on leaving,
    the PBX, the database and the phones stopped."""
    await pbx.up()
    try:
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            await app.state.engine.ami.wait_connected(timeout=10)
            yield app
    finally:
        await stop(pbx, db, procs)


async def in_session(engine, numbers: list[str], timeout: float) -> None:
    """The agents logged in, once the router has them all available."""
    for n in numbers:
        await engine.desk.login(engine.desk.agent_by_number(n))
    try:
        async with asyncio.timeout(timeout):
            while engine.desk.router.available_count < len(numbers):
                await asyncio.sleep(0.05)
    except TimeoutError:
        states = {n: engine.desk.sessions.machine(engine.desk.agent_by_number(n).id).state
                  for n in numbers}
        raise RuntimeError(f"agents never all available: {states}") from None


@contextlib.asynccontextmanager
async def admin_client(app):
    """The API in process (the address is only a name, nothing is fetched), signed in as the
    demo's administrator."""
    async with AsyncClient(transport=ASGITransport(app), base_url="http://127.0.0.1") as http:
        token = (await http.post("/auth/token", data={
            "username": "admin", "password": DEMO_PASSWORD})).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        yield http


async def prepare(work: Path, agents: int, rtp_ports: int):
    """Settings on free ports, and a migrated demo database with `agents` bench agents:
    (settings, database engine, sessions, the agents' numbers)."""
    rtp = random.randrange(20000, 60000 - rtp_ports, 1000)
    settings = Settings(
        data_dir=work,
        pbx=PbxSettings(run_dir=work / "pbx", sip_port=free_port(socket.SOCK_DGRAM),
                        rtp_start=rtp, rtp_end=rtp + rtp_ports - 1),
        ami=AmiSettings(port=free_port()), agi=AgiSettings(port=free_port()),
        db={"url": f"sqlite+aiosqlite:///{work}/hotline.db"})
    await runner.upgrade(settings.db.url)
    db = make_engine(settings.db.url)
    sessions = make_sessionmaker(db)
    await seed(sessions)
    return settings, db, sessions, await add_agents(sessions, agents)


async def bench(args: argparse.Namespace, work: Path) -> dict:
    settings, db, sessions, numbers = await prepare(work, args.agents, 1000)
    procs: list = []
    phones = {f"agent-{n}": f"sip:agent@127.0.0.1:{await softphone(work, procs)}"
              for n in numbers}
    endpoints, queues = await pbx_layout(sessions, phones)
    async with engine_on_pbx(settings, local_pbx(settings, endpoints, queues), db, procs) as app:
        engine = app.state.engine
        timing = Timing(engine)
        await in_session(engine, numbers, timeout=20)
        print(f"{len(numbers)} agents in session; {args.calls} callers at {args.rate}/s ...",
              flush=True)
        exit_code = await callers(settings, work, args.calls, args.rate, args.agents * 3)
        await asyncio.sleep(2)
        undelivered = len(timing.decided)
    decision, redirect, pbx_side = zip(*timing.samples) if timing.samples else ((), (), ())
    return {"agents": args.agents, "calls": args.calls, "rate": args.rate,
            "sipp_exit_code": exit_code, "delivered": len(timing.samples),
            "reserved_never_joined": undelivered,
            "decision_to_joined_ms": summary_ms(list(decision)),
            "redirect_to_joined_ms": summary_ms(list(redirect)),
            "pbx_queue_leave_to_join_ms": summary_ms([v for v in pbx_side if v is not None]),
            "goal_p99_ms": GOAL_MS}


def run(bench_coro, args: argparse.Namespace, name: str) -> dict:
    """Runs the bench in a fresh folder (kept with --keep), on the engine's own event loop, and
    writes bench/out/<name>.json."""
    work = Path(tempfile.mkdtemp(prefix=f"hotline-{name}-"))
    try:
        result = run_loop(bench_coro(args, work))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    OUT.mkdir(exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(result, indent=2))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rate", type=float, default=3.0)
    parser.add_argument("--keep", action="store_true", help="keep the run folder")
    args = parser.parse_args()
    result = run(bench, args, "connect_latency")
    d = result["decision_to_joined_ms"]
    print(json.dumps(result, indent=2))
    ok = (d.get("p99", float("inf")) < GOAL_MS and result["sipp_exit_code"] == 0
          and result["delivered"] == args.calls)
    print(f"decision -> caller bridged with the agent: p50 {d.get('p50')} ms, p99 {d.get('p99')} "
          f"ms over {d.get('n')} deliveries (goal p99 < {GOAL_MS} ms): {'PASS' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
