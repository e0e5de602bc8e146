"""What a page of the call log costs over a year of calls, on SQLite or PostgreSQL: the reply
time of `GET /calls` through the whole app (in process, no PBX), for a headquarters supervisor
and a branch's, the first page, a page deep in the list (by its cursor), a day's range and an
agent's history.

    .venv/bin/python bench/paging.py [--calls 1000000] [--repeat 50] [--url URL [--reuse]]

The calls are spread over 365 days, across the demo's branches and agents (a third of them
taken by an agent), written once per database (a fresh SQLite file by default; `--url` a
PostgreSQL database, emptied first). Each case is asked `--repeat` times after one warm-up; the
median and p95 of the wall-clock reply time are printed and written to bench/out/paging.json.
"""
import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from httpx import ASGITransport, AsyncClient  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from agent_api.app import create_app  # noqa: E402
from migrations import runner  # noqa: E402
from models import Agent, Branch, Call, make_engine, make_sessionmaker  # noqa: E402
from models.calls import CallDirection, CallOutcome  # noqa: E402
from runtime.settings import Settings  # noqa: E402
from services.demo import DEMO_PASSWORD, seed  # noqa: E402

OUT = Path(__file__).parent / "out"
END = datetime(2026, 12, 1, tzinfo=UTC)


async def fill(url: str, count: int) -> None:
    if url.startswith("postgresql"):
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await runner.upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    await seed(sessions)
    async with sessions() as s:
        branches = list(await s.scalars(select(Branch.id).order_by(Branch.id)))
        agents = list(await s.scalars(select(Agent.id).order_by(Agent.id)))
    step = timedelta(days=365) / count
    for start in range(0, count, 20_000):
        rows = [{"linkedid": f"b.{n}", "uniqueid": f"b.{n}", "direction": CallDirection.INBOUND,
                 "caller_number": f"138{n % 100_000_000:08d}", "offered_at": END - step * n,
                 "branch_id": branches[n % len(branches)],
                 "agent_id": agents[n % len(agents)] if n % 3 == 0 else None,
                 "queue": "BJ-order", "outcome": CallOutcome.COMPLETED}
                for n in range(start, min(start + 20_000, count))]
        async with sessions() as s, s.begin():
            await s.execute(insert(Call), rows)
    # the planner's statistics and PostgreSQL's visibility map (index-only counts), as a live
    # database has them from autovacuum
    async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        await conn.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
    await engine.dispose()


async def measure(url: str, work: Path, repeat: int) -> dict:
    app = create_app(Settings(data_dir=work, db={"url": url}, pbx={"run_dir": work / "pbx"}),
                     telephony=False)
    results = {}
    async with app.router.lifespan_context(app), AsyncClient(
            transport=ASGITransport(app), base_url="http://bench") as api:
        async def token(username: str, password: str = DEMO_PASSWORD) -> dict:
            reply = await api.post("/auth/token", data={"username": username,
                                                        "password": password})
            return {"Authorization": f"Bearer {reply.json()['access_token']}"}
        hq = await token("admin")
        await api.post("/users", headers=hq, json={
            "username": "bench-bj", "password": "long-enough", "role": "supervisor",
            "branch": "BJ"})
        bj = await token("bench-bj", "long-enough")
        agent = (await api.get("/agents/8001", headers=hq)).json()["id"]

        async def deep(headers: dict) -> str:  # the address of page 21
            path = "/calls?limit=50"
            for _ in range(20):
                reply = await api.get(path, headers=headers)
                path = re.fullmatch(r'<([^>]+)>; rel="next"', reply.headers["link"])[1]
            return path

        day = {"since": (END - timedelta(days=100)).isoformat(),
               "until": (END - timedelta(days=99)).isoformat()}
        cases = {
            "headquarters, first page": (hq, "/calls", {}),
            "headquarters, page 21 (cursor)": (hq, await deep(hq), {}),
            "headquarters, one day 100 days ago": (hq, "/calls", day),
            "branch BJ, first page": (bj, "/calls", {}),
            "branch BJ, page 21 (cursor)": (bj, await deep(bj), {}),
            "branch BJ, one day 100 days ago": (bj, "/calls", day),
            "agent 8001's history": (hq, "/calls", {"agent_id": agent}),
        }
        for name, (headers, path, params) in cases.items():
            await api.get(path, params=params, headers=headers)  # warm-up
            took = []
            for _ in range(repeat):
                began = time.perf_counter()
                reply = await api.get(path, params=params, headers=headers)
                took.append((time.perf_counter() - began) * 1000)
                assert reply.status_code == 200 and reply.json(), reply.text[:200]
            took.sort()
            results[name] = {"median_ms": round(statistics.median(took), 2),
                             "p95_ms": round(took[int(0.95 * (len(took) - 1))], 2),
                             "total": reply.headers.get("x-total-count")}
    return results


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--url")
    parser.add_argument("--reuse", action="store_true", help="--url's calls, written before")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        url = args.url or f"sqlite+aiosqlite:///{work / 'hotline.db'}"
        if not args.reuse:
            began = time.perf_counter()
            await fill(url, args.calls)
            print(f"{args.calls} calls written in {time.perf_counter() - began:.0f} s")
        results = await measure(url, work, args.repeat)
    backend = url.split(":", 1)[0]
    print(f"GET /calls, 50 a page, {args.calls} calls over 365 days, {backend}:")
    for name, r in results.items():
        print(f"  {name:38} median {r['median_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms"
              f"  X-Total-Count {r['total']}")
    OUT.mkdir(exist_ok=True)
    (OUT / "paging.json").write_text(json.dumps({"calls": args.calls, "backend": backend,
                                                 "results": results}, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
