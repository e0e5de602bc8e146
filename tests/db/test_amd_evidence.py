"""AMD's false positives estimated from a campaign's calls, on SQLite and PostgreSQL: dropped
calls whose number a person answered later, machine calls kept on for an agent who says what
was there; the estimate as operations read it, and the dialer running without AMD once the
people it drops alone reach the target."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from dialer.amd import AmdEvidence
from dialer.figures import amd_evidence
from dialer.runner import Dialer
from dialer.settings import DialerSettings
from models import Agent, Contact, ContactAttempt, utcnow
from tests.db.conftest import login
from tests.db.test_api_campaigns import create

pytestmark = pytest.mark.db


async def calls(sessions, campaign_id: int, *attempts: dict, ago: float = 2.0) -> list[int]:
    """Attempts of the campaign from `ago` hours ago, a second apart, each to a contact of its
    own number; their ids."""
    start, ids = utcnow() - timedelta(hours=ago), []
    async with sessions() as s, s.begin():
        for n, values in enumerate(attempts):
            phone = values.pop("phone")
            contact = await s.scalar(select(Contact).where(Contact.campaign_id == campaign_id,
                                                           Contact.phone == phone))
            if contact is None:
                contact = Contact(campaign_id=campaign_id, phone=phone, time_zone="Asia/Shanghai",
                                  attempts=1, status="done")
                s.add(contact)
                await s.flush()
            attempt = ContactAttempt(campaign_id=campaign_id, contact_id=contact.id, phone=phone,
                                     channel_id=f"{campaign_id}.{n}.{phone}",
                                     started_at=start + timedelta(seconds=n), **values)
            s.add(attempt)
            await s.flush()
            ids.append(attempt.id)
    return ids


def answered(phone: str, **more) -> dict:
    return {"phone": phone, "outcome": "answered", "connected_at": utcnow(), **more}


def dropped(phone: str) -> dict:
    return {"phone": phone, "outcome": "machine", "amd_result": "MACHINE:MAXWORDS-3-3"}


async def test_people_answering_dropped_numbers_later_raise_the_estimate(api, sessions):
    ops = await login(api, "ops")
    c = await create(api, ops, detect_machines=True, amd_false_positive=0.01)
    people = [answered(f"1331000{i:04d}", disposition="order_taken") for i in range(97)]
    machines = [dropped(f"1332000{i:04d}") for i in range(50)]
    # three dropped numbers answered later by a person, one by a machine an agent heard
    later = [answered(f"1332000{i:04d}", disposition="information_given") for i in range(3)]
    later.append(answered("13320000003", disposition="answering_machine"))
    await calls(sessions, c["id"], *people, *machines, *later,
                {**answered("13310009999"), "abandoned": True})
    async with sessions() as s:
        evidence = (await amd_evidence(s, [c["id"]]))[c["id"]]
    assert evidence == AmdEvidence(answered=102, answered_machines=1, dropped=50,
                                   redialed_people=3)
    shown = (await api.get(f"/campaigns/{c['id']}", headers=ops)).json()
    amd = shown["amd_estimate"]
    rate = 3 / (101 + 3)  # people dropped over people answering
    assert amd["source"] == "measured" and amd["calls"] == 3
    assert amd["false_positive"] == pytest.approx(rate)
    assert amd["standing"] == "near"  # 2.9 % of a 3 % target
    # one abandoned of 101 live answers (the machine its agent heard is none)
    assert amd["abandon_rate"] == pytest.approx(rate + (1 - rate) / 101)
    without = (await api.get("/campaigns", headers=ops)).json()
    assert without[0]["amd_estimate"] is not None
    plain = await create(api, ops, name="No AMD")
    assert plain["amd_estimate"] is None


async def test_a_checked_machine_call_marked_by_its_agent_counts_and_is_retried(api, sessions):
    ops = await login(api, "ops")
    c = await create(api, ops, detect_machines=True, amd_check_share=0.2,
                     retries={"machine": {"delay_minutes": 30, "max_attempts": 2}})
    async with sessions() as s:
        agent_id = await s.scalar(select(Agent.id).where(Agent.number == "8001"))
    checked = {"amd_checked": True, "amd_result": "MACHINE:LONGGREETING-1500-1500",
               "agent_id": agent_id}
    person, machine = await calls(sessions, c["id"], answered("13320000001", **checked),
                                  answered("13320000002", **checked))
    agent = await login(api, "8001")
    for attempt_id, disposition in ((person, "order_taken"), (machine, "answering_machine")):
        reply = await api.post(f"/outbound/attempts/{attempt_id}/result", headers=agent,
                               json={"disposition": disposition})
        assert reply.status_code == 200, reply.text
    assert reply.json()["contact_status"] == "pending"  # nobody there: called again
    async with sessions() as s:
        contact = await s.scalar(select(Contact).where(Contact.phone == "13320000002"))
        evidence = (await amd_evidence(s, [c["id"]]))[c["id"]]
    wait = contact.next_attempt_at - utcnow()
    assert timedelta(minutes=29) < wait <= timedelta(minutes=30)
    assert (evidence.checked, evidence.checked_people, evidence.answered_machines) == (2, 1, 1)
    amd = (await api.get(f"/campaigns/{c['id']}", headers=ops)).json()["amd_estimate"]
    assert amd["source"] == "configured" and amd["calls"] == 2  # 2 checks are not enough


async def test_the_dialer_runs_without_amd_once_its_measured_false_positives_reach_the_target(
        api, sessions):
    ops = await login(api, "ops")
    c = await create(api, ops, detect_machines=True, mode="predictive")
    await calls(sessions, c["id"], *[answered(f"1331000{i:04d}", disposition="other")
                                     for i in range(90)],
                *[dropped(f"1332000{i:04d}") for i in range(20)],
                *[answered(f"1332000{i:04d}", disposition="other") for i in range(5)])
    async with sessions() as s, s.begin():
        s.add(Contact(campaign_id=c["id"], phone="13330000001", time_zone="Asia/Shanghai"))
    assert (await api.post(f"/campaigns/{c['id']}/start", headers=ops)).status_code == 200
    dialer = Dialer(None, None, sessions, DialerSettings(), lambda number: "", "4000")
    await dialer._reload()
    plan = dialer.plans[c["id"]]
    assert plan.amd_false_positive == pytest.approx(5 / 100)  # 5 people of 95 + 5
    assert not plan.amd_on  # dialed without AMD, as a change would be refused; and the
    assert plan.dialer_target == 0.0  # people it dropped leave the predictive nothing
    amd = (await api.get(f"/campaigns/{c['id']}", headers=ops)).json()["amd_estimate"]
    assert amd["standing"] == "over"
    # retuned, AMD is used again from the dialer's next reading of the campaign
    await api.patch(f"/campaigns/{c['id']}", headers=ops, json={"amd": {"greeting": 3000}})
    await dialer._reload()
    plan = dialer.plans[c["id"]]
    assert plan.amd_on and plan.amd.greeting == 3000 and plan.amd_false_positive == 0.0


async def test_new_amd_parameters_start_the_evidence_again(api, sessions):
    """The people dropped under the old parameters say nothing of the new ones: the estimate
    counts the calls since the last change, and the campaign may use AMD again."""
    ops = await login(api, "ops")
    c = await create(api, ops, detect_machines=True, amd_false_positive=0.01)
    await calls(sessions, c["id"], *[answered(f"1331000{i:04d}", disposition="other")
                                     for i in range(90)],
                *[dropped(f"1332000{i:04d}") for i in range(20)],
                *[answered(f"1332000{i:04d}", disposition="other") for i in range(5)])
    url = f"/campaigns/{c['id']}"
    before = (await api.get(url, headers=ops)).json()["amd_estimate"]
    assert (before["standing"], before["source"]) == ("over", "measured")
    unchanged = await api.patch(url, headers=ops, json={"abandon_target": 0.04,
                                                        "amd": {"greeting": 2500}})
    assert unchanged.json()["amd_estimate"]["calls"] == 5  # the same parameters: kept
    changed = await api.patch(url, headers=ops, json={"amd": {"greeting": 3000}})
    assert changed.status_code == 200, changed.text
    after = changed.json()["amd_estimate"]
    assert (after["source"], after["calls"], after["false_positive"]) == ("configured", 0, 0.01)
    await calls(sessions, c["id"], dropped("13320000100"),
                answered("13320000100", disposition="order_taken"), ago=-0.01)
    assert (await api.get(url, headers=ops)).json()["amd_estimate"]["calls"] == 1


async def test_a_machine_its_agent_heard_is_taken_out_of_the_pacers_live_answers_once(
        api, sessions):
    """The real path: the dialer reads the attempts an agent marked answering_machine and tells
    the campaign's predictive pacer of each once; the pacer counts one live answer fewer. Calls
    dialed before the pacer existed, and plain answers, are not told."""
    ops = await login(api, "ops")
    c = await create(api, ops, mode="predictive")
    async with sessions() as s, s.begin():
        s.add(Contact(campaign_id=c["id"], phone="13330000001", time_zone="Asia/Shanghai"))
    assert (await api.post(f"/campaigns/{c['id']}/start", headers=ops)).status_code == 200
    dialer = Dialer(None, None, sessions, DialerSettings(), lambda number: "", "4000")
    await calls(sessions, c["id"], answered("13310000001", disposition="answering_machine",
                                            answered_at=utcnow()), ago=0.5)  # before the pacer
    await dialer._reload()
    pacer = dialer.pacers[c["id"]]
    pacer.live_today = 10  # ten live answers, as the pacer heard them
    await calls(sessions, c["id"],
                answered("13310000002", disposition="answering_machine", answered_at=utcnow()),
                answered("13310000003", disposition="order_taken", answered_at=utcnow()),
                ago=-0.01)
    await dialer._reload()
    assert pacer.live_today == 9
    await dialer._reload()  # told once
    assert dialer.pacers[c["id"]] is pacer and pacer.live_today == 9
