"""GET /metrics and the health probes on the app as `hotline serve` builds it (without
telephony: the database tier), and two engines started from one folder with two data folders."""
import contextlib
from datetime import date
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from agent_api.app import create_app
from asterisk.ami_protocol import AmiParser
from asterisk.events import to_event
from asterisk.ports import free_port
from migrations import runner
from models import (
    AttemptOutcome,
    Branch,
    Campaign,
    CampaignState,
    Contact,
    ContactAttempt,
    make_engine,
    make_sessionmaker,
)
from runtime.settings import Settings
from services.demo import seed
from tests.db.conftest import PG_URL
from tests.unit.test_metrics_exposition import parse

pytestmark = pytest.mark.db

TRANSCRIPT = Path(__file__).parent.parent / "unit" / "transcripts" / "fallback_call.ami"


@contextlib.asynccontextmanager
async def running(settings: Settings, client: tuple[str, int] = ("127.0.0.1", 40000)):
    """The app's engine and an HTTP client of the app from `client`'s address."""
    app = create_app(settings, telephony=False)
    async with app.router.lifespan_context(app):
        async with AsyncClient(transport=ASGITransport(app, client=client),
                               base_url="http://test") as http:
            yield app.state.engine, http


def settings_on(url: str, tmp_path: Path, **kw) -> Settings:
    return Settings(data_dir=tmp_path, db={"url": url}, pbx={"run_dir": tmp_path / "pbx"}, **kw)


async def scrape(http: AsyncClient, **kw) -> dict[tuple[str, tuple], float]:
    reply = await http.get("/metrics", **kw)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain; version=0.0.4")
    _, samples = parse(reply.text)
    return {(name, tuple(sorted(labels.items()))): value for name, labels, value in samples}


async def test_a_logged_call_moves_the_call_counter_and_the_figures_are_there(
        migrated_url, sessions, tmp_path):
    await seed(sessions)
    async with running(settings_on(migrated_url, tmp_path)) as (engine, http):
        abandoned = ("hotline_calls_total",
                     (("direction", "inbound"), ("outcome", "abandoned_queue")))
        before = await scrape(http)
        assert abandoned not in before
        # The dispatcher's own path: the PBX's events through the tracker into the call log.
        for message in AmiParser().feed(TRANSCRIPT.read_bytes()):
            if message.event:
                engine.call_log.submit(engine.tracker.feed(to_event(message, "local")))
        await engine.call_log.flush()
        after = await scrape(http)
    assert after[abandoned] == 1
    assert after[("hotline_queue_wait_seconds_count",
                  (("queue", "hotline-fallback"), ("result", "abandoned")))] == 1
    assert after[("hotline_agents", (("branch", "BJ"), ("state", "logged_out")))] >= 1
    assert after[("hotline_write_behind_backlog", (("writer", "call"),))] == 0
    assert after[("hotline_ami_connected", ())] == 0  # no telephony here


async def test_a_running_campaigns_abandon_rate_is_a_gauge(migrated_url, sessions, tmp_path):
    async with sessions() as s, s.begin():
        survey = Campaign(name="Survey", purpose="promotion", retries={}, caller_id="4008001234",
                          windows={}, starts_on=date(2026, 1, 1), state=CampaignState.RUNNING)
        s.add(survey)
        await s.flush()
        contact = Contact(campaign_id=survey.id, phone="13800010001", time_zone="Asia/Shanghai")
        s.add(contact)
        await s.flush()
        s.add_all(ContactAttempt(campaign_id=survey.id, contact_id=contact.id, phone="138",
                                 channel_id=f"out-{n}", outcome=AttemptOutcome.ANSWERED,
                                 abandoned=n == 0) for n in range(4))
    async with running(settings_on(migrated_url, tmp_path)) as (engine, http):
        await engine.dialer.tick()  # the dialer's round reads the running campaigns anew
        metrics = await scrape(http)
    for window in ("24h", "all"):
        key = ("hotline_dialer_abandon_rate", (("campaign", "Survey"), ("window", window)))
        assert metrics[key] == 0.25


async def test_only_a_holder_of_the_token_or_this_machine_may_scrape(migrated_url, tmp_path):
    token = "scrape-7d1e"
    async with running(settings_on(migrated_url, tmp_path, metrics={"token": token})) as (
            _, http):
        refused = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert await scrape(http, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == wrong.status_code == 403
    assert refused.json()["detail"][0]["type"] == "rule.metrics_token"
    async with running(settings_on(migrated_url, tmp_path), ("10.1.2.3", 40000)) as (_, http):
        remote = await http.get("/metrics")
    async with running(settings_on(migrated_url, tmp_path)) as (_, http):
        proxied = await http.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"})
        assert await scrape(http)
    for reply in (remote, proxied):
        assert reply.status_code == 403
        assert reply.json()["detail"][0]["type"] == "rule.metrics_loopback"


async def test_live_and_ready_and_not_ready_while_stopping_or_without_database(
        migrated_url, tmp_path):
    async with running(settings_on(migrated_url, tmp_path)) as (engine, http):
        live = await http.get("/health/live")
        ready = await http.get("/health/ready")
        engine.stopping = True
        stopping = await http.get("/health/ready")
        engine.stopping = False
        kept, unreachable = engine.sessions, make_engine(f"{PG_URL.set(port=free_port())}")
        engine.sessions = make_sessionmaker(unreachable)  # a server that is not there
        try:
            no_database = await http.get("/health/ready")
        finally:
            engine.sessions = kept
            await unreachable.dispose()
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert ready.status_code == 200 and ready.json() == {"ready": True, "failing": {}}
    assert stopping.status_code == 503
    assert list(stopping.json()["failing"]) == ["shutting_down"]
    assert no_database.status_code == 503
    assert no_database.json()["failing"] == {"database": "error: ConnectionRefusedError"}


async def test_two_engines_from_one_folder_with_two_data_dirs_keep_two_databases(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first, second = Settings(data_dir=Path("a")), Settings(data_dir=Path("b"))
    for settings in (first, second):
        await runner.upgrade(settings.db.url)
    async with running(first) as (one, _), running(second) as (other, _):
        async with one.sessions() as s, s.begin():
            s.add(Branch(code="TJ", name="天津"))
        async with other.sessions() as s:
            assert await s.scalar(select(Branch).where(Branch.code == "TJ")) is None
        async with one.sessions() as s:
            assert await s.scalar(select(Branch.name).where(Branch.code == "TJ")) == "天津"
    assert (tmp_path / "a" / "hotline.db").exists() and (tmp_path / "b" / "hotline.db").exists()
    assert not (tmp_path / "var").exists()
