"""Inbound capacity on the real PBX: the highest rate of calls per second that sipp can push
through the IVR and the ACD to sipp agents with every call completed, side by side in the same
run with a static dialplan doing the same work without the engine.

    .venv/bin/python bench/inbound_capacity.py [--rates 5,10,15,20,25,30] [--seconds 10]
                                               [--calls 60] [--agents 60] [--runs 1] [--hogs 0]

Both paths share one PBX, one sipp caller script (1.5 s, key 1, 1.5 s, a Beijing card and #,
then on the line 5 s more: the transfer prompt, then about 1.5 s with the agent) and agents
that answer at once (sipp UAS):
- engine: 4000 -> the IVR over FastAGI (menu, card lookup, routing facts) -> queue BJ-order ->
  the ACD delivers to the sessions of `--agents` logged-in agents (by Redirect, then Bridge()
  with the agent's leg, which waits idle in a silent holding bridge);
- static: 4001 -> Answer, Read(menu key) and Read(card) over the same prompts, Playback of the
  transfer prompt, Queue() with `--agents` static members rung rrmemory, autofill on as in
  every queue of the project (no engine involved).
The paths climb the rates in turn, a step of one beside the same step of the other (the host's
speed drifts over minutes); the agents log out for the static path's steps, so their idle
sessions (the PBX's idle CPU is measured with and without them) do not load it. `--runs N`
climbs N times. `--hogs N` keeps N processes burning CPU throughout, as on a slower or
busier host. A step is `--seconds` of calls at one rate (at least `--calls` calls); it is
complete when sipp reports no failed call and every call's row (from the PBX's
own events) shows it connected to an agent. A path stops at its first incomplete step.
Writes bench/out/inbound_capacity.json.
"""
import argparse
import asyncio
import os
import socket
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connect_latency import free_port, in_session, prepare, run  # noqa: E402
from ivr_load import cpu_seconds, machine_busy  # noqa: E402
from sqlalchemy import select  # noqa: E402

from agent_api.app import create_app  # noqa: E402
from asterisk.config import SipEndpoint  # noqa: E402
from asterisk.events import BridgeEnter, QueueCallerJoin  # noqa: E402
from asterisk.pbx import LocalPbx  # noqa: E402
from asterisk.sipp_phone import Keys, Pause, write_scenario  # noqa: E402
from models import Call, utcnow  # noqa: E402
from models.security import new_sip_secret  # noqa: E402
from runtime.provision import local_pbx, pbx_layout  # noqa: E402
from runtime.settings import Settings  # noqa: E402

ENGINE_NUMBER, STATIC_NUMBER = "4000", "4001"
GOAL_RATIO = 0.9
SCRIPT = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]
HOLD_MS = 5000  # after the card: ~3.5 s of transfer prompt, then ~1.5 s with the agent
IDLE_SECONDS = 5.0


def static_dialplan(prompts: str) -> str:
    return f"""
[hotline-inbound]
exten => {STATIC_NUMBER},1,Answer()
 same => n,Read(CHOICE,{prompts}/welcome,1,,1,5)
 same => n,Read(CARD,{prompts}/enter-card,12,,1,10)
 same => n,Playback({prompts}/transfer)
 same => n,Queue(static-bj-order,,,,300)
 same => n,Hangup()
"""


def static_queue(members: list[str]) -> str:
    lines = ["", "[static-bj-order]", "strategy = rrmemory", "ringinuse = no", "timeout = 15",
             "retry = 0", "joinempty = yes", "musicclass = default"]
    return "\n".join(lines + [f"member => PJSIP/{m}" for m in members]) + "\n"


class BenchPbx(LocalPbx):
    """The project's PBX plus the static path, appended to the rendered configuration."""

    static_members: list[str] = []

    def write_config(self) -> None:
        super().write_config()
        with (self.run_dir / "etc/extensions.conf").open("a") as f:
            f.write(static_dialplan("/pbx/prompts/zh"))
        with (self.run_dir / "etc/queues.conf").open("a") as f:
            f.write(static_queue(self.static_members))


