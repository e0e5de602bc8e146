"""Scheduled reports on SQLite and PostgreSQL: a local SMTP server (aiosmtpd) on the test's own
loop receives each due report with its XLSX attached, the file stays in the reports folder, a
restarted scheduler sends nothing twice; the clock is the test's, which it moves and then waits
for the mail. The engine runs the schedules from Settings and writes yesterday's report."""
import asyncio
import email
import io
import logging
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.smtp import SMTP
from httpx import ASGITransport, AsyncClient
from openpyxl import load_workbook
from sqlalchemy import select

from agent_api.app import create_app
from asterisk.ports import free_port
from models import Order, OrderStatus, Retailer
from models.catalogue import Product
from models.orders import OrderLine
from runtime.scheduled_reports import RETRY, ReportScheduler
from runtime.settings import ReportSettings, ScheduledReport, Settings, SmtpSettings
from services.demo import seed
from services.reports.rollup import roll
from tests.db.conftest import login
from tests.pbx.helpers import eventually

pytestmark = pytest.mark.db
BEIJING = ZoneInfo("Asia/Shanghai")


class MovedClock:
    """The scheduler's clock, moved by the test: a sleeper wakes when it passes its moment."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._moved = asyncio.Condition()

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, moment: datetime) -> None:
        async with self._moved:
            await self._moved.wait_for(lambda: self._now >= moment)

    async def move_to(self, now: datetime) -> None:
        async with self._moved:
            self._now = now
            self._moved.notify_all()


class Told(logging.Handler):
    """Sets `event` when a log line says `message`."""

    def __init__(self, message: str, event: asyncio.Event) -> None:
        super().__init__()
        self.message, self.event = message, event

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == self.message:
            self.event.set()


class Inbox:
    """aiosmtpd's handler: every message received, in order."""

    def __init__(self) -> None:
        self.mails: asyncio.Queue[email.message.EmailMessage] = asyncio.Queue()

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.put_nowait(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    async def next(self) -> email.message.EmailMessage:
        return await asyncio.wait_for(self.mails.get(), 30)  # a deadline, not a wait


async def serve_mail(inbox: Inbox, port: int) -> asyncio.Server:
    return await asyncio.get_running_loop().create_server(
        lambda: SMTP(inbox, hostname="hotline-test"), "127.0.0.1", port)


@pytest.fixture
async def smtp():
    inbox, port = Inbox(), free_port()
    server = await serve_mail(inbox, port)
    yield inbox, port
    server.close()
    await server.wait_closed()


async def seed_orders(sessions) -> None:
    await seed(sessions)
    async with sessions() as s, s.begin():
        retailer = await s.scalar(select(Retailer).where(Retailer.card_number == "110100001"))
        product = await s.scalar(select(Product).where(Product.name == "中华（硬）"))
        s.add(Order(retailer_id=retailer.id, created_at=datetime(2025, 3, 3, 2, tzinfo=UTC),
                    channel="phone", status=OrderStatus.ACCEPTED, amount=product.unit_price * 2,
                    lines=[OrderLine(product_id=product.id, quantity=2,
                                     unit_price=product.unit_price,
                                     amount=product.unit_price * 2)]))
    async with sessions() as s:  # into the facts the reports read, as the engine's roll-up would
        await roll(s, datetime.now(UTC))


def attached_sheet(mail) -> list[tuple]:
    [part] = list(mail.iter_attachments())
    assert part.get_content_type() == ("application/vnd.openxmlformats-officedocument."
                                       "spreadsheetml.sheet")
    return list(load_workbook(io.BytesIO(part.get_content())).active.iter_rows(values_only=True))


async def test_due_reports_are_written_and_mailed_once(sessions, smtp, tmp_path):
    await seed_orders(sessions)
    inbox, port = smtp
    folder = tmp_path / "reports"
    settings = ReportSettings(schedules=[
        ScheduledReport(report="orders", every="daily", to=["ops@example.com"]),
        ScheduledReport(report="orders", every="weekly", to=["boss@example.com"], lang="en")])
    server = SmtpSettings(host="127.0.0.1", port=port, sender="hotline@example.com")
    clock = MovedClock(datetime(2025, 3, 4, 5, 0, tzinfo=BEIJING))  # before 06:00 on Tuesday

    async with asyncio.TaskGroup() as tg:
        running = tg.create_task(ReportScheduler(settings, server, sessions, folder, clock).run())
        # at start: the latest periods due, Sunday's day and last week
        sunday, last_week = await inbox.next(), await inbox.next()
        assert sunday["Subject"] == "订单（按分公司、渠道） 2025-03-02"
        assert sunday["To"] == "ops@example.com" and sunday["From"] == "hotline@example.com"
        assert last_week["Subject"] == "Orders by branch and channel 2025-02-24 – 2025-03-02"
        assert attached_sheet(last_week)[0][:3] == ("Period", "Branch", "Channel")

        await clock.move_to(datetime(2025, 3, 4, 6, 0, tzinfo=BEIJING))
        monday = await inbox.next()
        assert monday["Subject"] == "订单（按分公司、渠道） 2025-03-03"
        assert "订单数: 1" in monday.get_body().get_content()
        rows = attached_sheet(monday)
        assert rows[1] == ("2025-03-03", "BJ", "电话", 1, 2, 900, 900, 0, 0)
        assert rows[-1][0] == "合计"
        kept = folder / "daily" / "orders_day_2025-03-03_zh.xlsx"
        assert load_workbook(kept).active["F2"].value == 900
        running.cancel()

    # Started again at the same moment, it sends nothing twice: the next mail is Tuesday's.
    async with asyncio.TaskGroup() as tg:
        running = tg.create_task(ReportScheduler(settings, server, sessions, folder, clock).run())
        await clock.move_to(datetime(2025, 3, 5, 6, 0, tzinfo=BEIJING))
        tuesday = await inbox.next()
        assert tuesday["Subject"] == "订单（按分公司、渠道） 2025-03-04"
        running.cancel()
    assert inbox.mails.empty()
    assert sorted(p.name for p in (folder / "weekly").iterdir() if p.suffix == ".xlsx") == [
        "orders_day_2025-02-24_2025-03-02_en.xlsx"]


async def test_a_mail_server_away_is_tried_again_later(sessions, tmp_path):
    await seed_orders(sessions)
    inbox, port = Inbox(), free_port()  # nothing listens there yet
    settings = ReportSettings(schedules=[
        ScheduledReport(report="orders", every="daily", to=["ops@example.com"])])
    clock = MovedClock(datetime(2025, 3, 4, 6, 0, tzinfo=BEIJING))
    folder = tmp_path / "reports"
    scheduler = ReportScheduler(settings, SmtpSettings(host="127.0.0.1", port=port), sessions,
                                folder, clock)
    failed = asyncio.Event()
    said = logging.getLogger("hotline.reports")
    told = Told("scheduled report failed", failed)
    said.addHandler(told)  # the test waits for the scheduler to say it failed
    try:
        async with asyncio.TaskGroup() as tg:
            running = tg.create_task(scheduler.run())
            await asyncio.wait_for(failed.wait(), 30)
            assert (folder / "daily" / "orders_day_2025-03-03_zh.xlsx").exists()  # written
            server = await serve_mail(inbox, port)
            await clock.move_to(clock.now() + RETRY)
            mail = await inbox.next()
            assert mail["Subject"] == "订单（按分公司、渠道） 2025-03-03"
            running.cancel()
        server.close()
        await server.wait_closed()
    finally:
        said.removeHandler(told)


async def test_the_engine_writes_yesterday_s_report_without_a_mail_server(
        migrated_url, sessions, tmp_path):
    await seed_orders(sessions)
    settings = Settings(data_dir=tmp_path, db={"url": migrated_url},
                        pbx={"run_dir": tmp_path / "pbx"},
                        reports={"schedules": [{"report": "opinions", "every": "daily",
                                                "to": ["ops@example.com"]}]})
    app = create_app(settings, telephony=False)
    async with app.router.lifespan_context(app):
        async def written():
            return list((tmp_path / "reports" / "daily").glob("opinions_day_*_zh.xlsx"))
        [path] = await eventually(written, "wrote the daily report")
    assert load_workbook(path).active["A1"].value == "时段"


async def test_an_administrator_keeps_scheduled_reports_mailed_at_once(
        migrated_url, sessions, smtp, tmp_path):
    await seed(sessions)
    inbox, port = smtp
    settings = Settings(data_dir=tmp_path, db={"url": migrated_url},
                        pbx={"run_dir": tmp_path / "pbx"},
                        smtp={"host": "127.0.0.1", "port": port})
    app = create_app(settings, telephony=False)
    async with app.router.lifespan_context(app), AsyncClient(
            transport=ASGITransport(app), base_url="http://test") as api:
        admin, ops = await login(api, "admin"), await login(api, "ops")
        for body, loc, rule in [
            ({"report": "nope", "every": "daily"}, ["body", "report"], "rule.unknown_report"),
            ({"report": "orders", "every": "daily", "filters": {"campaign": 3}},
             ["body", "filters", "campaign"], "rule.filter_not_applicable"),
            ({"report": "orders", "every": "daily", "to": ["ops.example.com"]},
             ["body", "to", 0], "rule.mail_address"),
        ]:
            refused = await api.post("/report-schedules", headers=admin, json=body)
            assert refused.status_code == 422, refused.text
            assert [(d["loc"], d["type"]) for d in refused.json()["detail"]] == [(loc, rule)]
        assert (await api.post("/report-schedules", headers=ops, json={
            "report": "orders", "every": "daily"})).status_code == 403
        assert (await api.get("/report-schedules", headers=admin)).json() == []

        before = datetime.now(BEIJING)
        created = await api.post("/report-schedules", headers=admin, json={
            "report": "orders", "every": "daily", "filters": {"branch": "BJ"},
            "to": ["ops@example.com"]})
        assert created.status_code == 201, created.text
        schedule = created.json()
        assert schedule["filters"] == {"branch": "BJ"} and schedule["active"] is True
        mail = await inbox.next()  # read at once, not at the next morning
        days = {str(_latest_day(moment)) for moment in (before, datetime.now(BEIJING))}
        assert mail["Subject"] in {f"订单（按分公司、渠道） {day}" for day in days}
        assert list((tmp_path / "reports" / "daily").glob("orders_day_*_branch-BJ_zh.xlsx"))

        audited = (await api.get("/audit", headers=admin,
                                 params={"entity": "report_schedule"})).json()
        assert [(e["username"], e["action"]) for e in audited] == [("admin", "create")]
        changed = await api.put(f"/report-schedules/{schedule['id']}", headers=admin, json={
            "report": "orders", "every": "weekly", "to": ["ops@example.com"], "active": False})
        assert changed.status_code == 200 and changed.json()["active"] is False
        assert (await api.delete(f"/report-schedules/{schedule['id']}",
                                 headers=admin)).status_code == 204
        assert (await api.delete(f"/report-schedules/{schedule['id']}",
                                 headers=admin)).status_code == 404
        assert (await api.get("/report-schedules", headers=admin)).json() == []


def _latest_day(moment: datetime):
    """The day a daily report due by `moment` covers (due at 06:00 in Beijing)."""
    today = moment.date()
    return today - timedelta(days=1 if moment.hour >= 6 else 2)
