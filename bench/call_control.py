"""Call control on the real PBX: how long a blind transfer takes, and how late a callback is dialed.

    .venv/bin/python bench/call_control.py [--transfers 100] [--workers 5] [--callbacks 30]

Transfers: Beijing order agents 81001.. and headquarters order agents 82001.. are logged in with
sipp softphones; `--workers` sipp callers at a time walk the IVR to a Beijing agent, who
transfers each (the API, in process) to HQ-order. Per transfer: the request sent -> the caller's
BridgeEnter into a bridge with a headquarters agent's leg (the PBX's event, received here; the
caller's exten in the connect context is the agent). The headquarters agent then hangs the caller
up and takes the next.

Callbacks: feedback calls (callback requests) due every 1.5 s from 5 s on, for the Beijing
agents, to sipp customers who answer: per callback, its due moment -> its attempt's start (the
Originate follows in the same step). The callback campaign calls around the clock here.
Writes bench/out/call_control.json.
"""
import argparse
import asyncio
import json
import socket
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from connect_latency import (
    admin_client,
    engine_on_pbx,
    in_session,
    prepare,
    run,
    softphone,
    summary_ms,
)
from sqlalchemy import select

from asterisk import dialplan as dp
from asterisk.events import BridgeEnter
from asterisk.ports import free_port
from asterisk.sipp_customers import Population, write_customers_scenario
from asterisk.sipp_phone import Keys, Pause, write_scenario
from dialer.standing import ALL_DAY, standing_campaign
from models import (
    Agent,
    AgentSkill,
    Branch,
    BusinessType,
    CallbackRequest,
    CampaignPurpose,
    ContactAttempt,
    QueueSettings,
    RecordingPolicy,
    Skill,
    utcnow,
)
from models.security import hash_pin, new_sip_secret
from runtime.provision import local_pbx, pbx_layout

CONNECTS = (dp.CTX_CONNECT, dp.CTX_CONNECT_RECORDED)


async def add_hq_agents(sessions, count: int) -> list[str]:
    """Headquarters order agents 82001.., and HQ-order without wrap-up."""
    numbers = [str(82001 + i) for i in range(count)]
    async with sessions() as s, s.begin():
        hq = await s.scalar(select(Branch).where(Branch.code == "HQ"))
        order = await s.scalar(select(BusinessType).where(BusinessType.code == "order"))
        skill = await s.scalar(select(Skill).where(Skill.business_type_id == order.id))
        for n in numbers:
            agent = Agent(number=n, name=f"bench {n}", branch=hq, sip_endpoint=f"agent-{n}",
                          pin_hash=hash_pin("1234"), sip_secret=new_sip_secret())
            agent.skills = [AgentSkill(skill=skill, level=5)]
            s.add(agent)
        s.add(QueueSettings(branch=hq, business_type=order, wrap_up_seconds=0,
                            recording=RecordingPolicy.NEVER))
    return numbers


class Bridges:
    """Each caller's bridges with agents' legs, as the PBX reports them: caller number ->
    [(perf_counter when received, agent id)]."""

    def __init__(self) -> None:
        self.seen: dict[str, list[tuple[float, int]]] = {}
        self.changed = asyncio.Event()

    def __call__(self, item) -> None:
        if isinstance(item, BridgeEnter) and item.channel.context in CONNECTS:
            self.seen.setdefault(item.channel.caller_num, []).append(
                (time.perf_counter(), int(item.channel.exten)))
            self.changed.set()

    async def nth(self, caller: str, n: int, timeout: float = 60) -> tuple[float, int]:
        try:
            async with asyncio.timeout(timeout):
                while len(self.seen.get(caller, ())) < n:
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            raise RuntimeError(f"{caller} bridged {len(self.seen.get(caller, ()))} times, not "
                               f"{n}; seen: {sorted(self.seen)[:5]}") from None
        return self.seen[caller][n - 1]


async def one_caller(settings, work: Path, number: str) -> asyncio.subprocess.Process:
    script = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]
    scenario = write_scenario(work, script, 120_000)
    return await asyncio.create_subprocess_exec(
        "sipp", "-sf", str(scenario), "-s", settings.pbx.hotline_number, "-key", "caller",
        number, f"127.0.0.1:{settings.pbx.sip_port}", "-i", "127.0.0.1",
        "-p", str(free_port(socket.SOCK_DGRAM)), "-mp", str(free_port(socket.SOCK_DGRAM)),
        "-m", "1", "-nostdin", cwd=work, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)


