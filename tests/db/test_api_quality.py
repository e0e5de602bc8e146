"""Quality scoring over the API, on SQLite and PostgreSQL: roles, score forms and their
retirement, named rule refusals that leave no rows, weighted totals, an agent's own history
and averages, and nobody else's."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from models import Agent, Branch, Call, Recording, utcnow
from models.calls import CallDirection
from models.quality import CallScore, CallScoreItem
from tests.db.conftest import login

pytestmark = pytest.mark.db

# greeting 1 x 5 points, solution 3 x 10 points, closing 1 x 2 points
CRITERIA = [{"name": "问候", "weight": 1, "max_points": 5},
            {"name": "解决问题", "weight": 3, "max_points": 10, "description": "一次解决"},
            {"name": "结束语", "weight": 1, "max_points": 2}]


@pytest.fixture
async def ids(api, sessions) -> dict:
    """Call 1.0 taken by 8001, a new call 2.0 taken by 8002, both recorded; call 1.1 reached
    no agent; call 3.0, taken by 8001, has no recording."""
    async with sessions() as s, s.begin():
        agents = {a.number: a.id for a in await s.scalars(select(Agent))}
        bj = await s.scalar(select(Branch.id).where(Branch.code == "BJ"))
        await s.execute(update(Call).where(Call.linkedid == "1.0")
                        .values(agent_id=agents["8001"]))
        for linkedid, agent in (("2.0", "8002"), ("3.0", "8001")):
            s.add(Call(linkedid=linkedid, uniqueid=linkedid, direction=CallDirection.INBOUND,
                       offered_at=utcnow(), branch_id=bj, agent_id=agents[agent]))
        for linkedid, agent in (("1.0", "8001"), ("2.0", "8002")):
            s.add(Recording(pbx_server="local", linkedid=linkedid, agent_id=agents[agent],
                            policy="always", status="complete", file=f"{linkedid}.wav",
                            started_at=utcnow()))
    async with sessions() as s:
        calls = {c.linkedid: c.id for c in await s.scalars(select(Call))}
    return {"call_8001": calls["1.0"], "call_8002": calls["2.0"], "no_agent": calls["1.1"],
            "unrecorded": calls["3.0"]}


@pytest.fixture
async def sup(api) -> dict:
    return await login(api, "supervisor")


@pytest.fixture
async def form(api, sup) -> dict:
    reply = await api.post("/qa/forms", headers=sup, json={
        "name": "热线通话评分", "description": "每月抽检", "criteria": CRITERIA})
    assert reply.status_code == 201, reply.text
    return reply.json()


def scoring(form: dict, call_id: int, *points: int, **extra) -> dict:
    return {"call_id": call_id, "form_id": form["id"], **extra,
            "items": [{"criterion_id": c["id"], "points": p}
                      for c, p in zip(form["criteria"], points)]}


async def counts(sessions) -> tuple[int, int]:
    async with sessions() as s:
        return (await s.scalar(select(func.count()).select_from(CallScore)),
                await s.scalar(select(func.count()).select_from(CallScoreItem)))


def rules(reply) -> list[tuple[str, list]]:
    assert reply.status_code == 422, reply.text
    return [(d["type"], d["loc"]) for d in reply.json()["detail"]]


async def test_every_route_needs_a_token_and_the_right_role(api, ids, form):
    for method, url in (("POST", "/qa/forms"), ("GET", "/qa/forms"), ("GET", "/qa/forms/1"),
                        ("POST", "/qa/forms/1/retire"), ("POST", "/qa/scores"),
                        ("GET", "/qa/scores"), ("GET", "/agents/8001/quality")):
        assert (await api.request(method, url, json={})).status_code == 401, url
    agent, ops, admin = [await login(api, n) for n in ("8001", "ops", "admin")]
    body = scoring(form, ids["call_8001"], 5, 10, 2)
    for who in (agent, ops):
        assert (await api.post("/qa/scores", headers=who, json=body)).status_code == 403
        assert (await api.post("/qa/forms", headers=who, json={
            "name": "x", "criteria": CRITERIA})).status_code == 403
        assert (await api.post(f"/qa/forms/{form['id']}/retire",
                               headers=who)).status_code == 403
        assert [f["id"] for f in (await api.get("/qa/forms", headers=who)).json()] == [
            form["id"]]
        assert (await api.get(f"/qa/forms/{form['id']}", headers=who)).json() == form
    scored = await api.post("/qa/scores", headers=admin, json=body)
    assert scored.status_code == 201, scored.text
    assert scored.json()["scorer"] == "admin"
    assert (await api.post("/qa/forms", headers=admin, json={
        "name": "投诉处理评分", "criteria": CRITERIA[:1]})).status_code == 201


async def test_a_form_keeps_its_criteria_in_order_and_is_retired_not_deleted(api, sup, form,
                                                                             ids):
    assert (form["name"], form["description"], form["active"]) == ("热线通话评分", "每月抽检",
                                                                    True)
    assert [(c["position"], c["name"], c["weight"], c["max_points"], c["description"])
            for c in form["criteria"]] == [(1, "问候", 1, 5, None),
                                           (2, "解决问题", 3, 10, "一次解决"),
                                           (3, "结束语", 1, 2, None)]
    taken = await api.post("/qa/forms", headers=sup, json={"name": " 热线通话评分 ",
                                                           "criteria": CRITERIA})
    assert rules(taken) == [("rule.form_name_unique", ["body", "name"])]
    twice = await api.post("/qa/forms", headers=sup, json={
        "name": "重复", "criteria": [CRITERIA[0], CRITERIA[1], CRITERIA[0]]})
    assert rules(twice) == [("rule.criterion_name_once", ["body", "criteria", 2, "name"])]
    shape = await api.post("/qa/forms", headers=sup, json={
        "name": "", "criteria": [{"name": "x", "weight": 0, "max_points": 5}]})
    assert {tuple(d["loc"]) for d in shape.json()["detail"]} == {
        ("body", "name"), ("body", "criteria", 0, "weight")}
    empty = await api.post("/qa/forms", headers=sup, json={"name": "空", "criteria": []})
    assert [tuple(d["loc"]) for d in empty.json()["detail"]] == [("body", "criteria")]
    assert (await api.get("/qa/forms/999999", headers=sup)).status_code == 404

    assert (await api.post("/qa/scores", headers=sup, json=scoring(
        form, ids["call_8001"], 5, 10, 2))).status_code == 201
    retired = await api.post(f"/qa/forms/{form['id']}/retire", headers=sup)
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert (await api.get("/qa/forms", headers=sup)).json() == []
    assert (await api.get(f"/qa/forms/{form['id']}", headers=sup)).json()["active"] is False
    # the score made on it stays
    assert [s["form_name"] for s in (await api.get("/qa/scores", headers=sup)).json()] == [
        "热线通话评分"]


async def test_refused_scores_name_every_broken_rule_and_write_nothing(api, sup, form, ids,
                                                                      sessions):
    before = await counts(sessions)
    call = ids["call_8001"]
    greeting, solution = [c["id"] for c in form["criteria"][:2]]

    async def refused(body: dict) -> list[tuple[str, list]]:
        return rules(await api.post("/qa/scores", headers=sup, json=body))

    assert await refused(scoring(form, call, 6, 10, -1)) == [
        ("rule.points_in_range", ["body", "items", 0, "points"]),
        ("rule.points_in_range", ["body", "items", 2, "points"])]
    assert await refused(scoring(form, call, 5, 10)) == [
        ("rule.criterion_scored", ["body", "items"])]
    unknown = scoring(form, call, 5, 10, 2)
    unknown["items"].append({"criterion_id": 999999, "points": 1})
    assert await refused(unknown) == [
        ("rule.criterion_known", ["body", "items", 3, "criterion_id"])]
    twice = scoring(form, call, 5, 10, 2)
    twice["items"].insert(1, {"criterion_id": greeting, "points": 1})
    assert await refused(twice) == [("rule.criterion_once", ["body", "items", 1, "criterion_id"])]
    assert await refused(scoring(form, ids["no_agent"], 5, 10, 2)) == [
        ("rule.call_has_agent", ["body", "call_id"])]
    assert await refused(scoring(form, ids["unrecorded"], 5, 10, 2)) == [
        ("rule.call_recorded", ["body", "call_id"])]
    assert (await api.post("/qa/scores", headers=sup, json=scoring(
        form, 999999, 5, 10, 2))).status_code == 404
    assert (await api.post("/qa/scores", headers=sup, json={
        **scoring(form, call, 5, 10, 2), "form_id": 999999})).status_code == 404
    shape = await api.post("/qa/scores", headers=sup, json={
        **scoring(form, call, 5, 10, 2), "items": [{"criterion_id": solution, "points": 2.5}]})
    assert [tuple(d["loc"]) for d in shape.json()["detail"]] == [("body", "items", 0, "points")]
    await api.post(f"/qa/forms/{form['id']}/retire", headers=sup)
    assert await refused(scoring(form, ids["no_agent"], 5, 10, 2)) == [
        ("rule.call_has_agent", ["body", "call_id"]), ("rule.form_active", ["body", "form_id"])]
    assert await counts(sessions) == before


async def test_a_score_holds_the_weighted_total_of_its_items(api, sup, form, ids):
    greeting, solution, closing = form["criteria"]
    body = {"call_id": ids["call_8001"], "form_id": form["id"], "comment": "语气友好",
            "items": [{"criterion_id": closing["id"], "points": 1},
                      {"criterion_id": greeting["id"], "points": 4, "note": "未报工号"},
                      {"criterion_id": solution["id"], "points": 7}]}
    reply = await api.post("/qa/scores", headers=sup, json=body)
    assert reply.status_code == 201, reply.text
    score = reply.json()
    assert score["total"] == 68.0  # (1 * 4/5 + 3 * 7/10 + 1 * 1/2) / 5
    assert (score["agent"], score["agent_name"], score["call_id"], score["scorer"],
            score["form_name"], score["comment"]) == ("8001", "张伟", ids["call_8001"],
                                                      "supervisor", "热线通话评分", "语气友好")
    assert [(i["name"], i["points"], i["max_points"], i["note"]) for i in score["items"]] == [
        ("问候", 4, 5, "未报工号"), ("解决问题", 7, 10, None), ("结束语", 1, 2, None)]
    for points, expected in (((5, 10, 2), 100.0), ((0, 0, 0), 0.0), ((1, 3, 1), 32.0),
                             ((2, 5, 1), 48.0)):
        reply = await api.post("/qa/scores", headers=sup,
                               json=scoring(form, ids["call_8002"], *points))
        assert reply.json()["total"] == expected, points


async def test_an_agent_sees_only_their_own_scores(api, sup, form, ids):
    for call, points in ((ids["call_8001"], (5, 10, 2)), (ids["call_8002"], (0, 5, 0))):
        assert (await api.post("/qa/scores", headers=sup,
                               json=scoring(form, call, *points))).status_code == 201
    mine, other, ops = [await login(api, n) for n in ("8001", "8002", "ops")]
    own = (await api.get("/qa/scores", headers=mine)).json()
    assert [(s["agent"], s["total"]) for s in own] == [("8001", 100.0)]
    assert (await api.get("/qa/scores", headers=mine, params={"agent": "8001"})).json() == own
    assert (await api.get("/qa/scores", headers=mine,
                          params={"agent": "8002"})).status_code == 403
    assert (await api.get("/qa/scores", headers=mine,
                          params={"agent": "9999"})).status_code == 403
    assert (await api.get("/agents/8002/quality", headers=mine)).status_code == 403
    assert (await api.get("/agents/8001/quality", headers=mine)).json()["count"] == 1
    assert [s["agent"] for s in (await api.get("/qa/scores", headers=other)).json()] == ["8002"]

    assert [s["agent"] for s in (await api.get("/qa/scores", headers=ops)).json()] == [
        "8002", "8001"]
    assert [s["agent"] for s in (await api.get("/qa/scores", headers=ops, params={
        "agent": "8002"})).json()] == ["8002"]
    assert (await api.get("/qa/scores", headers=ops, params={"agent": "9999"})).status_code == 404
    assert (await api.get("/agents/9999/quality", headers=ops)).status_code == 404
    soon = (utcnow() + timedelta(minutes=1)).isoformat()
    assert (await api.get("/qa/scores", headers=ops, params={"since": soon})).json() == []
    assert len((await api.get("/qa/scores", headers=ops, params={"until": soon})).json()) == 2
    assert (await api.get("/qa/scores", headers=ops,
                          params={"since": "2026-01-01T00:00:00"})).status_code == 422


async def test_an_agents_averages_per_form_and_per_criterion(api, sup, form, ids):
    short = (await api.post("/qa/forms", headers=sup, json={
        "name": "简短评分", "criteria": [{"name": "态度", "weight": 2, "max_points": 4}]})).json()
    for points in ((5, 10, 2), (4, 7, 1), (0, 5, 0)):  # 100, 68, 30
        await api.post("/qa/scores", headers=sup, json=scoring(form, ids["call_8001"], *points))
    await api.post("/qa/scores", headers=sup, json=scoring(short, ids["call_8001"], 1))  # 25
    await api.post("/qa/scores", headers=sup, json=scoring(form, ids["call_8002"], 0, 0, 0))

    quality = (await api.get("/agents/8001/quality", headers=await login(api, "ops"))).json()
    assert (quality["agent"], quality["count"], quality["average"]) == ("8001", 4, 55.8)
    assert quality["by_form"] == [
        {"form_id": form["id"], "name": "热线通话评分", "count": 3, "average": 66.0},
        {"form_id": short["id"], "name": "简短评分", "count": 1, "average": 25.0}]
    assert quality["by_criterion"] == [
        {"criterion_id": form["criteria"][0]["id"], "name": "问候", "average_percent": 60.0},
        {"criterion_id": form["criteria"][1]["id"], "name": "解决问题", "average_percent": 73.3},
        {"criterion_id": form["criteria"][2]["id"], "name": "结束语", "average_percent": 50.0},
        {"criterion_id": short["criteria"][0]["id"], "name": "态度", "average_percent": 25.0}]
    assert [s["total"] for s in quality["recent"]] == [25.0, 30.0, 68.0, 100.0]

    for _ in range(8):
        await api.post("/qa/scores", headers=sup, json=scoring(form, ids["call_8001"], 5, 10, 2))
    quality = (await api.get("/agents/8001/quality", headers=sup)).json()
    assert quality["count"] == 12 and len(quality["recent"]) == 10
    assert [s["total"] for s in quality["recent"][-2:]] == [25.0, 30.0]  # newest first
    empty = (await api.get("/agents/8003/quality", headers=sup)).json()
    assert empty == {"agent": "8003", "count": 0, "average": None, "by_form": [],
                     "by_criterion": [], "recent": []}
