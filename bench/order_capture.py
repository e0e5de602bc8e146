"""Order capture and retailer lookup under load, on SQLite and on PostgreSQL, over HTTP.

    .venv/bin/python bench/order_capture.py [--clients 50] [--seconds 20] [--retailers 10000]
                                            [--backends sqlite,postgresql]

Per backend: a fresh database (SQLite in a temp folder; PostgreSQL: a throwaway database on
127.0.0.1:5432, dropped after), migrated, with the demo data and `--retailers` more Beijing
retailers with a phone each. `hotline serve` runs it in its own process (its PBX link finds no
PBX and keeps retrying, which costs nothing). `--clients` clients, each with its own token of
agent 8001 (Beijing), loop for `--seconds`: a lookup `GET /retailers?q=` by card prefix, phone
prefix or name, then an order `POST /orders` of one to three products for a random Beijing
retailer, each followed by `--think` seconds on average (an agent talks between two clicks;
0 runs them back to back, which measures the server's saturation instead). Latency is from the
request written to the reply read, in this process.
Goal (issue 5): p99 under 50 ms for each, at 50 clients, on both backends.
Writes bench/out/order_capture.json.
"""
import argparse
import asyncio
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402

from asterisk.ports import free_port  # noqa: E402
from migrations import runner  # noqa: E402
from models import Branch, Retailer, RetailerPhone, make_engine, make_sessionmaker  # noqa: E402
from models.catalogue import Product, ProductSupply  # noqa: E402
from services.demo import DEMO_PASSWORD, seed  # noqa: E402

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def populate(url: str, retailers: int) -> tuple[list[int], list[int], list[str]]:
    """The BJ retailers' ids, the products on supply in BJ, and lookup queries."""
    await runner.upgrade(url)
    db = make_engine(url)
    sessions = make_sessionmaker(db)
    await seed(sessions)
    async with sessions() as s, s.begin():
        bj = await s.scalar(select(Branch).where(Branch.code == "BJ"))
        s.add_all(Retailer(card_number=f"1199{i:06d}", name=f"北京{i}号便利店", branch_id=bj.id,
                           retailer_class=random.choice("ABCDE"),
                           phones=[RetailerPhone(number=f"1370{i:07d}")])
                  for i in range(retailers))
    async with sessions() as s:
        ids = list(await s.scalars(select(Retailer.id).where(Retailer.branch_id == bj.id)))
        products = list(await s.scalars(select(Product.id).join(
            ProductSupply, ProductSupply.product_id == Product.id).where(
            ProductSupply.branch_id == bj.id, ProductSupply.on_supply)))
    await db.dispose()
    queries = ([f"1199{i:04d}" for i in range(0, retailers // 100, 7)]
               + [f"1370{i:05d}" for i in range(0, retailers // 100, 11)] + ["便利店", "北京12"])
    return ids, products, queries


async def serve(url: str, work: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = os.environ | {"HOTLINE_DB__URL": url, "HOTLINE_HTTP__PORT": str(port),
                        "HOTLINE_AMI__PORT": str(free_port()),
                        "HOTLINE_AGI__PORT": str(free_port()),
                        "HOTLINE_DATA_DIR": str(work), "HOTLINE_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([str(ROOT / ".venv/bin/hotline"), "serve"], env=env, cwd=work,
                              stdout=open(work / "server.log", "wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                await client.get(f"{base}/health")  # degraded (no PBX) is fine here
                return server, base
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    server.kill()
    raise SystemExit(f"the server did not start: {(work / 'server.log').read_text()[-2000:]}")


async def load(base: str, clients: int, seconds: float, think: float, ids: list[int],
               products: list[int], queries: list[str]) -> dict:
    lookups: list[float] = []
    orders: list[float] = []
    errors: list[str] = []
    busy: list[int] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as login:
        tokens = [(await login.post("/auth/token", data={"username": "8001",
                                                          "password": DEMO_PASSWORD})
                   ).json()["access_token"] for _ in range(clients)]
    deadline = time.perf_counter() + seconds

    async def client(token: str) -> None:
        try:
            await requests(token)
        except httpx.TransportError as exc:  # counted, and the server's log is kept
            errors.append(f"transport: {exc!r}")

    async def requests(token: str) -> None:
        rng = random.Random(token)
        async with httpx.AsyncClient(base_url=base, timeout=30,
                                     headers={"Authorization": f"Bearer {token}"}) as http:
            await http.get("/auth/me")  # the agent's page is open: its connection is up
            await asyncio.sleep(rng.uniform(0, think))  # the agents do not start in step
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                reply = await http.get("/retailers", params={"q": rng.choice(queries),
                                                             "limit": 20})
                lookups.append(time.perf_counter() - started)
                if reply.status_code != 200:
                    errors.append(f"lookup {reply.status_code}: {reply.text[:200]}")
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
                lines = [{"product_id": p, "quantity": 1}
                         for p in rng.sample(products, rng.randint(1, 3))]
                started = time.perf_counter()
                reply = await http.post("/orders", json={"retailer_id": rng.choice(ids),
                                                         "lines": lines})
                orders.append(time.perf_counter() - started)
                if reply.status_code == 503:  # SQLite busy: refused whole, the agent resubmits
                    busy.append(1)
                elif reply.status_code != 201:
                    errors.append(f"order {reply.status_code}: {reply.text[:200]}")
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think)

    gc.collect()
    gc.freeze()  # this process's own collector pauses are not the server's latency
    started = time.perf_counter()
    await asyncio.gather(*(client(t) for t in tokens))
    elapsed = time.perf_counter() - started

    def figures(values: list[float]) -> dict:
        return {"count": len(values), "per_second": round(len(values) / elapsed, 1),
                **{f"p{p}_ms": round(percentile(values, p) * 1000, 2) for p in (50, 95, 99)},
                "max_ms": round(max(values) * 1000, 2)}

    return {"lookup": figures(lookups), "order": figures(orders), "errors": len(errors),
            "orders_refused_busy": len(busy),
            "elapsed": round(elapsed, 2),
            "first_errors": errors[:5]}


async def run_backend(backend: str, think: float, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="hotline-orders-") as tmp:
        work = Path(tmp)
        name = None
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{work}/hotline.db"
        else:
            name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
            conn = await asyncpg.connect(**PG, database="postgres")
            await conn.execute(f'CREATE DATABASE "{name}"')
            await conn.close()
            url = f"postgresql+asyncpg://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
        server, result = None, {}
        try:
            ids, products, queries = await populate(url, args.retailers)
            server, base = await serve(url, work)
            cpu = cpu_seconds(server.pid)
            result = await load(base, args.clients, args.seconds, think, ids, products, queries)
            result["server_cores"] = round((cpu_seconds(server.pid) - cpu) / result["elapsed"], 2)
        finally:
            if server is not None:
                server.terminate()
                server.wait(10)
                if result.get("errors"):
                    result["server_log_tail"] = (work / "server.log").read_text()[-3000:]
            if name is not None:
                conn = await asyncpg.connect(**PG, database="postgres")
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.close()
    return {"backend": backend, "think_seconds": think, "clients": args.clients,
            "retailers": args.retailers, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--retailers", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--think", default="1,0", help="seconds an agent spends between two "
                        "requests (on average; 0: back to back, the server's saturation)")
    args = parser.parse_args()
    args.think = [float(t) for t in args.think.split(",")]
    results = [asyncio.run(run_backend(b, think, args))  # a fresh server and database each
               for b in args.backends.split(",") for think in args.think]
    print(f"{'backend':<11} {'think s':>7} {'request':<7} {'count':>6} {'per s':>7} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for r in results:
        for kind in ("lookup", "order"):
            f = r[kind]
            print(f"{r['backend']:<11} {r['think_seconds']:>7} {kind:<7} {f['count']:>6} "
                  f"{f['per_second']:>7} {f['p50_ms']:>8} {f['p95_ms']:>8} {f['p99_ms']:>8} "
                  f"{f['max_ms']:>8}")
        print(f"{'':<11} {'':>7} server process: {r['server_cores']} cores busy; orders refused "
              f"503 (database busy, nothing saved): {r['orders_refused_busy']}")
        if r["errors"]:
            print(f"{r['backend']}: {r['errors']} failed requests: {r['first_errors']}")
            print(r.get("server_log_tail", ""))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "order_capture.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    if any(r["errors"] for r in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
