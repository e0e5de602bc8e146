"""How long the business reports take on a year of orders, on SQLite and on PostgreSQL.

    .venv/bin/python bench/business_reports.py [--orders 260000] [--rounds 7]
                                               [--backends sqlite,postgresql]

Per backend: a fresh database (SQLite in a temp folder; PostgreSQL: a throwaway database on
127.0.0.1:5432, dropped after), migrated, with the demo data and `--orders` orders spread evenly
over the year 2025 (a distributor's 5,000 retailers ordering weekly is about 260,000), each of one
to three lines, on the demo's retailers of Beijing and Shanghai, by phone, IVR or web, a few
cancelled. The roll-up then turns them into the business facts as the engine's would (its
first roll, every row new: the year's intervals), timed, as is rebuilding one day. Then,
`--rounds` times each, as headquarters reads them (the build function, no HTTP): the orders
report for a month by day, for the year by month; orders by product for the year by month; the
ordering cycles of a month. Reports the median and the slowest round. Writes
bench/out/business_reports.json.
"""
import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from migrations import runner  # noqa: E402
from models import Order, Retailer, Role, make_engine, make_sessionmaker  # noqa: E402
from models.catalogue import Product  # noqa: E402
from models.orders import OrderLine  # noqa: E402
from services.demo import seed  # noqa: E402
from services.principal import Principal  # noqa: E402
from services.reports.query import Grouping, ReportQuery  # noqa: E402
from services.reports.registry import REPORTS  # noqa: E402
from services.reports.rollup import rebuild_day, roll  # noqa: E402

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
HQ = Principal(1, "bench", Role.OPS, None, sees_all_branches=True, agent_id=None)
CASES = [
    ("orders, a month by day", "orders", date(2025, 6, 1), date(2025, 6, 30), Grouping.DAY),
    ("orders, the year by month", "orders", date(2025, 1, 1), date(2025, 12, 31), Grouping.MONTH),
    ("orders by product, the year by month", "orders_by_product", date(2025, 1, 1),
     date(2025, 12, 31), Grouping.MONTH),
    ("ordering cycles, a month", "order_cycles", date(2025, 6, 1), date(2025, 6, 30),
     Grouping.DAY),
]


async def populate(url: str, orders: int) -> None:
    await runner.upgrade(url)
    db = make_engine(url)
    sessions = make_sessionmaker(db)
    await seed(sessions)
    rng = random.Random(25)
    async with sessions() as s:
        retailers = list(await s.scalars(
            select(Retailer.id).where(Retailer.branch_id.is_not(None))))
        products = [(p.id, p.unit_price) for p in await s.scalars(select(Product))]
    start, step = datetime(2025, 1, 1, tzinfo=UTC), timedelta(days=365) / orders
    batch = 5000
    for first in range(0, orders, batch):
        rows, lines = [], []
        for i in range(first, min(first + batch, orders)):
            chosen = rng.sample(products, rng.randint(1, 3))
            amounts = [(pid, price, rng.randint(1, 20)) for pid, price in chosen]
            rows.append({"id": i + 1000, "retailer_id": rng.choice(retailers),
                         "created_at": start + step * i,
                         "amount": sum((price * n for _, price, n in amounts), Decimal(0)),
                         "status": "cancelled" if rng.random() < 0.03 else "accepted",
                         "channel": rng.choice(("phone", "phone", "ivr", "web"))})
            lines += [{"order_id": i + 1000, "product_id": pid, "quantity": n,
                       "unit_price": price, "amount": price * n} for pid, price, n in amounts]
        async with sessions() as s, s.begin():
            await s.execute(insert(Order), rows)
            await s.execute(insert(OrderLine), lines)
    await db.dispose()


async def roll_up(url: str) -> dict:
    """The first roll over the year's orders, and one day rebuilt, in seconds."""
    db = make_engine(url)
    sessions = make_sessionmaker(db)
    try:
        async with sessions() as s:
            started = time.perf_counter()
            await roll(s, datetime(2026, 1, 1, tzinfo=UTC))
            rolled = time.perf_counter() - started
            started = time.perf_counter()
            await rebuild_day(s, date(2025, 6, 11), datetime(2026, 1, 1, tzinfo=UTC))
            rebuilt = time.perf_counter() - started
    finally:
        await db.dispose()
    return {"roll_seconds": round(rolled, 1), "rebuild_day_seconds": round(rebuilt, 2)}


async def measure(url: str, rounds: int) -> dict:
    db = make_engine(url)
    sessions = make_sessionmaker(db)
    results = {}
    try:
        for label, name, since, until, grouping in CASES:
            took, rows = [], 0
            for _ in range(rounds):
                async with sessions() as session:
                    started = time.perf_counter()
                    table = await REPORTS[name](session, ReportQuery(since, until, grouping), HQ)
                    took.append(time.perf_counter() - started)
                rows = len(table.rows)
            results[label] = {"rows": rows, "median_ms": round(statistics.median(took) * 1000, 1),
                              "max_ms": round(max(took) * 1000, 1)}
    finally:
        await db.dispose()
    return results


async def run_backend(backend: str, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="hotline-reports-") as tmp:
        name = None
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp}/hotline.db"
        else:
            name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
            conn = await asyncpg.connect(**PG, database="postgres")
            await conn.execute(f'CREATE DATABASE "{name}"')
            await conn.close()
            url = f"postgresql+asyncpg://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
        try:
            started = time.perf_counter()
            await populate(url, args.orders)
            filled = time.perf_counter() - started
            return {"backend": backend, "orders": args.orders, "fill_seconds": round(filled, 1),
                    **await roll_up(url), "reports": await measure(url, args.rounds)}
        finally:
            if name is not None:
                conn = await asyncpg.connect(**PG, database="postgres")
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=260_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results = [asyncio.run(run_backend(b, args)) for b in args.backends.split(",")]
    print(f"{'backend':<11} {'report':<40} {'rows':>6} {'median ms':>10} {'max ms':>8}")
    for r in results:
        print(f"{r['backend']:<11} the year's first roll {r['roll_seconds']} s, "
              f"a day rebuilt {r['rebuild_day_seconds']} s")
        for label, f in r["reports"].items():
            print(f"{r['backend']:<11} {label:<40} {f['rows']:>6} {f['median_ms']:>10} "
                  f"{f['max_ms']:>8}")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "business_reports.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
