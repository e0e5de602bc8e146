"""Every administrative change is on record, on SQLite and PostgreSQL: the catalogue (products,
supply per branch, retailers' limits), the knowledge base, the do-not-call list, campaigns and
score forms each write an audit entry saying who, what, and the changed fields before and after;
a refused change writes none, and a branch's administrator reads its own branch's entries."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEntry, Branch, Recording, Retailer, utcnow
from models.catalogue import Product
from tests.db.conftest import login
from tests.db.test_api_campaigns import SURVEY
from tests.db.test_api_quality import CRITERIA

pytestmark = pytest.mark.db


async def audit(api, entity: str, **params) -> list[dict]:
    """The entity's entries, newest first, as headquarters' administrator reads them."""
    reply = await api.get("/audit", headers=await login(api, "admin"),
                          params={"entity": entity, **params})
    assert reply.status_code == 200, reply.text
    return reply.json()


async def branches_of(sessions, entity: str) -> set[int | None]:
    """The branches the entity's entries belong to (whose administrators may read them)."""
    async with sessions() as s:
        return set(await s.scalars(select(AuditEntry.branch_id)
                                   .where(AuditEntry.entity == entity)))


def said(entry: dict) -> tuple:
    return entry["username"], entry["action"], entry["entity_id"], entry["before"], entry["after"]


async def ids(sessions) -> dict:
    async with sessions() as s:
        products = {p.code: p.id for p in await s.scalars(select(Product))}
        retailers = {r.card_number: r.id for r in await s.scalars(select(Retailer))}
        branches = {b.code: b.id for b in await s.scalars(select(Branch))}
    return {"liqun": products["6901028412"], "bj_shop": retailers["110100001"], **branches}


async def test_a_product_added_and_changed(api):
    ops = await login(api, "ops")
    added = await api.post("/products", headers=ops, json={
        "code": "6901028999", "name": "红塔山（经典）", "unit_price": "100"})
    assert added.status_code == 201, added.text
    changed = await api.patch(f"/products/{added.json()['id']}", headers=ops,
                              json={"unit_price": "105.50", "name": "红塔山（经典）"})
    assert changed.status_code == 200, changed.text
    assert [said(e) for e in await audit(api, "product")] == [
        ("ops", "update", "6901028999", {"unit_price": "100.00"}, {"unit_price": "105.50"}),
        ("ops", "create", "6901028999", None, {
            "code": "6901028999", "name": "红塔山（经典）", "unit": "条", "unit_price": "100.00",
            "active": True})]


async def test_supply_in_a_branch_changed(api, sessions):
    ops, known = await login(api, "ops"), await ids(sessions)
    for branch, supplied in (("BJ", True), (str(known["BJ"]), False), ("BJ", False)):
        reply = await api.put(f"/products/{known['liqun']}/supply/{branch}", headers=ops,
                              json={"on_supply": supplied})
        assert reply.status_code == 200, reply.text
    assert [said(e) for e in await audit(api, "product_supply")] == [  # the last changed nothing
        ("ops", "update", "6901028412/BJ", {"on_supply": True}, {"on_supply": False}),
        ("ops", "update", "6901028412/BJ", {"on_supply": False}, {"on_supply": True})]
    assert await branches_of(sessions, "product_supply") == {known["BJ"]}


async def test_a_retailers_limit_changed_and_a_refused_one_not_recorded(api, sessions):
    ops, known = await login(api, "ops"), await ids(sessions)
    limit = {"retailer_id": known["bj_shop"], "product_id": known["liqun"], "min_quantity": 5,
             "max_quantity": 8}
    assert (await api.put("/orders/limits", headers=ops, json=limit)).status_code == 200
    refused = await api.put("/orders/limits", headers=ops,
                            json=limit | {"min_quantity": 9, "max_quantity": 3})
    assert refused.status_code == 422
    [entry] = await audit(api, "order_limit")
    assert said(entry) == ("ops", "update", "110100001/6901028412",
                           {"min_quantity": 1, "max_quantity": 50},
                           {"min_quantity": 5, "max_quantity": 8})
    assert await branches_of(sessions, "order_limit") == {known["BJ"]}


async def test_an_article_added_changed_withdrawn_and_put_back(api):
    sup = await login(api, "supervisor")
    article = (await api.post("/knowledge", headers=sup, json={
        "category": "faq", "title": "价格查询", "body": "请在工作台查看。"})).json()
    url = f"/knowledge/{article['id']}"
    edited = (await api.patch(url, headers=sup, json={"version": article["version"],
                                                      "title": "价格怎么查"})).json()
    assert (await api.delete(url, headers=sup)).status_code == 204
    back = await api.patch(url, headers=sup, json={"version": edited["version"] + 1,
                                                   "active": True})
    assert back.status_code == 200 and back.json()["active"] is True
    entries = await audit(api, "knowledge_article", entity_id=str(article["id"]))
    assert [said(e)[:2] + said(e)[3:] for e in entries] == [
        ("supervisor", "restore", {"active": False}, {"active": True}),
        ("supervisor", "withdraw", {"active": True}, {"active": False}),
        ("supervisor", "update", {"title": "价格查询"}, {"title": "价格怎么查"}),
        ("supervisor", "create", None, {"category": "faq", "title": "价格查询",
                                        "body": "请在工作台查看。", "tags": "", "active": True})]


