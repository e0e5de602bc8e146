"""A campaign on the real PBX: sipp customers who answer, are busy, fail or ring out at random,
three sipp agents in their sessions, and the engine dialing, connecting, retrying and counting."""
import asyncio
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from asterisk import dialplan as dp
from asterisk.events import BridgeEnter, VarSet
from asterisk.sipp_customers import Population
from asterisk.sipp_phone import SPEECH
from dialer.schedule import WEEKDAYS
from models import Contact, ContactAttempt
from runtime.live import agent_topic
from services.demo import DEMO_PASSWORD

pytestmark = pytest.mark.pbx

AGENTS = ("8001", "8002", "8003")
OPEN_ZONE, CLOSED_ZONE = "Pacific/Honolulu", "Pacific/Kiritimati"  # always a day apart
RETRY = {"delay_minutes": 1, "max_attempts": 2}


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


async def rounds(dialer, campaign_id: int, count: int = 5) -> None:
    """Until the dialer has gone `count` rounds with the campaign running: time enough for it
    to have placed a call, had it meant to."""
    async with asyncio.timeout(30):
        while campaign_id not in dialer.plans:
            await asyncio.sleep(0.05)
        until = dialer.ticks + count
        while dialer.ticks < until:
            await asyncio.sleep(0.05)


