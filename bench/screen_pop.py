"""Screen-pop latency: from the routing decision to the frame received by the agent's client,
with `--agents` agents' clients connected over WebSocket.

    .venv/bin/python bench/screen_pop.py [--agents 200] [--offers 1000] [--rate 50]

The real app (SQLite, demo data plus `--agents` Beijing agents) is served by uvicorn in its own
thread and event loop; the clients (the `websockets` package, one per agent, following it with a
supervisor's token) run in this thread's loop. The routing decision is injected where the desk
makes it: `DesktopFeed.on_notice` with the reservation and the CallOffered, called in the
server's loop at t0. t1 is when a client reads the `call_offered` frame, then the `screen_pop`
frame (retailer, recent orders, open cases and IVR path read from the database) for that call.
Both clocks are this process's time.perf_counter. The PBX part of a delivery is measured by
connect_latency.py. Goal (issue 5): screen-pop p99 under 50 ms with 200 agents connected.
Writes bench/out/screen_pop.json.
"""
import argparse
import asyncio
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
import websockets  # noqa: E402
from order_capture import free_port, percentile  # noqa: E402
from sqlalchemy import select  # noqa: E402

from acd.agent_state import AgentState  # noqa: E402
from acd.notices import AgentChanged, CallOffered  # noqa: E402
from agent_api.app import create_app  # noqa: E402
from migrations import runner  # noqa: E402
from models import Agent, Branch, Retailer, make_engine, make_sessionmaker  # noqa: E402
from models.security import hash_pin  # noqa: E402
from runtime.settings import Settings  # noqa: E402
from services.demo import DEMO_PASSWORD, seed  # noqa: E402


async def prepare(url: str, agents: int) -> tuple[list[tuple[int, str]], int]:
    """The bench agents (id, number) and the retailer whose calls are offered."""
    await runner.upgrade(url)
    db = make_engine(url)
    sessions = make_sessionmaker(db)
    await seed(sessions)
    pin = hash_pin("0000")
    async with sessions() as s, s.begin():
        bj = await s.scalar(select(Branch).where(Branch.code == "BJ"))
        s.add_all(Agent(number=f"9{i:04d}", name=f"坐席{i}", branch_id=bj.id,
                        sip_endpoint=f"agent-9{i:04d}", pin_hash=pin) for i in range(agents))
    async with sessions() as s:
        rows = (await s.execute(select(Agent.id, Agent.number)
                                .where(Agent.number.like("9%")))).all()
        retailer = await s.scalar(select(Retailer.id).where(Retailer.card_number == "110100001"))
    await db.dispose()
    return [tuple(r) for r in rows], retailer


class Server:
    """The app under uvicorn in a thread with its own event loop."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self.port = settings.http.port
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                    lifespan="on", log_level="warning",
                                                    ws="websockets-sansio"))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete,
                                       args=(self.server.serve(),), daemon=True)

    def __enter__(self) -> "Server":
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise SystemExit("the server stopped before it started")
            time.sleep(0.05)
        return self

    def __exit__(self, *_) -> None:
        self.server.should_exit = True
        self.thread.join(15)


async def follow(url: str, token: str, number: str, offered: dict, popped: dict,
                 ready: asyncio.Event, count: list[int], total: int) -> None:
    async with websockets.connect(url, max_queue=None) as ws:
        await ws.send(json.dumps({"token": token, "agent": number}))
        assert json.loads(await ws.recv())["kind"] == "reset"
        count[0] += 1
        if count[0] == total:
            ready.set()
        async for message in ws:
            at = time.perf_counter()
            frame = json.loads(message)
            if frame["kind"] == "call_offered":
                offered[frame["data"]["call_id"]] = at
            elif frame["kind"] == "screen_pop":
                popped[frame["data"]["call_id"]] = at


async def bench(args: argparse.Namespace, work: Path) -> dict:
    url = f"sqlite+aiosqlite:///{work}/hotline.db"
    agents, retailer = await prepare(url, args.agents)
    settings = Settings(data_dir=work, db={"url": url}, http={"port": free_port()},
                        ami={"port": free_port()}, agi={"port": free_port()})
    sent: dict[str, float] = {}
    offered: dict[str, float] = {}
    popped: dict[str, float] = {}
    with Server(settings) as server:
        feed = server.app.state.engine.feed
        base = f"http://127.0.0.1:{server.port}"
        async with httpx.AsyncClient(base_url=base) as http:
            token = (await http.post("/auth/token", data={
                "username": "supervisor", "password": DEMO_PASSWORD})).json()["access_token"]
        ready, count = asyncio.Event(), [0]
        clients = [asyncio.create_task(follow(f"ws://127.0.0.1:{server.port}/ws/agent", token,
                                              number, offered, popped, ready, count, len(agents)))
                   for _, number in agents]
        await asyncio.wait_for(ready.wait(), 60)

        def decide(agent_id: int, call_id: str) -> None:  # in the server's loop
            sent[call_id] = time.perf_counter()
            feed.on_notice(AgentChanged(agent_id, AgentState.AVAILABLE, AgentState.RESERVED,
                                        "Reserve", None, call_id, None))
            feed.on_notice(CallOffered(agent_id, call_id, "BJ-order", "BJ", "order", "zh",
                                       retailer, "A", "13800010001", 3.0))

        def free(agent_id: int, call_id: str) -> None:
            feed.on_notice(AgentChanged(agent_id, AgentState.RESERVED, AgentState.AVAILABLE,
                                        "Release", None, call_id, None))

        rng = random.Random(1)
        for i in range(args.offers):
            agent_id, _ = rng.choice(agents)
            call_id = f"bench.{i}"
            server.loop.call_soon_threadsafe(decide, agent_id, call_id)
            await asyncio.sleep(1 / args.rate)
            server.loop.call_soon_threadsafe(free, agent_id, call_id)
        deadline = time.monotonic() + 10
        while len(popped) < args.offers and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        for c in clients:
            c.cancel()
        await asyncio.gather(*clients, return_exceptions=True)

    def figures(received: dict[str, float]) -> dict:
        ms = [(received[c] - sent[c]) * 1000 for c in sent if c in received]
        return {"received": len(ms), "lost": len(sent) - len(ms),
                **{f"p{p}_ms": round(percentile(ms, p), 2) for p in (50, 95, 99)},
                "max_ms": round(max(ms), 2)}

    return {"agents_connected": len(agents), "offers": args.offers, "rate": args.rate,
            "call_offered": figures(offered), "screen_pop": figures(popped)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--offers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="offers per second")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hotline-pop-") as tmp:
        result = asyncio.run(bench(args, Path(tmp)))
    print(f"{result['agents_connected']} agents connected, {result['offers']} offers at "
          f"{result['rate']}/s")
    print(f"{'frame':<13} {'received':>8} {'lost':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8}")
    for kind in ("call_offered", "screen_pop"):
        f = result[kind]
        print(f"{kind:<13} {f['received']:>8} {f['lost']:>5} {f['p50_ms']:>8} {f['p95_ms']:>8} "
              f"{f['p99_ms']:>8} {f['max_ms']:>8}")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "screen_pop.json").write_text(json.dumps(result, indent=2))
    if result["screen_pop"]["lost"] or result["call_offered"]["lost"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
