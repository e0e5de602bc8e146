"""A campaign on the real PBX: sipp customers who answer, are busy, fail or ring out at random,
three sipp agents in their sessions, and the engine dialing, connecting, retrying and counting."""
import asyncio
import socket
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from asterisk import dialplan as dp
from asterisk.events import ConfbridgeJoin, VarSet
from asterisk.sipp_customers import Population, write_customers_scenario
from dialer.schedule import WEEKDAYS
from models import ContactAttempt, Contact
from tests.pbx.conftest import free_port

pytestmark = pytest.mark.pbx

AGENTS = ("8001", "8002", "8003")
OPEN_ZONE, CLOSED_ZONE = "Pacific/Honolulu", "Pacific/Kiritimati"  # always a day apart
RETRY = {"delay_minutes": 1, "max_attempts": 2}


@pytest.fixture
async def customers(tmp_path):
    """`start(population)` -> the contact of a sipp server answering as the customers."""
    procs = []

    async def start(population: Population) -> str:
        port = free_port(socket.SOCK_DGRAM)
        procs.append(await asyncio.create_subprocess_exec(
            "sipp", "-sf", str(write_customers_scenario(tmp_path, population)),
            "-i", "127.0.0.1", "-p", str(port), "-mp", str(free_port(socket.SOCK_DGRAM)),
            "-m", "100000", "-nostdin", "-trace_err", cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))
        return f"sip:customers@127.0.0.1:{port}"

    yield start
    for proc in procs:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


def windows_open_except_today_in(zone: str) -> dict:
    """Every day all day, but for the weekday it is now in `zone`."""
    today = WEEKDAYS[datetime.now(ZoneInfo(zone)).weekday()]
    return {day: [["00:00", "24:00"]] for day in WEEKDAYS if day != today}


async def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := await condition():
            return result
        await asyncio.sleep(0.5)
    raise AssertionError(f"never {what}")


async def test_a_campaign_runs_to_the_end_with_retries_windows_and_an_honest_abandon_count(
        rig, customers, settings, tmp_path):
    settings.dialer.max_lines = 8
    settings.dialer.tick_seconds = 0.2
    contact = await customers(Population(busy=15, failed=5, unanswered=10, ring_ms=(300, 1500),
                                         talk_ms=(1500, 3000)))
    r = await rig(AGENTS, trunks={"customers": contact})
    await r.login(*AGENTS)
    reply = await r.engine.http.post("/campaigns", json={
        "name": "Delivery survey", "purpose": "delivery_survey", "agents": list(AGENTS),
        "script": "Ask how the last delivery went.", "caller_id": "4008001234",
        "windows": windows_open_except_today_in(CLOSED_ZONE),
        "starts_on": str(datetime.now(timezone.utc).date() - timedelta(days=2)),
        "mode": "predictive", "ring_seconds": 15, "wrap_up_seconds": 1,
        "retries": {"busy": RETRY, "no_answer": RETRY, "failed": RETRY}})
    assert reply.status_code == 201, reply.text
    campaign = reply.json()
    rows = ["phone,name,time_zone"] + [f"1330000{i:04d},Shop {i},{OPEN_ZONE}" for i in range(100)]
    rows += [f"1339999{i:04d},Far shop {i},{CLOSED_ZONE}" for i in range(10)]
    upload = await r.engine.http.post(f"/campaigns/{campaign['id']}/contacts", files={
        "file": ("list.csv", "\n".join(rows).encode(), "text/csv")})
    assert upload.json()["added"] == 110, upload.text
    started = datetime.now(timezone.utc)
    assert (await r.engine.http.post(f"/campaigns/{campaign['id']}/start")).status_code == 200

    async def open_contacts_settled():
        async with r.database() as s:
            statuses = Counter(await s.scalars(select(Contact.status).where(
                Contact.time_zone == OPEN_ZONE)))
        return statuses if set(statuses) <= {"done", "exhausted"} else None
    statuses = await wait_until(open_contacts_settled, 300, "finished the open contacts")
    await r.engine.dialer.flush()

    async with r.database() as s:
        attempts = list(await s.scalars(select(ContactAttempt).order_by(ContactAttempt.id)))
        contacts = {c.id: c for c in await s.scalars(select(Contact))}
    by_contact = defaultdict(list)
    for a in attempts:
        by_contact[a.contact_id].append(a)
    outcomes = Counter(a.outcome for a in attempts)
    print(f"contacts {dict(statuses)}; attempts {len(attempts)}: "
          f"{Counter((a.outcome, a.pbx_reason) for a in attempts)}")

    # Every attempt ended with an outcome the PBX gave; all four kinds of customer were met.
    assert all(a.outcome is not None and a.ended_at is not None for a in attempts)
    assert {"answered", "busy", "no_answer"} <= set(outcomes) and (
        outcomes["failed"] + outcomes["congestion"]) > 0
    # Outside its window nobody is called: the far contacts wait for their next local day.
    far = [c for c in contacts.values() if c.time_zone == CLOSED_ZONE]
    assert all(c.attempts == 0 and c.status == "pending" for c in far)
    assert all(c.next_attempt_at > datetime.now(timezone.utc) for c in far)
    # Retries as configured: after busy, no answer or a failure only, a minute later at the
    # earliest, two attempts at most; an answered contact is not called again.
    for contact_id, tries in by_contact.items():
        assert len(tries) <= 2 and contacts[contact_id].attempts == len(tries)
        first = tries[0]
        if len(tries) == 2:
            assert first.outcome in ("busy", "no_answer", "failed", "congestion")
            assert tries[1].started_at - first.ended_at >= timedelta(minutes=1)
        elif first.outcome in ("busy", "no_answer", "failed", "congestion"):
            assert contacts[contact_id].status == "exhausted" or first.started_at < started
    assert sum(len(t) == 2 for t in by_contact.values()) >= 5
    # Answered calls reached the agents; the abandon figure matches the PBX's own events: a
    # live answer (the dialplan's VarSet) never joined to an agent's bridge.
    live = {e.channel.uniqueid for _, e in r.events
            if isinstance(e, VarSet) and e.variable == dp.VAR_OUTBOUND and e.value == "live"}
    joined = {e.channel.uniqueid for _, e in r.events if isinstance(e, ConfbridgeJoin)}
    pbx_abandoned = len(live - joined)
    progress = (await r.engine.http.get(f"/campaigns/{campaign['id']}")).json()["progress"]
    assert progress["answered"] == outcomes["answered"] == len(live)
    assert progress["abandoned"] == pbx_abandoned
    assert len(live & joined) >= outcomes["answered"] * 0.8  # agents took most of them
    assert sum(a.agent_id is not None for a in attempts) == len(live & joined)
