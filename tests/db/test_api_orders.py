"""Orders and the catalogue over the API on SQLite and PostgreSQL: roles, branch scoping, every
review rule named with its field, refused orders leave nothing behind, status transitions, and
the IVR's self-service reads the captured orders."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ivr.settings import IvrSettings
from ivr.store import IvrStore
from models import Branch, Call, Order, Retailer, RetailerStatus
from models.catalogue import Product
from models.journal import Journal
from models.orders import OrderLine
from tests.db.conftest import login

pytestmark = pytest.mark.db


@pytest.fixture
async def ids(api, sessions) -> dict:
    async with sessions() as s:
        retailers = {r.card_number: r.id for r in await s.scalars(select(Retailer))}
        products = {p.name: p.id for p in await s.scalars(select(Product))}
        branches = {b.code: b.id for b in await s.scalars(select(Branch))}
        calls = {c.linkedid: c.id for c in await s.scalars(select(Call))}
    return {"bj": retailers["110100001"], "bj_b": retailers["110100002"],
            "sh": retailers["310100001"], "zhonghua": products["中华（硬）"],
            "yuxi": products["玉溪（软）"], "liqun": products["利群（新版）"],
            "BJ": branches["BJ"], "SH": branches["SH"], "bj_call": calls["1.0"],
            "sh_call": calls["1.1"]}


async def rows(sessions) -> tuple[int, int]:
    async with sessions() as s:
        return (await s.scalar(select(func.count()).select_from(Order)),
                await s.scalar(select(func.count()).select_from(OrderLine)))


def rules(reply) -> list[tuple[str, list]]:
    assert reply.status_code == 422, reply.text
    return [(d["type"], d["loc"]) for d in reply.json()["detail"]]


async def test_an_agent_orders_for_a_retailer_of_the_branch(api, ids, sessions):
    agent = await login(api, "8001")
    reply = await api.post("/orders", headers=agent, json={
        "retailer_id": ids["bj"], "call_id": ids["bj_call"], "note": "下午送",
        "lines": [{"product_id": ids["zhonghua"], "quantity": 2},
                  {"product_id": ids["yuxi"], "quantity": 3}]})
    assert reply.status_code == 201, reply.text
    order = reply.json()
    assert order["status"] == "accepted" and order["channel"] == "phone"
    assert Decimal(order["amount"]) == Decimal("450.00") * 2 + Decimal("230.00") * 3
    assert [(x["product"], x["quantity"], Decimal(x["amount"])) for x in order["lines"]] == [
        ("中华（硬）", 2, Decimal("900.00")), ("玉溪（软）", 3, Decimal("690.00"))]
    listed = (await api.get("/orders", params={"retailer_id": ids["bj"]}, headers=agent)).json()
    assert listed[0]["id"] == order["id"]  # newest first
    assert (await api.get(f"/orders/{order['id']}", headers=agent)).json() == order
    sh_agent = await login(api, "8003")
    assert (await api.get(f"/orders/{order['id']}", headers=sh_agent)).status_code == 404
    assert all(o["retailer_id"] != ids["bj"]
               for o in (await api.get("/orders", headers=sh_agent)).json())
    hq = await login(api, "8005")
    assert (await api.get(f"/orders/{order['id']}", headers=hq)).status_code == 200


async def test_a_refused_order_names_every_broken_rule_and_leaves_nothing(api, ids, sessions):
    agent = await login(api, "8001")
    before = await rows(sessions)
    reply = await api.post("/orders", headers=agent, json={
        "retailer_id": ids["bj"], "call_id": ids["sh_call"],
        "lines": [{"product_id": ids["zhonghua"], "quantity": 51},  # class A: at most 50
                  {"product_id": ids["liqun"], "quantity": 1},  # not on supply in BJ
                  {"product_id": 999999, "quantity": 1},
                  {"product_id": ids["zhonghua"], "quantity": 1}]})
    assert rules(reply) == [
        ("rule.retailer_upper_limit", ["body", "lines", 0, "quantity"]),
        ("rule.product_on_supply", ["body", "lines", 1, "product_id"]),
        ("rule.product_active", ["body", "lines", 2, "product_id"]),
        ("rule.product_once", ["body", "lines", 3, "product_id"]),
        ("rule.call_in_scope", ["body", "call_id"])]
    assert "at most 50" in reply.json()["detail"][0]["msg"]
    assert await rows(sessions) == before
    shapes = await api.post("/orders", headers=agent, json={
        "retailer_id": ids["bj"], "lines": [{"product_id": ids["yuxi"], "quantity": 0}]})
    assert shapes.status_code == 422
    assert shapes.json()["detail"][0]["loc"] == ["body", "lines", 0, "quantity"]
    empty = await api.post("/orders", headers=agent, json={"retailer_id": ids["bj"],
                                                           "lines": []})
    assert empty.json()["detail"][0]["loc"] == ["body", "lines"]
    other_branch = await api.post("/orders", headers=agent, json={
        "retailer_id": ids["sh"], "lines": [{"product_id": ids["yuxi"], "quantity": 1}]})
    assert rules(other_branch) == [("rule.retailer_in_scope", ["body", "retailer_id"])]
    assert await rows(sessions) == before


async def test_a_suspended_retailer_may_not_order(api, ids, sessions):
    async with sessions() as s, s.begin():
        (await s.get(Retailer, ids["bj_b"])).status = RetailerStatus.SUSPENDED
    reply = await api.post("/orders", headers=await login(api, "8001"), json={
        "retailer_id": ids["bj_b"], "lines": [{"product_id": ids["yuxi"], "quantity": 1}]})
    assert rules(reply) == [("rule.retailer_active", ["body", "retailer_id"])]


async def test_roles_for_orders_and_the_catalogue(api, ids):
    ops, sup, agent = [await login(api, n) for n in ("ops", "supervisor", "8001")]
    order = {"retailer_id": ids["bj"], "lines": [{"product_id": ids["yuxi"], "quantity": 1}]}
    assert (await api.post("/orders", json=order)).status_code == 401
    assert (await api.post("/orders", headers=ops, json=order)).status_code == 403
    assert (await api.post("/orders", headers=sup, json=order)).status_code == 201
    assert (await api.get("/orders", headers=ops)).status_code == 200
    product = {"code": "6901028999", "name": "红塔山（经典）", "unit_price": "100.00"}
    assert (await api.post("/products", headers=agent, json=product)).status_code == 403
    assert (await api.post("/products", headers=sup, json=product)).status_code == 403
    added = await api.post("/products", headers=ops, json=product)
    assert added.status_code == 201 and added.json()["unit"] == "条"
    again = await api.post("/products", headers=ops, json=product)
    assert again.status_code == 409 and again.json()["detail"][0]["loc"] == ["body", "code"]
    bad = await api.post("/products", headers=ops, json=product | {"unit_price": "-1"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "unit_price"]
    assert (await api.put(f"/products/{ids['liqun']}/supply/{ids['BJ']}", headers=agent,
                          json={"on_supply": True})).status_code == 403


async def test_ops_keep_supply_and_limits_and_agents_see_them(api, ids):
    ops, agent = await login(api, "ops"), await login(api, "8001")
    catalogue = {p["name"]: p for p in (await api.get("/products", headers=agent)).json()}
    assert catalogue["利群（新版）"]["on_supply"] is False  # in the agent's branch, BJ
    assert catalogue["中华（硬）"]["on_supply"] is True
    sh = {p["name"]: p for p in (await api.get("/products", headers=agent,
                                               params={"branch_id": ids["SH"]})).json()}
    assert sh["利群（新版）"]["on_supply"] is True
    put = await api.put(f"/products/{ids['liqun']}/supply/{ids['BJ']}", headers=ops,
                        json={"on_supply": True})
    assert put.status_code == 200
    limit = {"retailer_id": ids["bj"], "product_id": ids["liqun"], "min_quantity": 5,
             "max_quantity": 8}
    assert (await api.put("/orders/limits", headers=ops, json=limit)).status_code == 200
    inverted = await api.put("/orders/limits", headers=ops,
                             json=limit | {"min_quantity": 9, "max_quantity": 3})
    assert inverted.json()["detail"][0]["type"] == "rule.limit_order"
    limits = {x["product"]: x for x in (await api.get(
        "/orders/limits", params={"retailer_id": ids["bj"]}, headers=agent)).json()}
    liqun = limits["利群（新版）"]
    assert (liqun["min_quantity"], liqun["max_quantity"]) == (5, 8)
    assert (await api.get("/orders/limits", params={"retailer_id": ids["sh"]},
                          headers=agent)).status_code == 404
    low = await api.post("/orders", headers=agent, json={
        "retailer_id": ids["bj"], "lines": [{"product_id": ids["liqun"], "quantity": 4}]})
    assert rules(low) == [("rule.retailer_lower_limit", ["body", "lines", 0, "quantity"])]
    ok = await api.post("/orders", headers=agent, json={
        "retailer_id": ids["bj"], "lines": [{"product_id": ids["liqun"], "quantity": 5}]})
    assert ok.status_code == 201


async def test_supply_is_set_by_the_branchs_code_or_its_id(api, ids):
    ops = await login(api, "ops")
    url = f"/products/{ids['liqun']}/supply"
    by_code = await api.put(f"{url}/BJ", headers=ops, json={"on_supply": True})
    assert by_code.status_code == 200, by_code.text
    assert by_code.json() == {"on_supply": True, "product_id": ids["liqun"], "branch": "BJ",
                              "branch_id": ids["BJ"]}
    by_id = await api.put(f"{url}/{ids['SH']}", headers=ops, json={"on_supply": False})
    assert (by_id.status_code, by_id.json()["branch"]) == (200, "SH")
    supplied = {b: {p["name"]: p["on_supply"] for p in (await api.get(
        "/products", headers=ops, params={"branch_id": ids[b]})).json()} for b in ("BJ", "SH")}
    assert (supplied["BJ"]["利群（新版）"], supplied["SH"]["利群（新版）"]) == (True, False)
    for unknown in ("XX", "999999"):
        assert (await api.put(f"{url}/{unknown}", headers=ops,
                              json={"on_supply": True})).status_code == 404
    assert (await api.put("/products/999999/supply/BJ", headers=ops,
                          json={"on_supply": True})).status_code == 404


async def test_a_branchs_ops_keep_their_branchs_supply_and_retailers_only(api, ids):
    await api.post("/users", headers=await login(api, "admin"), json={
        "username": "bj-ops", "password": "long-enough", "role": "ops", "branch": "BJ"})
    bj_ops = await login(api, "bj-ops", "long-enough")
    assert (await api.put(f"/products/{ids['liqun']}/supply/BJ", headers=bj_ops,
                          json={"on_supply": True})).status_code == 200
    assert (await api.put(f"/products/{ids['liqun']}/supply/SH", headers=bj_ops,
                          json={"on_supply": False})).status_code == 404
    limit = {"product_id": ids["liqun"], "min_quantity": 1, "max_quantity": 9}
    assert (await api.put("/orders/limits", headers=bj_ops,
                          json=limit | {"retailer_id": ids["bj"]})).status_code == 200
    other = await api.put("/orders/limits", headers=bj_ops, json=limit | {"retailer_id": ids["sh"]})
    assert rules(other) == [("rule.retailer_known", ["body", "retailer_id"])]


async def test_status_moves_only_along_the_allowed_transitions(api, ids):
    agent = await login(api, "8001")
    order = (await api.post("/orders", headers=agent, json={
        "retailer_id": ids["bj"], "lines": [{"product_id": ids["yuxi"], "quantity": 1}]})).json()
    url = f"/orders/{order['id']}/status"
    delivered = await api.post(url, headers=agent, json={"status": "delivered"})
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"
    back = await api.post(url, headers=agent, json={"status": "cancelled"})
    assert back.status_code == 409
    assert back.json()["detail"][0]["type"] == "rule.status_transition"
    unknown = await api.post(url, headers=agent, json={"status": "lost"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "status"]
    sh_agent = await login(api, "8003")
    assert (await api.post(url, headers=sh_agent, json={"status": "cancelled"})).status_code == 404


async def test_the_ivr_self_service_reads_the_captured_order(api, ids, sessions):
    agent = await login(api, "8001")
    order = (await api.post("/orders", headers=agent, json={
        "retailer_id": ids["bj"], "lines": [{"product_id": ids["zhonghua"], "quantity": 3}]}))
    assert order.status_code == 201
    store = IvrStore(sessions, Journal(sessions), IvrSettings(), "local")
    [latest, *_] = await store.last_orders(ids["bj"], 3)
    assert latest.amount == Decimal("1350.00") and latest.status == "accepted"
