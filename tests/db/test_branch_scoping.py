"""Branch scoping of what supervisors watch, on SQLite and PostgreSQL: a supervisor (or ops, or a
branch administrator) of Beijing sees Beijing's agents, queues, calls, recordings, voicemails,
monitorings and live feeds only, and another branch's record is not found; headquarters' users
see every branch. Monitoring another branch's agent is refused, naming the rule, before
anything reaches the PBX."""
import json

import pytest
from sqlalchemy import select

from acd.monitoring import Monitoring
from models import Agent, Call, Recording, Retailer, Voicemail, utcnow
from tests.db.conftest import login
from tests.db.sockets import Socket, app_of, token

pytestmark = pytest.mark.db

PASSWORD = "long-enough"
BJ_AGENTS, SH_AGENTS, HQ_AGENTS = {"8001", "8002"}, {"8003", "8004"}, {"8005"}
EVERY_AGENT = BJ_AGENTS | SH_AGENTS | HQ_AGENTS


@pytest.fixture
async def users(api) -> dict[str, dict]:
    """Headers of Beijing's supervisor (with a phone), ops and branch administrator, of a
    supervisor of headquarters' branch, and of the demo's supervisor (of no branch)."""
    admin = await login(api, "admin")
    for username, role, branch, phone in (
            ("bj-supervisor", "supervisor", "BJ", "supervisor-bj"),
            ("bj-ops", "ops", "BJ", None), ("bj-admin", "branch_admin", "BJ", None),
            ("hq-supervisor", "supervisor", "HQ", "supervisor-hq")):
        reply = await api.post("/users", headers=admin, json={
            "username": username, "password": PASSWORD, "role": role, "branch": branch,
            "sip_endpoint": phone})
        assert reply.status_code == 201, reply.text
    return {"bj": await login(api, "bj-supervisor", PASSWORD),
            "bj_ops": await login(api, "bj-ops", PASSWORD),
            "bj_admin": await login(api, "bj-admin", PASSWORD),
            "hq": await login(api, "hq-supervisor", PASSWORD),
            "demo": await login(api, "supervisor")}


async def test_agents_and_their_sessions(api, users):
    for who in ("bj", "bj_ops", "bj_admin"):
        listed = (await api.get("/agents", headers=users[who])).json()
        assert {a["number"] for a in listed} == BJ_AGENTS
    for who in ("hq", "demo"):
        listed = (await api.get("/agents", headers=users[who])).json()
        assert {a["number"] for a in listed} == EVERY_AGENT
    bj, hq = users["bj"], users["hq"]
    assert (await api.get("/agents/8001", headers=bj)).json()["branch"] == "BJ"
    other = await api.get("/agents/8003", headers=bj)
    assert other.status_code == 404 and other.json()["detail"] == [{
        "loc": ["path", "number"], "msg": "agent 8003 not found", "type": "rule.unknown_agent",
        "ctx": {"agent": "8003"}}]
    assert (await api.get("/agents/8003", headers=hq)).json()["branch"] == "SH"
    assert (await api.get("/agents/8001/transitions", headers=bj)).status_code == 200
    assert (await api.get("/agents/8003/transitions", headers=bj)).status_code == 404
    assert (await api.get("/agents/8003/transitions", headers=hq)).status_code == 200
    for action, body in (("login", None), ("logout", None), ("unpause", None),
                         ("pause", {"reason": "break"}), ("wrap-up/end", None)):
        refused = await api.post(f"/agents/8003/{action}", headers=bj, json=body)
        assert refused.status_code == 404, (action, refused.text)
    recording = await api.post("/agents/8003/recording", headers=bj, json={"action": "pause"})
    assert recording.status_code == 404
    # an agent of a branch is scoped too, and still reaches its own session
    agent = await login(api, "8001")
    assert {a["number"] for a in (await api.get("/agents", headers=agent)).json()} == BJ_AGENTS
    assert (await api.get("/agents/8001/transitions", headers=agent)).status_code == 200


async def test_queue_figures_and_settings(api, users):
    for who, branches in (("bj", {"BJ"}), ("bj_admin", {"BJ"}), ("hq", {"HQ", "BJ", "SH"}),
                          ("demo", {"HQ", "BJ", "SH"})):
        figures = (await api.get("/queues", headers=users[who])).json()
        assert {q["branch"] for q in figures} == branches, who
        assert all(q["queue"].startswith(tuple(branches)) for q in figures)
        settings = (await api.get("/queues/settings", headers=users[who])).json()
        assert {q["branch"] for q in settings} == branches, who
    assert "BJ-order" in {q["queue"] for q in (await api.get("/queues",
                                                             headers=users["bj"])).json()}