async def test_a_number_put_on_the_do_not_call_list_and_taken_off(api):
    ops = await login(api, "ops")
    assert (await api.post("/do-not-call", headers=ops,
                           json={"phone": "139-0000-0000", "reason": "asked"})).status_code == 201
    assert (await api.post("/do-not-call", headers=ops,
                           json={"phone": "13900000000"})).status_code == 201  # already on it
    assert (await api.delete("/do-not-call/13900000000", headers=ops)).status_code == 204
    assert [said(e) for e in await audit(api, "do_not_call")] == [
        ("ops", "delete", "13900000000", {"phone": "13900000000", "reason": "asked"}, None),
        ("ops", "create", "13900000000", None,
         {"phone": "13900000000", "reason": "asked", "contacts_withdrawn": 0})]
    bad = await api.post("/do-not-call", headers=ops, json={"phone": "nobody"})
    assert bad.status_code == 422
    assert (bad.json()["detail"][0]["loc"], bad.json()["detail"][0]["type"]) == (
        ["body", "phone"], "rule.not_a_phone")


async def test_a_campaign_created_changed_and_commanded(api, sessions):
    ops = await login(api, "ops")
    made = (await api.post("/campaigns", headers=ops, json=SURVEY)).json()
    changed = await api.patch(f"/campaigns/{made['id']}", headers=ops,
                              json={"abandon_target": 0.02, "agents": ["8001", "8002"]})
    assert changed.status_code == 200, changed.text
    assert (await api.post(f"/campaigns/{made['id']}/start", headers=ops)).status_code == 200
    assert (await api.post(f"/campaigns/{made['id']}/start", headers=ops)).status_code == 409
    entries = await audit(api, "campaign", entity_id=str(made["id"]))
    assert [said(e)[:2] + said(e)[3:] for e in entries[:2]] == [
        ("ops", "start", {"state": "draft"}, {"state": "running"}),
        ("ops", "update", {"abandon_target": 0.03, "agents": ["8001"]},
         {"abandon_target": 0.02, "agents": ["8001", "8002"]})]
    created = entries[2]
    assert (created["action"], created["before"]) == ("create", None)
    assert {k: created["after"][k] for k in ("name", "branch", "starts_on", "state", "mode")} == {
        "name": SURVEY["name"], "branch": "BJ", "starts_on": "2026-12-01", "state": "draft",
        "mode": "predictive"}
    async with sessions() as s:
        bj = await s.scalar(select(Branch.id).where(Branch.code == "BJ"))
    assert await branches_of(sessions, "campaign") == {bj}


async def test_a_score_form_created_and_retired(api):
    sup = await login(api, "supervisor")
    form = (await api.post("/qa/forms", headers=sup, json={
        "name": "热线通话评分", "criteria": CRITERIA})).json()
    assert (await api.post(f"/qa/forms/{form['id']}/retire", headers=sup)).status_code == 200
    assert (await api.post(f"/qa/forms/{form['id']}/retire", headers=sup)).status_code == 200
    retired, created = await audit(api, "score_form")
    assert said(retired) == ("supervisor", "retire", str(form["id"]), {"active": True},
                             {"active": False})
    assert created["after"]["name"] == "热线通话评分"
    assert [c["name"] for c in created["after"]["criteria"]] == ["问候", "解决问题", "结束语"]


async def test_refused_changes_leave_no_entry(api, sessions):
    ops, known = await login(api, "ops"), await ids(sessions)
    refusals = [
        api.post("/products", headers=ops, json={"code": "6901028412", "name": "x",
                                                  "unit_price": "1"}),
        api.patch("/products/999999", headers=ops, json={"name": "x"}),
        api.put(f"/products/{known['liqun']}/supply/XX", headers=ops, json={"on_supply": True}),
        api.patch("/knowledge/999999", headers=ops, json={"version": 1, "title": "x"}),
        api.delete("/do-not-call/13900000001", headers=ops),
        api.post("/campaigns", headers=ops, json=SURVEY | {"agents": ["9999"]}),
        api.post("/campaigns/999999/start", headers=ops)]
    for call in refusals:
        assert (await call).status_code in (404, 409, 422)
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 0


async def test_a_branch_administrator_reads_its_own_branchs_entries(api, sessions):
    admin, ops, known = await login(api, "admin"), await login(api, "ops"), await ids(sessions)
    await api.post("/users", headers=admin, json={
        "username": "bj-admin", "password": "long-enough", "role": "branch_admin",
        "branch": "BJ"})
    for branch, supplied in (("BJ", True), ("SH", False)):  # each the other way round
        await api.put(f"/products/{known['liqun']}/supply/{branch}", headers=ops,
                      json={"on_supply": supplied})
    bj = await login(api, "bj-admin", "long-enough")
    seen = (await api.get("/audit", headers=bj, params={"entity": "product_supply"})).json()
    assert [e["entity_id"] for e in seen] == ["6901028412/BJ"]


async def test_the_recordings_purge_says_who_purged_which(api, sessions):
    async with sessions() as s, s.begin():
        old = Recording(pbx_server="local", linkedid="1.1", queue="SH-order", policy="always",
                        status="complete", file="2025/10/01/1.1.wav",
                        started_at=utcnow() - timedelta(days=400))
        s.add(old)
    ops = await login(api, "ops")
    assert (await api.post("/recordings/purge", json={}, headers=ops)).status_code == 200
    assert (await api.post("/recordings/purge", json={}, headers=ops)).status_code == 200
    [entry] = await audit(api, "recordings")  # the second purge found nothing: no entry
    assert said(entry) == ("ops", "purge", "older than 365 days", None,
                           {"recordings": [old.id]})
