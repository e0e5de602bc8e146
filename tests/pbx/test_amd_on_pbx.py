"""Answering-machine detection measured on the real PBX: sipp customers answer with spoken
greetings (asterisk/spoken_greetings.py: people's "喂？", "你好，哪位？", "Hello, this is Li
speaking.", machines' voicemail greetings, spoken by espeak-ng), each at a number of its own, so
every call's truth is known. Two campaigns dial the same small population at once, one with
amd.conf's parameters and one with the project's TUNED ones; the test counts, per kind, what AMD
decided (the attempt's outcome and AMDSTATUS:AMDCAUSE as the engine stored them, checked against
the PBX's own events) and holds the rates. bench/amd_voices.py measures a larger population."""
import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from asterisk import dialplan as dp
from asterisk.events import VarSet
from asterisk.sipp_customers import Population
from asterisk.sipp_phone import voice_pcap
from asterisk.spoken_greetings import greeting_pcaps, population
from dialer.amd import PARAMETERS, TUNED
from dialer.schedule import WEEKDAYS
from models import Contact, ContactAttempt
from runtime.live import agent_topic
from tests.pbx.helpers import eventually
from tests.pbx.test_dialer_on_pbx import headers

pytestmark = pytest.mark.pbx

AGENTS = ("8001", "8002", "8003", "8004", "8005")
# 15 people (Mandarin and English; two say their shop's name, one "Hello, this is Li
# speaking.", one says it again, one is slow to speak) and 10 machines (one whose owner pauses
# after "Hello?")
GREETINGS = population(25)
LONG_GREETING = (300, 4500, 3000)  # milliseconds of silence and voice in turn: one long stretch


def phone(index: int, campaign: int) -> str:
    return f"13{index:04d}{campaign}0000"


async def test_amd_on_spoken_greetings_per_campaign_settings(rig, customers, settings, tmp_path):
    settings.dialer.tick_seconds = 0.2
    contact = await customers(Population(
        busy=0, failed=0, unanswered=0, ring_ms=(200, 400), talk_ms=(8000, 8000),
        greetings=tuple((f"13{i:04d}", pcap)
                        for i, pcap in enumerate(greeting_pcaps(tmp_path, GREETINGS)))))
    r = await rig(AGENTS, trunks={"customers": contact})
    await r.login(*AGENTS)
    http = r.engine.http
    campaigns = {}
    amd_conf = {name: default for name, (default, _, _) in PARAMETERS.items()}
    for digit, (name, amd) in enumerate((("amd.conf", amd_conf), ("tuned", TUNED)), start=1):
        reply = await http.post("/campaigns", json={
            "name": name, "purpose": "promotion", "agents": list(AGENTS),
            "mode": "progressive", "caller_id": "4008001234", "wrap_up_seconds": 0,
            "ring_seconds": 15, "detect_machines": True, "amd": amd,
            "windows": {day: [["00:00", "24:00"]] for day in WEEKDAYS},
            "starts_on": str(datetime.now(UTC).date() - timedelta(days=1))})
        assert reply.status_code == 201, reply.text
        campaigns[name] = reply.json()
        assert reply.json()["amd"]["greeting"] == amd["greeting"]
        rows = "\n".join(["phone"] + [phone(i, digit) for i in range(len(GREETINGS))])
        upload = await http.post(f"/campaigns/{reply.json()['id']}/contacts", files={
            "file": ("l.csv", rows.encode(), "text/csv")})
        assert upload.json()["added"] == len(GREETINGS), upload.text
    for c in campaigns.values():
        assert (await http.post(f"/campaigns/{c['id']}/start")).status_code == 200

    async def all_called():
        async with r.database() as s:
            contacts = list(await s.scalars(select(Contact)))
        return not r.engine.dialer.dials and all(c.attempts >= 1 and c.status != "dialing"
                                                 for c in contacts)
    await eventually(all_called, timeout=600, what="every contact called", every=0.5)
    await r.engine.dialer.flush()

    async with r.database() as s:
        attempts = list(await s.scalars(select(ContactAttempt).order_by(ContactAttempt.id)))
    # What the engine stored is what the PBX's AMD said, call by call.
    pbx_said = {e.channel.uniqueid: e.value for _, e in r.events
                if isinstance(e, VarSet) and e.variable == dp.VAR_AMD_RESULT}
    first = {}
    for a in attempts:
        first.setdefault((a.campaign_id, a.phone), a)
    attempts = list(first.values())  # an abandoned person may be called again later
    assert len(attempts) == 2 * len(GREETINGS)
    for a in attempts:
        assert a.amd_result == pbx_said[a.channel_id], a.phone
        assert a.outcome == ("machine" if a.amd_result.startswith("MACHINE") else "answered")
    wrong = {}
    for name, c in campaigns.items():
        said = Counter()
        wrong[name] = Counter()
        for a in attempts:
            if a.campaign_id == c["id"]:
                greeting = GREETINGS[int(a.phone[2:6])]
                said[(greeting.kind, a.amd_result.split("-")[0])] += 1
                if (a.outcome == "machine") == (greeting.kind == "person"):
                    wrong[name][greeting.kind] += 1
        print(f"AMD {name}: people dropped {wrong[name]['person']}, machines passed "
              f"{wrong[name]['machine']}; {sorted(said.items())}")
    # TUNED drops no one here (one person in fifteen allowed); amd.conf's three words drop the
    # people who say more (their shop's name, "Hello, this is Li speaking."): each campaign's
    # own parameters reached AMD.
    assert wrong["tuned"]["person"] <= 1 and wrong["amd.conf"]["person"] >= 2
    # Machines are detected either way (the one whose owner pauses after "Hello?" passes).
    assert wrong["tuned"]["machine"] <= 2 and wrong["amd.conf"]["machine"] <= 2