async def test_calls_voicemails_orders_and_opinions(api, users, sessions):
    async with sessions() as s:
        calls = {c.linkedid: c.id for c in await s.scalars(select(Call))}
        voicemails = {v.linkedid: v.id for v in await s.scalars(select(Voicemail))}
        sh_retailer = await s.scalar(select(Retailer.id).where(Retailer.card_number == "310100001"))
    bj, hq = users["bj"], users["hq"]
    assert {c["linkedid"] for c in (await api.get("/calls", headers=bj)).json()} == {"1.0"}
    assert {c["linkedid"] for c in (await api.get("/calls", headers=hq)).json()} == {"1.0", "1.1"}
    assert (await api.get(f"/calls/{calls['1.0']}", headers=bj)).status_code == 200
    assert (await api.get(f"/calls/{calls['1.1']}", headers=bj)).status_code == 404
    assert (await api.get(f"/calls/{calls['1.1']}", headers=hq)).status_code == 200
    assert {v["linkedid"] for v in (await api.get("/voicemails", headers=bj)).json()} == {"1.0"}
    assert {v["linkedid"] for v in (await api.get("/voicemails", headers=hq)).json()} == {
        "1.0", "1.1"}
    handled = await api.post(f"/voicemails/{voicemails['1.1']}/handled", headers=bj,
                             json={"handled_by": "bj-supervisor"})
    assert handled.status_code == 404
    bj_orders = (await api.get("/orders", headers=bj, params={"limit": 500})).json()
    hq_orders = (await api.get("/orders", headers=hq, params={"limit": 500})).json()
    assert bj_orders and len(bj_orders) < len(hq_orders)
    sh_order = next(o for o in hq_orders if o["id"] not in {b["id"] for b in bj_orders})
    assert (await api.get(f"/orders/{sh_order['id']}", headers=bj)).status_code == 404
    assert (await api.get(f"/orders/{sh_order['id']}", headers=hq)).status_code == 200
    opinion = await api.post("/opinions", headers=hq, json={
        "kind": "complaint", "subject": "logistics", "source": "retailer",
        "retailer_id": sh_retailer, "text": "送货太慢", "call_id": calls["1.1"]})
    assert opinion.status_code == 201, opinion.text
    assert (await api.get(f"/opinions/{opinion.json()['id']}", headers=bj)).status_code == 404
    assert opinion.json()["id"] not in {o["id"] for o in (await api.get(
        "/opinions", headers=bj)).json()}


@pytest.fixture
async def recordings(api, sessions) -> dict[str, int]:
    """A recording of Beijing's call 1.0 (taken by 8001) and of Shanghai's 1.1 (by 8003)."""
    async with sessions() as s, s.begin():
        agents = {a.number: a.id for a in await s.scalars(select(Agent))}
        rows = {linkedid: Recording(pbx_server="local", linkedid=linkedid,
                                    agent_id=agents[number], queue=queue, policy="always",
                                    status="missing", started_at=utcnow())
                for linkedid, number, queue in (("1.0", "8001", "BJ-order"),
                                                ("1.1", "8003", "SH-order"))}
        s.add_all(rows.values())
    return {"bj": rows["1.0"].id, "sh": rows["1.1"].id}


async def test_recordings_and_their_play_links(api, users, recordings):
    for who in ("bj", "bj_ops"):
        listed = (await api.get("/recordings", headers=users[who])).json()
        assert [r["id"] for r in listed] == [recordings["bj"]]
    for who in ("hq", "demo"):
        listed = (await api.get("/recordings", headers=users[who])).json()
        assert {r["id"] for r in listed} == {recordings["bj"], recordings["sh"]}
    bj, hq = users["bj"], users["hq"]
    for tail in ("", "/link", "/audio"):
        own = await api.get(f"/recordings/{recordings['bj']}{tail}", headers=bj)
        assert own.status_code != 404 or "has no file" in own.text, (tail, own.text)
        other = await api.get(f"/recordings/{recordings['sh']}{tail}", headers=bj)
        assert other.status_code == 404, (tail, other.text)
        assert other.json()["detail"] == f"recording {recordings['sh']} not found"
        assert (await api.get(f"/recordings/{recordings['sh']}{tail}",
                              headers=hq)).status_code != 403
    assert (await api.get(f"/recordings/{recordings['bj']}/link", headers=bj)).status_code == 200
    assert (await api.get(f"/recordings/{recordings['sh']}/link", headers=hq)).status_code == 200