async def first_pop(feeds: dict, timeout: float) -> tuple[str, dict]:
    """(the agent, the screen-pop) of the first agent's feed to pop a call."""
    async def watch(number, feed):
        while (event := await feed.next()).kind != "screen_pop":
            pass
        return number, event.data
    tasks = [asyncio.create_task(watch(n, f)) for n, f in feeds.items()]
    done, pending = await asyncio.wait(tasks, timeout=timeout,
                                       return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    assert done, "no screen-pop"
    return done.pop().result()


async def headers(http, username: str) -> dict:
    reply = await http.post("/auth/token", data={"username": username,
                                                 "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


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
        "starts_on": str(datetime.now(UTC).date() - timedelta(days=2)),
        "mode": "predictive", "ring_seconds": 15, "wrap_up_seconds": 1,
        "retries": {"busy": RETRY, "no_answer": RETRY, "failed": RETRY}})
    assert reply.status_code == 201, reply.text
    campaign = reply.json()
    rows = ["phone,name,time_zone"] + [f"1330000{i:04d},Shop {i},{OPEN_ZONE}" for i in range(60)]
    rows += [f"1339999{i:04d},Far shop {i},{CLOSED_ZONE}" for i in range(10)]
    upload = await r.engine.http.post(f"/campaigns/{campaign['id']}/contacts", files={
        "file": ("list.csv", "\n".join(rows).encode(), "text/csv")})
    assert upload.json()["added"] == 70, upload.text
    started = datetime.now(UTC)
    assert (await r.engine.http.post(f"/campaigns/{campaign['id']}/start")).status_code == 200

    async def dialing():
        live = (await r.engine.http.get(f"/campaigns/{campaign['id']}")).json()["live"]
        return live if live and live["ringing"] + live["talking"] > 0 else None
    live = await wait_until(dialing, 10, "dialed")
    assert live["agents_logged_in"] == 3

    async def open_contacts_settled():
        """Done, out of attempts, or abandoned (called again after the quiet time)."""
        later = datetime.now(UTC) + timedelta(hours=71)
        async with r.database() as s:
            statuses = Counter(
                "abandoned" if c.status == "pending" and c.last_outcome == "answered"
                and c.next_attempt_at > later else c.status
                for c in await s.scalars(select(Contact).where(Contact.time_zone == OPEN_ZONE)))
        return statuses if set(statuses) <= {"done", "exhausted", "abandoned"} else None
    statuses = await wait_until(open_contacts_settled, 480, "finished the open contacts")
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
    assert all(c.next_attempt_at > datetime.now(UTC) for c in far)
    # Retries as configured: after busy, no answer or a failure only, a minute later at the
    # earliest, two attempts at most; an answered contact is not called again.
    for contact_id, tries in by_contact.items():
        assert len(tries) <= 2 and contacts[contact_id].attempts == len(tries)
        first = tries[0]
        if first.abandoned:
            assert len(tries) == 1 and contacts[contact_id].status == "pending"
        elif len(tries) == 2:
            assert first.outcome in ("busy", "no_answer", "failed", "congestion")
            assert tries[1].started_at - first.ended_at >= timedelta(minutes=1)
        elif first.outcome in ("busy", "no_answer", "failed", "congestion"):
            assert contacts[contact_id].status == "exhausted" or first.started_at < started
    assert sum(len(t) == 2 for t in by_contact.values()) >= 5
    # Never more calls at once than the trunk's lines.
    edges = sorted([(a.started_at, 1) for a in attempts] + [(a.ended_at, -1) for a in attempts],
                   key=lambda e: (e[0], e[1]))
    in_flight = [sum(step for _, step in edges[:i + 1]) for i in range(len(edges))]
    assert max(in_flight) <= settings.dialer.max_lines
    # Answered calls reached the agents; the abandon figure matches the PBX's own events: a
    # live answer (the dialplan's VarSet) never joined to an agent's bridge.
    live = {e.channel.uniqueid for _, e in r.events
            if isinstance(e, VarSet) and e.variable == dp.VAR_OUTBOUND and e.value == "live"}
    joined = {e.channel.uniqueid for _, e in r.events if isinstance(e, BridgeEnter)}
    pbx_abandoned = len(live - joined)
    progress = (await r.engine.http.get(f"/campaigns/{campaign['id']}")).json()["progress"]
    assert progress["answered"] == outcomes["answered"] == len(live)
    assert progress["abandoned"] == pbx_abandoned
    # At the target the predictive dials as progressive: a call dialed while the campaign's
    # abandon rate stood at the target is never abandoned (only calls already in flight are).
    # The rate as the dialer knew it when it dialed: it reads the counts every second.
    for lost in (a for a in attempts if a.abandoned):
        known = lost.started_at - timedelta(seconds=5)
        answers = sum(a.answered_at is not None and a.answered_at <= known and a.outcome ==
                      "answered" for a in attempts)
        abandons = sum(a.abandoned and a.ended_at <= known for a in attempts)
        assert answers == 0 or abandons / answers < 0.03, (lost.id, abandons, answers)
    assert len(live & joined) >= outcomes["answered"] * 0.8  # agents took most of them
    assert sum(a.agent_id is not None for a in attempts) == len(live & joined)


async def test_the_agent_sees_the_campaign_and_the_callback_comes_back_to_the_same_agent(
        rig, customers, settings):
    settings.dialer.tick_seconds = 0.2
    contact = await customers(Population(busy=0, failed=0, unanswered=0, ring_ms=(200, 400),
                                         talk_ms=(4000, 4000)))
    r = await rig(("8001", "8002"), trunks={"customers": contact})
    await r.login("8001", "8002")
    ids = {n: await r.agent_id(n) for n in ("8001", "8002")}
    feeds = {n: r.engine.hub.subscribe(agent_topic(i)) for n, i in ids.items()}
    reply = await r.engine.http.post("/campaigns", json={
        "name": "Follow-up", "purpose": "service_follow_up", "agents": ["8001", "8002"],
        "script": "Ask whether the new display fridge works.", "caller_id": "4008001234",
        "windows": {day: [["00:00", "24:00"]] for day in WEEKDAYS},
        "starts_on": str(datetime.now(UTC).date() - timedelta(days=1)),
        "mode": "progressive", "ring_seconds": 15, "wrap_up_seconds": 1})
    campaign = reply.json()
    await r.engine.http.post(f"/campaigns/{campaign['id']}/contacts", files={
        "file": ("l.csv", b"phone,card,order\n13300001111,110100001,A-17\n", "text/csv")})
    await r.engine.http.post(f"/campaigns/{campaign['id']}/start")

    taker, pop = await first_pop(feeds, 30)
    assert pop["direction"] == "outbound" and pop["campaign"]["name"] == "Follow-up"
    assert pop["campaign"]["script"] == "Ask whether the new display fridge works."
    assert pop["contact"]["fields"] == {"card": "110100001", "order": "A-17"}
    assert pop["retailer"]["name"] == "朝阳便利店" and pop["caller_number"] == "13300001111"
    await r.wait_state(taker, "on_call", timeout=10)

    http = r.engine.http
    agent = await headers(http, taker)
    callback_at = datetime.now(UTC) + timedelta(seconds=8)
    result = await http.post(f"/outbound/attempts/{pop['attempt_id']}/result", headers=agent,
                             json={"disposition": "callback_needed",
                                   "callback_at": callback_at.isoformat()})
    assert result.status_code == 200, result.text
    other = await headers(http, "8002" if taker == "8001" else "8001")
    refused = await http.post(f"/outbound/attempts/{pop['attempt_id']}/result", headers=other,
                              json={"disposition": "other"})
    assert refused.status_code == 403

    async def second_attempt():
        await r.engine.dialer.flush()
        async with r.database() as s:
            rows = list(await s.scalars(select(ContactAttempt).order_by(ContactAttempt.id)))
        return rows if len(rows) == 2 and rows[1].connected_at else None
    first, again = await wait_until(second_attempt, 40, "called back")
    # The other agent had waited longer, yet the callback went to the one who promised it.
    assert again.agent_id == first.agent_id == ids[taker]
    assert again.started_at >= callback_at
    bye = await http.post(f"/outbound/attempts/{again.id}/result", headers=agent,
                          json={"disposition": "other", "do_not_call": True})
    assert bye.json()["contact_status"] == "do_not_call"
    listed = await r.engine.http.get("/do-not-call")
    assert [x["phone"] for x in listed.json()] == ["13300001111"]


async def test_preview_dials_only_what_the_agent_asks_for(rig, customers, settings):
    settings.dialer.tick_seconds = 0.2
    contact = await customers(Population(busy=0, failed=0, unanswered=0, ring_ms=(200, 400),
                                         talk_ms=(3000, 3000)))
    r = await rig(("8001",), trunks={"customers": contact})
    await r.login("8001")
    http = r.engine.http
    campaign = (await http.post("/campaigns", json={
        "name": "New product", "purpose": "new_product", "agents": ["8001"],
        "script": "Introduce the new brand.", "caller_id": "4008001234", "mode": "preview",
        "wrap_up_seconds": 1,
        "windows": {day: [["00:00", "24:00"]] for day in WEEKDAYS},
        "starts_on": str(datetime.now(UTC).date() - timedelta(days=1))})).json()
    await http.post(f"/campaigns/{campaign['id']}/contacts", files={
        "file": ("l.csv", b"phone,name\n13300003001,First\n13300003002,Second\n", "text/csv")})
    await http.post(f"/campaigns/{campaign['id']}/start")
    agent = await headers(http, "8001")
    await rounds(r.engine.dialer, campaign["id"])  # a preview campaign places no call itself
    assert r.engine.dialer.dials == {}

    shown = await http.get("/outbound/preview", params={"campaign_id": campaign["id"]},
                           headers=agent)
    assert shown.status_code == 200, shown.text
    assert (shown.json()["name"], shown.json()["phone"]) == ("First", "13300003001")
    assert (await http.get("/outbound/preview", params={"campaign_id": campaign["id"]},
                           headers=agent)).json()["contact_id"] == shown.json()["contact_id"]
    feed = r.engine.hub.subscribe(agent_topic(await r.agent_id("8001")))
    dialed = await http.post("/outbound/preview/dial", headers=agent, json={
        "campaign_id": campaign["id"], "contact_id": shown.json()["contact_id"]})
    assert dialed.status_code == 200, dialed.text
    _, pop = await first_pop({"8001": feed}, 15)
    assert pop["contact"]["name"] == "First" and pop["attempt_id"] == dialed.json()["attempt_id"]
    await r.wait_state("8001", "on_call", timeout=10)
    busy = await http.post("/outbound/preview/dial", headers=agent, json={
        "campaign_id": campaign["id"], "contact_id": shown.json()["contact_id"] + 1})
    assert busy.status_code == 409 and "not available" in busy.text
    assert busy.json()["detail"][0]["type"] == "rule.agent_not_available"
    admin_tries = await http.get("/outbound/preview", params={"campaign_id": campaign["id"]})
    assert admin_tries.status_code == 403

    # Changed while it runs, the campaign dials by its new mode: the second contact by itself.
    changed = await http.patch(f"/campaigns/{campaign['id']}", json={"mode": "progressive"})
    assert changed.status_code == 200 and changed.json()["state"] == "running"
    _, pop = await first_pop({"8001": feed}, 20)
    assert pop["contact"]["name"] == "Second"


async def test_the_abandon_message_names_the_hotline_and_the_number_in_existing_prompts(
        settings, prompts):
    from runtime.engine import Engine
    message = Engine._abandon_message(SimpleNamespace(settings=settings), "400-800-1234")
    files = message.split("&")
    assert [f.rsplit("/", 1)[1] for f in files] == [
        "outbound-abandoned", *(f"digit-{d}" for d in "4008001234"), "outbound-goodbye"]
    for f in files:  # as the PBX sees them (/pbx/prompts): built in the prompts cache
        assert (prompts / f.removeprefix(settings.ivr.pbx_prompts_dir + "/")).with_suffix(
            ".wav").exists(), f


async def test_answering_machines_are_told_apart_and_retried_by_their_rule(rig, customers,
                                                                          settings):
    """Every answer plays a long greeting (8 s of speech): what AMD calls a machine."""
    settings.dialer.tick_seconds = 0.2
    contact = await customers(Population(busy=0, failed=0, unanswered=0, ring_ms=(200, 400),
                                         talk_ms=(9000, 9000), greeting=SPEECH))
    r = await rig(("8001",), trunks={"customers": contact})
    http = r.engine.http
    campaign = (await http.post("/campaigns", json={
        "name": "Machines", "purpose": "promotion", "agents": ["8001"], "mode": "progressive",
        "caller_id": "4008001234", "detect_machines": True,
        "windows": {day: [["00:00", "24:00"]] for day in WEEKDAYS},
        "starts_on": str(datetime.now(UTC).date() - timedelta(days=1)),
        "retries": {"machine": {"delay_minutes": 30, "max_attempts": 2}}})).json()
    await http.post(f"/campaigns/{campaign['id']}/contacts", files={
        "file": ("l.csv", b"phone\n13300005001\n13300005002\n", "text/csv")})
    await http.post(f"/campaigns/{campaign['id']}/start")
    await rounds(r.engine.dialer, campaign["id"])
    assert r.engine.dialer.dials == {}  # no agent of the campaign logged in: no call
    await r.login("8001")

    async def both_ended():
        await r.engine.dialer.flush()
        async with r.database() as s:
            rows = list(await s.scalars(select(ContactAttempt)))
        return rows if len(rows) == 2 and all(a.ended_at for a in rows) else None
    attempts = await wait_until(both_ended, 30, "classified both calls")
    assert [a.outcome for a in attempts] == ["machine", "machine"]
    assert all(a.agent_id is None and not a.abandoned for a in attempts)
    async with r.database() as s:
        contacts = list(await s.scalars(select(Contact)))
    for c in contacts:
        assert c.status == "pending" and c.last_outcome == "machine"
        wait = c.next_attempt_at - datetime.now(UTC)
        assert timedelta(minutes=29) < wait <= timedelta(minutes=30)
    assert (await r.agent("8001"))["state"] == "available"  # nobody was bothered