async def run_sipp(settings: Settings, work: Path, number: str, calls: int, rate: float) -> dict:
    scenario = write_scenario(work, SCRIPT, HOLD_MS)
    stat = work / f"stat-{number}-{rate:g}.csv"
    budget = int(calls / rate + 60)
    proc = await asyncio.create_subprocess_exec(
        "sipp", "-sf", str(scenario), "-s", number, "-key", "caller", "13311112222",
        f"127.0.0.1:{settings.pbx.sip_port}", "-i", "127.0.0.1",
        "-p", str(free_port(socket.SOCK_DGRAM)), "-mp", str(free_port(socket.SOCK_DGRAM)),
        "-m", str(calls), "-r", f"{rate:g}", "-timeout", f"{budget}s", "-timeout_error",
        "-trace_stat", "-stf", str(stat), "-nostdin", cwd=work,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        await asyncio.wait_for(proc.wait(), budget + 15)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    last = stat.read_text().splitlines()[-1].split(";") if stat.exists() else []
    head = stat.read_text().splitlines()[0].split(";") if stat.exists() else []
    counters = dict(zip(head, last))
    return {"exit_code": proc.returncode,
            "failed": int(counters.get("FailedCall(C)", -1) or -1),
            "successful": int(counters.get("SuccessfulCall(C)", -1) or -1)}


def spread(seconds: list[float]) -> str:
    """p50 / p99 / max of some durations, in ms."""
    if not seconds:
        return "-"
    ms = sorted(s * 1000 for s in seconds)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return f"{ms[len(ms) // 2]:.0f} / {p99:.0f} / {ms[-1]:.0f}"


async def connected_calls(engine, number: str, since) -> tuple[int, int, dict[str, int], dict]:
    """(calls to `number` since `since`, of them connected to an agent, where the others
    stopped: "last step / queue / outcome" -> count, and the spread of the times from the call
    to its queue and from the queue to the agent), once all have ended."""
    deadline = time.monotonic() + 30
    while True:
        await engine.call_log.flush()
        async with engine.call_log.sessions() as s:
            rows = list(await s.scalars(select(Call).where(Call.dialed_number == number,
                                                           Call.offered_at >= since)))
        ended = all(r.ended_at is not None for r in rows)
        if ended or time.monotonic() > deadline:
            lost = Counter(f"{r.last_step} / {r.queue} / {r.outcome}"
                           for r in rows if r.connected_at is None)
            timing = {
                "to_queue_ms": spread([(r.queued_at - r.offered_at).total_seconds()
                                       for r in rows if r.queued_at]),
                "queue_to_agent_ms": spread([(r.connected_at - r.queued_at).total_seconds()
                                             for r in rows if r.queued_at and r.connected_at])}
            return len(rows), sum(r.connected_at is not None for r in rows), dict(lost), timing
        await asyncio.sleep(0.5)


class DeliveryTiming:
    """Where a delivery's time goes: how far behind the PBX the engine reads events (the PBX's
    timestamp of each event to the moment the desk gets it), the engine's part (the caller
    joins its queue, by the PBX's clock, to the engine's choice of an agent) and the PBX's
    part (that choice to the caller bridged with the agent's leg, by the PBX's clock), split
    where the engine sends the Redirect."""

    def __init__(self, engine) -> None:
        self.seconds: list[float] = []
        self.queued: dict[str, float] = {}
        self.chosen: dict[str, float] = {}
        self.to_choice: list[float] = []
        self.to_bridge: list[float] = []
        self.channels: dict[str, str] = {}  # a queued caller's channel -> its call
        self.redirected: dict[str, float] = {}
        self.to_redirect: list[float] = []
        self.redirect_to_bridge: list[float] = []
        feed, reserve = engine.desk.on_event, engine.desk.sessions.reserve
        ami = engine.ami
        action = ami.action

        async def timed_action(name, fields=None, **kw):
            if name == "Redirect" and (call_id := self.channels.pop(
                    (fields or {}).get("Channel"), None)) in self.chosen:
                self.redirected[call_id] = time.time()
                self.to_redirect.append(self.redirected[call_id] - self.chosen[call_id])
            return await action(name, fields, **kw)

        async def timed(item):
            ts = getattr(item, "timestamp", None)
            if ts is not None:
                self.seconds.append(time.time() - ts)
                if isinstance(item, QueueCallerJoin):
                    self.queued.setdefault(item.channel.linkedid, ts)
                elif isinstance(item, BridgeEnter) and item.channel.linkedid in self.chosen:
                    self.to_bridge.append(ts - self.chosen.pop(item.channel.linkedid))
                    if (sent := self.redirected.pop(item.channel.linkedid, None)) is not None:
                        self.redirect_to_bridge.append(ts - sent)
                if isinstance(item, QueueCallerJoin):
                    self.channels[item.channel.name] = item.channel.linkedid
            await feed(item)

        def timed_reserve(agent_id, call_id, *a, **kw):
            now = time.time()
            if call_id in self.queued:
                self.to_choice.append(now - self.queued.pop(call_id))
            self.chosen[call_id] = now
            return reserve(agent_id, call_id, *a, **kw)

        engine.desk.on_event, engine.desk.sessions.reserve = timed, timed_reserve
        ami.action = timed_action

    def take(self) -> dict[str, str]:
        taken = {"event_lag_ms": spread(self.seconds), "queue_to_choice_ms":
                 spread(self.to_choice), "choice_to_bridge_ms": spread(self.to_bridge),
                 "choice_to_redirect_ms": spread(self.to_redirect),
                 "redirect_to_bridge_ms": spread(self.redirect_to_bridge)}
        self.seconds, self.to_choice, self.to_bridge = [], [], []
        self.to_redirect, self.redirect_to_bridge = [], []
        self.redirected.clear()
        self.channels.clear()
        self.queued.clear()
        self.chosen.clear()
        return taken


def cpu_now(pbx: LocalPbx) -> tuple[float, float, float, float]:
    """CPU seconds so far: the PBX, this process (the engine and the bench), the machine, and
    the time the host took the machine's CPUs away (steal: a busy host perturbs the step)."""
    ticks = Path("/proc/stat").read_text().split("\n")[0].split()
    steal = int(ticks[8]) / os.sysconf("SC_CLK_TCK")
    return cpu_seconds(pbx.pid()), cpu_seconds(os.getpid()), machine_busy()[0], steal


async def step(engine, pbx, settings, work, number: str, rate: float, seconds: float,
               least: int, lag: DeliveryTiming) -> dict:
    calls = max(least, round(rate * seconds))
    since = utcnow()
    started = time.monotonic()
    before = cpu_now(pbx)
    lag.take()
    for _ in range(3):
        sipp = await run_sipp(settings, work, number, calls, rate)
        if sipp["exit_code"] == 0 or max(sipp["successful"], sipp["failed"]) > 0:
            break
        # sipp placed no call: its free ports were taken before it bound them (the PBX's
        # RTP range overlaps the ephemeral one). Not a step the PBX or the engine failed.
        print(f"  {number}: sipp exited {sipp['exit_code']} without a call; again", flush=True)
    cpu = [round(b - a, 1) for a, b in zip(before, cpu_now(pbx))]
    timing = lag.take()
    placed, connected, lost, call_timing = await connected_calls(engine, number, since)
    timing |= call_timing
    complete = (sipp["exit_code"] == 0 and sipp["failed"] == 0 and placed == calls
                and connected == calls)
    print(f"  {number}: {rate:g}/s -> {connected}/{calls} connected, sipp failed "
          f"{sipp['failed']}: {'complete' if complete else f'INCOMPLETE {lost}'}; ms p50/p99/max"
          f" to queue {timing['to_queue_ms']}, queue to agent {timing['queue_to_agent_ms']},"
          f" event lag {timing['event_lag_ms']}, queue to choice {timing['queue_to_choice_ms']},"
          f" choice to bridge {timing['choice_to_bridge_ms']} (to the Redirect sent"
          f" {timing['choice_to_redirect_ms']}, then {timing['redirect_to_bridge_ms']});"
          f" CPU s PBX / engine / machine / steal {cpu}", flush=True)
    await asyncio.sleep(3)  # let the last step's channels go
    return {"rate": rate, "placed": placed, "connected": connected, "lost": lost, **timing,
            **sipp, "cpu_seconds_pbx_engine_machine_steal": cpu,
            "seconds": round(time.monotonic() - started, 1), "complete": complete}


async def climb(engine, pbx, settings, work, numbers: list[str], paths: list[str],
                rates: list[float], seconds: float, least: int, lag: DeliveryTiming,
                idle: dict[str, float]) -> dict:
    """Both paths climb the rates in turn, each step of one beside the same step of the other:
    the host's speed drifts over minutes, and a path climbed alone after the other met a
    different machine. The agents are logged out for the static path's steps (their idle
    sessions would load it) and in for the engine's, and each step waits for the PBX to settle
    from that. A path stops at its first incomplete step."""
    steps: dict[str, list] = {path: [] for path in paths}
    logged_in = False
    for rate in rates:
        for path, number in (("static", STATIC_NUMBER), ("engine", ENGINE_NUMBER)):
            if path not in steps or (steps[path] and not steps[path][-1]["complete"]):
                continue
            if logged_in != (path == "engine"):
                if path == "engine":
                    await in_session(engine, numbers, timeout=30)
                else:
                    await log_out(engine, numbers)
                logged_in = not logged_in
                await settle(pbx, idle[path])
            steps[path].append(await step(engine, pbx, settings, work, number, rate, seconds,
                                          least, lag))
    if logged_in:
        await log_out(engine, numbers)
    return steps


async def log_out(engine, numbers: list[str]) -> None:
    for n in numbers:
        await engine.desk.logout(engine.desk.agent_by_number(n))
    await asyncio.sleep(3)  # the legs' hangups


async def pbx_cores(pbx: LocalPbx, seconds: float) -> float:
    """The PBX's CPU over the next `seconds`, in cores."""
    before = cpu_seconds(pbx.pid())
    await asyncio.sleep(seconds)
    return (cpu_seconds(pbx.pid()) - before) / seconds


async def idle_cores(pbx: LocalPbx) -> float:
    """The PBX's CPU while no call is placed, in cores."""
    return await pbx_cores(pbx, IDLE_SECONDS)


async def settle(pbx: LocalPbx, idle: float, most_seconds: float = 20.0) -> None:
    """Until the PBX is back near its idle CPU (the agents' legs set up or torn down)."""
    deadline = time.monotonic() + most_seconds
    while time.monotonic() < deadline and await pbx_cores(pbx, 1.0) > idle + 0.05:
        pass


def best(steps: list) -> float:
    return max((s["rate"] for s in steps if s["complete"]), default=0.0)


async def bench(args: argparse.Namespace, work: Path) -> dict:
    settings, db, sessions, numbers = await prepare(work, args.agents, 5000)
    uas_port = free_port(socket.SOCK_DGRAM)
    uas = await asyncio.create_subprocess_exec(  # answers every agent call, stays until BYE
        "sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(uas_port), "-m", "1000000",
        "-nostdin", cwd=work, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)
    contact = f"sip:agent@127.0.0.1:{uas_port}"
    endpoints, queues = await pbx_layout(sessions)
    agents = {f"agent-{n}" for n in numbers}
    static = [f"static-{i}" for i in range(1, args.agents + 1)]
    endpoints = tuple(SipEndpoint(e.name, e.password, contact=contact if e.name in agents else None)
                      for e in endpoints) + tuple(SipEndpoint(m, new_sip_secret(), contact=contact)
                                                  for m in static)
    pbx = local_pbx(settings, endpoints, queues, kind=BenchPbx)
    pbx.static_members = static
    rates = [float(r) for r in args.rates.split(",")]
    runs: list[dict] = []
    hogs = []
    try:  # the answering phone is stopped whatever fails, the PBX's start too
        await pbx.up()
        for _ in range(args.hogs):
            hogs.append(await asyncio.create_subprocess_exec(
                sys.executable, "-c", "while True: pass"))
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            engine = app.state.engine
            await engine.ami.wait_connected(timeout=10)
            lag = DeliveryTiming(engine)
            paths = args.paths.split(",")
            for n in range(1, args.runs + 1):
                idle = {"static": await idle_cores(pbx)}
                await in_session(engine, numbers, timeout=30)
                idle["engine"] = await idle_cores(pbx)
                await log_out(engine, numbers)
                print(f"run {n}: the PBX idles at {idle['static']:.2f} cores, and at "
                      f"{idle['engine']:.2f} with {len(numbers)} agents in session; the static "
                      f"path has {len(static)} members; {args.seconds:g} s of calls a step",
                      flush=True)
                steps = await climb(engine, pbx, settings, work, numbers, paths, rates,
                                    args.seconds, args.calls, lag, idle)
                runs.append(one_run(idle, steps.get("static", []), steps.get("engine", [])))
                print(f"run {n}: engine {runs[-1]['engine']['best_rate']:g}/s, static "
                      f"{runs[-1]['static']['best_rate']:g}/s, ratio {runs[-1]['ratio']}",
                      flush=True)
    finally:
        for hog in hogs:
            hog.kill()
            await hog.wait()
        await pbx.down()
        await db.dispose()
        if uas.returncode is None:
            uas.kill()
        await uas.wait()
    ratios = [r["ratio"] for r in runs]
    return {"seconds_per_step": args.seconds, "least_calls_per_step": args.calls,
            "hogs": args.hogs, "agents": args.agents, "rates": rates, "runs": runs,
            "worst_ratio": min(ratios, key=lambda r: -1 if r is None else r),
            "goal_ratio": GOAL_RATIO}


def one_run(idle: dict, static_steps: list, engine_steps: list) -> dict:
    engine_best, static_best = best(engine_steps), best(static_steps)
    return {"pbx_idle_cores": {k: round(v, 3) for k, v in idle.items()},
            "engine": {"best_rate": engine_best, "steps": engine_steps},
            "static": {"best_rate": static_best, "steps": static_steps},
            "ratio": round(engine_best / static_best, 2) if static_best else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="5,10,15,20,25,30")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--agents", type=int, default=60)  # enough for ~40/s at 1.5 s a call
    parser.add_argument("--runs", type=int, default=1, help="climbs of both paths, in turn")
    parser.add_argument("--paths", default="static,engine",
                        help="the paths to climb (one alone: to profile it)")
    parser.add_argument("--keep", action="store_true", help="keep the run folder")
    parser.add_argument("--hogs", type=int, default=0,
                        help="processes that burn CPU throughout, as a slower or busier host")
    result = run(bench, parser.parse_args(), "inbound_capacity")
    print("highest complete rates (engine / static): " + ", ".join(
        f"{r['engine']['best_rate']:g}/{r['static']['best_rate']:g}" for r in result["runs"])
        + f"; worst ratio {result['worst_ratio']} (goal >= {GOAL_RATIO})")


if __name__ == "__main__":
    main()