@pytest.fixture
def monitorings(api) -> dict[str, Monitoring]:
    """The demo supervisor on Beijing's 8001 and on Shanghai's 8003, as the engine holds them
    once the PBX said they were on."""
    engine = app_of(api).state.engine
    agents = {a.number: a.id for a in engine.desk.agents.values()}
    active = {number: Monitoring(f"monitor-{number}", 1, "supervisor", agents[number],
                                 "listen", on=True) for number in ("8001", "8003")}
    engine.monitors.active.update({m.id: m for m in active.values()})
    return active


async def test_monitoring_another_branch_is_refused_before_the_pbx(api, users, monitorings):
    bj, hq = users["bj"], users["hq"]
    refused = await api.post("/monitor", headers=bj, json={"agent": "8003", "mode": "listen"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == [{
        "loc": ["body", "agent"], "type": "rule.branch_scope",
        "msg": "agent 8003 is of branch SH; a supervisor of branch BJ monitors its own "
               "branch's agents"}]
    # its own branch's agent passes the rule and reaches the desk (no session on the PBX here)
    own = await api.post("/monitor", headers=bj, json={"agent": "8001", "mode": "listen"})
    assert own.status_code == 409 and own.json()["detail"] == [{
        "loc": ["body", "agent"], "msg": "agent 8001: the agent has no session on the PBX",
        "type": "rule.agent_no_session", "ctx": {"agent": "8001"}}]
    elsewhere = await api.post("/monitor", headers=hq, json={"agent": "8003", "mode": "listen"})
    assert elsewhere.status_code == 409
    assert elsewhere.json()["detail"][0]["type"] == "rule.agent_no_session"
    unknown = await api.post("/monitor", headers=bj, json={"agent": "8999", "mode": "listen"})
    assert unknown.status_code == 404
    assert unknown.json()["detail"][0]["type"] == "rule.unknown_agent"

    assert [m["agent"] for m in (await api.get("/monitor", headers=bj)).json()] == ["8001"]
    assert {m["agent"] for m in (await api.get("/monitor", headers=hq)).json()} == {
        "8001", "8003"}
    admin = await login(api, "admin")  # of no branch: sees every monitoring
    assert len((await api.get("/monitor", headers=admin)).json()) == 2
    sh_monitor = monitorings["8003"].id
    for method in ("PUT", "DELETE"):
        gone = await api.request(method, f"/monitor/{sh_monitor}", headers=bj,
                                 json={"mode": "whisper"} if method == "PUT" else None)
        assert gone.status_code == 404, (method, gone.text)
    assert monitorings["8003"].mode == "listen" and sh_monitor in app_of(
        api).state.engine.monitors.active


async def test_the_wallboard_feed_carries_the_branch_only(api, users, monitorings):
    async def first_snapshot(who: str) -> dict:
        async with Socket(app_of(api), "/ws/wallboard") as ws:
            await ws.send_json({"token": token(users[who])})
            frame = await ws.receive_json()
        assert frame["kind"] == "wallboard"
        return frame["data"]

    for who in ("bj", "bj_ops"):
        data = await first_snapshot(who)
        assert {a["number"] for a in data["agents"]} == BJ_AGENTS
        assert {q["branch"] for q in data["queues"]} == {"BJ"} and data["queues"]
        assert {a["number"]: bool(a["monitored"]) for a in data["agents"]} == {
            "8001": True, "8002": False}
        assert sum(data["agents_by_state"]["states"].values()) == len(BJ_AGENTS)
        assert data["totals"]["waiting"] == sum(q["waiting"] for q in data["queues"])
    for who in ("hq", "demo"):
        data = await first_snapshot(who)
        assert {a["number"] for a in data["agents"]} == EVERY_AGENT
        assert {q["branch"] for q in data["queues"]} == {"HQ", "BJ", "SH"}
        assert sum(data["agents_by_state"]["states"].values()) == len(EVERY_AGENT)
        assert len(data["trend"]["offered"]) == len(data["trend"]["starts"]) > 0


async def test_the_agent_feed_follows_the_branch_agents_only(api, users):
    async def follow(who: str, number: str) -> dict:
        async with Socket(app_of(api), "/ws/agent") as ws:
            await ws.send_json({"token": token(users[who]), "agent": number})
            message = await ws.receive()
        return json.loads(message["text"]) if message["type"] == "websocket.send" else message

    own = await follow("bj", "8001")
    assert own["kind"] == "reset" and own["data"]["agent"]["number"] == "8001"
    other = await follow("bj", "8003")
    assert (other["type"], other["code"], other["reason"]) == (
        "websocket.close", 4404, "agent: 8003 not found")
    elsewhere = await follow("hq", "8003")
    assert elsewhere["kind"] == "reset" and elsewhere["data"]["agent"]["branch"] == "SH"
