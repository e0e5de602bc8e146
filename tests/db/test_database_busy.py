"""SQLite lets one writer in at a time: an order that cannot get the write lock within the busy
timeout is refused whole with a 503 that says so, and nothing of it is saved."""
import sqlite3

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select

from agent_api.app import create_app
from migrations import runner
from models import Order, Retailer, make_engine, make_sessionmaker
from models.catalogue import Product
from runtime.settings import Settings
from services.demo import seed
from tests.db.conftest import login

pytestmark = pytest.mark.db


async def test_an_order_refused_by_a_busy_sqlite_is_a_503_and_saves_nothing(tmp_path):
    path = tmp_path / "hotline.db"
    url = f"sqlite+aiosqlite:///{path}"
    await runner.upgrade(url)
    db = make_engine(url)
    sessions = make_sessionmaker(db)
    await seed(sessions)
    async with sessions() as s:
        retailer = await s.scalar(select(Retailer.id).where(Retailer.card_number == "110100001"))
        product = await s.scalar(select(Product.id).where(Product.name == "玉溪（软）"))
        before = await s.scalar(select(func.count()).select_from(Order))
    app = create_app(Settings(data_dir=tmp_path, db={"url": url}), telephony=False)
    async with app.router.lifespan_context(app):
        async with AsyncClient(transport=ASGITransport(app), base_url="http://test") as api:
            headers = await login(api, "8001")
            writer = sqlite3.connect(path, isolation_level=None)
            writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            try:
                reply = await api.post("/orders", headers=headers, json={
                    "retailer_id": retailer, "lines": [{"product_id": product, "quantity": 1}]})
            finally:
                writer.execute("ROLLBACK")
                writer.close()
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "1"
    assert "nothing was saved" in reply.json()["detail"]
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Order)) == before
    await db.dispose()