async def test_a_share_of_the_machine_calls_goes_to_an_agent_who_says_what_was_there(
        rig, customers, settings, tmp_path):
    """A fifth of the calls AMD takes for machines are kept on: the agent gets them with the
    screen-pop saying so, and the disposition is the estimate's evidence."""
    settings.dialer.tick_seconds = 0.2
    contact = await customers(Population(
        busy=0, failed=0, unanswered=0, ring_ms=(200, 400), talk_ms=(9000, 9000),
        greeting=voice_pcap(tmp_path, LONG_GREETING)))
    r = await rig(("8001",), trunks={"customers": contact})
    await r.login("8001")
    feed = r.engine.hub.subscribe(agent_topic(await r.agent_id("8001")))
    http = r.engine.http
    campaign = (await http.post("/campaigns", json={
        "name": "Checked", "purpose": "promotion", "agents": ["8001"], "mode": "progressive",
        "caller_id": "4008001234", "wrap_up_seconds": 0, "detect_machines": True,
        "amd_check_share": 0.2, "retries": {"machine": {"delay_minutes": 30, "max_attempts": 2}},
        "windows": {day: [["00:00", "24:00"]] for day in WEEKDAYS},
        "starts_on": str(datetime.now(UTC).date() - timedelta(days=1))})).json()
    rows = "\n".join(["phone"] + [f"133210{i:05d}" for i in range(5)])
    await http.post(f"/campaigns/{campaign['id']}/contacts", files={
        "file": ("l.csv", rows.encode(), "text/csv")})
    await http.post(f"/campaigns/{campaign['id']}/start")

    while (event := await asyncio.wait_for(feed.next(), 120)).kind != "screen_pop":
        pass
    pop = event.data
    assert pop["amd_check"] is True and pop["campaign"]["name"] == "Checked"
    agent = await headers(http, "8001")
    said = await http.post(f"/outbound/attempts/{pop['attempt_id']}/result", headers=agent,
                           json={"disposition": "answering_machine"})
    assert said.status_code == 200 and said.json()["contact_status"] == "pending", said.text

    async def all_called():
        async with r.database() as s:
            contacts = list(await s.scalars(select(Contact)))
        return not r.engine.dialer.dials and all(c.attempts >= 1 and c.status != "dialing"
                                                 for c in contacts)
    await eventually(all_called, timeout=120, what="every contact called", every=0.5)
    await r.engine.dialer.flush()
    async with r.database() as s:
        attempts = list(await s.scalars(select(ContactAttempt).order_by(ContactAttempt.id)))
    assert all(a.amd_result.startswith("MACHINE") for a in attempts)
    # one in five kept on, to the agent; the others dropped
    [kept] = [a for a in attempts if a.amd_checked]
    assert kept.id == pop["attempt_id"] and kept == attempts[4]
    assert kept.outcome == "answered" and kept.agent_id is not None
    assert kept.disposition == "answering_machine"
    assert [a.outcome for a in attempts[:4]] == ["machine"] * 4
    amd = (await http.get(f"/campaigns/{campaign['id']}")).json()["amd_estimate"]
    assert (amd["source"], amd["calls"], amd["measured"]) == ("configured", 1, 0.0)