async def transfers(http, engine, settings, work: Path, bridges: Bridges, worker: int,
                    count: int, hq: set[int], out: list[float]) -> None:
    for i in range(count):
        caller = f"1331{worker:03d}{i:04d}"
        proc = await one_caller(settings, work, caller)
        try:
            _, first = await bridges.nth(caller, 1)
            agent = engine.desk.agents[first].number
            asked = time.perf_counter()
            (await http.post(f"/agents/{agent}/call/transfer",
                             json={"queue": "HQ-order"})).raise_for_status()
            joined, second = await bridges.nth(caller, 2)
            if second not in hq:
                raise RuntimeError(f"transferred to agent {second}, not headquarters")
            out.append((joined - asked) * 1000)
            (await http.post(f"/agents/{engine.desk.agents[second].number}/call/hangup")
             ).raise_for_status()
            await asyncio.wait_for(proc.wait(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


async def callbacks(sessions, engine, count: int) -> list[float]:
    """Feedback calls due from 5 s on, 1.5 s apart: each one's due moment -> its attempt."""
    async with sessions() as s, s.begin():
        bj = await s.scalar(select(Branch).where(Branch.code == "BJ"))
        campaign = await standing_campaign(s, bj, CampaignPurpose.CALLBACK,
                                           engine.settings.pbx.hotline_number)
        campaign.windows, campaign.wrap_up_seconds = ALL_DAY, 0  # agents free at once
        first = utcnow() + timedelta(seconds=5)
        s.add_all(CallbackRequest(pbx_server="", linkedid=f"opinion-{i}", queue="BJ-order",
                                  caller_number=f"1390000{i:04d}",
                                  requested_at=first + timedelta(seconds=1.5 * i))
                  for i in range(count))
    async with asyncio.timeout(60 + 2 * count):
        while True:
            await engine.dialer.flush()
            async with sessions() as s:
                rows = (await s.execute(
                    select(CallbackRequest.requested_at, ContactAttempt.started_at)
                    .join(ContactAttempt,
                          ContactAttempt.contact_id == CallbackRequest.contact_id))).all()
            if len(rows) >= count:
                return [(started - due).total_seconds() * 1000 for due, started in rows]
            await asyncio.sleep(0.5)


async def bench(args: argparse.Namespace, work: Path) -> dict:
    settings, db, sessions, bj = await prepare(work, args.workers, 1000)
    hq_numbers = await add_hq_agents(sessions, args.workers)
    procs: list = []
    phones = {f"agent-{n}": f"sip:agent@127.0.0.1:{await softphone(work, procs)}"
              for n in [*bj, *hq_numbers]}
    customers_port = free_port(socket.SOCK_DGRAM)
    procs.append(await asyncio.create_subprocess_exec(
        "sipp", "-sf", str(write_customers_scenario(work, Population(
            busy=0, failed=0, unanswered=0, ring_ms=(200, 400), talk_ms=(1500, 1500)))),
        "-i", "127.0.0.1", "-p", str(customers_port), "-mp", str(free_port(socket.SOCK_DGRAM)),
        "-m", "100000", "-nostdin", cwd=work, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL))
    phones["customers"] = f"sip:customers@127.0.0.1:{customers_port}"
    endpoints, queues = await pbx_layout(sessions, phones)
    latencies: list[float] = []
    async with engine_on_pbx(settings, local_pbx(settings, endpoints, queues), db, procs) as app:
        engine = app.state.engine
        bridges = Bridges()
        engine.watch(bridges)
        await in_session(engine, [*bj, *hq_numbers], timeout=30)
        hq = {engine.desk.agent_by_number(n).id for n in hq_numbers}
        async with admin_client(app) as http:
            per_worker = max(1, args.transfers // args.workers)
            print(f"{per_worker * args.workers} transfers by {args.workers} callers ...",
                  flush=True)
            async with asyncio.TaskGroup() as tg:
                for w in range(args.workers):
                    tg.create_task(transfers(http, engine, settings, work, bridges, w,
                                             per_worker, hq, latencies))
        print(f"{args.callbacks} callbacks due 1.5 s apart ...", flush=True)
        late = await callbacks(sessions, engine, args.callbacks)
    return {"transfers": len(latencies), "workers": args.workers,
            "transfer_requested_to_bridged_with_next_agent_ms": summary_ms(latencies),
            "callbacks": len(late), "callback_due_to_dialed_ms": summary_ms(late)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=100)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--callbacks", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the run folder")
    args = parser.parse_args()
    result = run(bench, args, "call_control")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
