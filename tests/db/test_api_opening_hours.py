"""A branch's hours and holidays kept over the API, on SQLite and PostgreSQL: the IVR applies a
change to its next call, refusals name the field and rule and change nothing, and a branch's
administrator keeps its own branch only."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from dialer.schedule import WEEKDAYS
from models import AuditEntry, BusinessHours
from tests.db.conftest import login

pytestmark = pytest.mark.db


def store_of(api):
    return api._transport.app.state.engine.ivr.store  # the engine behind the ASGI client


async def open_now(api) -> frozenset[str]:
    return (await store_of(api).menu_context("13900000000")).open_branches


async def test_new_hours_and_holidays_apply_to_the_next_call(api):
    admin = await login(api, "admin")
    today = WEEKDAYS[datetime.now(ZoneInfo("Asia/Shanghai")).weekday()]
    others = [d for d in WEEKDAYS if d != today]

    closed_today = await api.put("/branches/BJ/hours", headers=admin, json={
        "hours": {d: [["00:00", "12:00"], ["13:00", "23:59:59"]] for d in others}})
    assert closed_today.status_code == 200, closed_today.text
    assert closed_today.json()["hours"][today] == []
    assert "BJ" not in await open_now(api)

    urumqi_today = WEEKDAYS[datetime.now(ZoneInfo("Asia/Urumqi")).weekday()]
    reopened = await api.put("/branches/BJ/hours", headers=admin, json={
        "timezone": "Asia/Urumqi", "hours": {urumqi_today: [["00:00", "23:59:59"]]}})
    assert reopened.json()["timezone"] == "Asia/Urumqi"
    assert "BJ" in await open_now(api)

    holiday = await api.post("/holidays", headers=admin, json={
        "day": str(datetime.now(ZoneInfo("Asia/Urumqi")).date()), "name": "branch outing",
        "branch": "BJ"})
    assert holiday.status_code == 201, holiday.text
    assert "BJ" not in await open_now(api)
    again = await api.post("/holidays", headers=admin, json={
        "day": holiday.json()["day"], "name": "twice", "branch": "BJ"})
    assert again.status_code == 409 and again.json()["detail"][0]["type"] == "rule.holiday_taken"
    assert (await api.delete(f"/holidays/{holiday.json()['id']}", headers=admin)
            ).status_code == 204
    assert "BJ" in await open_now(api)

    log = (await api.get("/audit", headers=admin)).json()
    assert [(e["action"], e["entity"]) for e in log] == [
        ("delete", "holiday"), ("create", "holiday"), ("update", "opening_hours"),
        ("update", "opening_hours")]
    assert log[2]["after"]["timezone"] == "Asia/Urumqi"
    assert log[3]["before"]["hours"][today] == ["07:00-23:00"]


@pytest.mark.parametrize("body, loc, rule", [
    ({"timezone": "Mars/Olympus", "hours": {}}, ["body", "timezone"], "unknown_timezone"),
    ({"hours": {"mon": [["09:00", "12:00"], ["11:00", "18:00"]]}}, ["body", "hours", "mon"],
     "overlapping_hours"),
    ({"hours": {"tue": [["18:00", "09:00"]]}}, ["body", "hours", "tue", 0],
     "opens_before_closes"),
    ({"hours": {"someday": [["09:00", "18:00"]]}}, ["body", "hours", "someday"],
     "not_a_weekday"),
    ({"hours": {"mon": [["9 o'clock", "18:00"]]}}, ["body", "hours", "mon", 0, 0], None),
])
async def test_refused_hours_name_the_rule_and_change_nothing(api, sessions, body, loc, rule):
    async with sessions() as s:
        before = await s.scalar(select(func.count()).select_from(BusinessHours))
    reply = await api.put("/branches/BJ/hours", headers=await login(api, "admin"), json=body)
    assert reply.status_code == 422, reply.text
    problem = reply.json()["detail"][0]
    assert problem["loc"] == loc
    if rule:
        assert problem["type"] == f"rule.{rule}"
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(BusinessHours)) == before
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 0
    hours = (await api.get("/branches/BJ/hours", headers=await login(api, "8001"))).json()
    assert (hours["timezone"], hours["hours"]["mon"]) == ("Asia/Shanghai", [["07:00:00",
                                                                             "23:00:00"]])


async def test_a_branch_admin_keeps_its_own_branch_hours_and_holidays(api):
    admin = await login(api, "admin")
    await api.post("/users", headers=admin, json={
        "username": "bj-admin", "password": "long-enough", "role": "branch_admin",
        "branch": "BJ"})
    bj = await login(api, "bj-admin", "long-enough")
    week = {"hours": {"mon": [["08:00", "20:00"]]}}
    assert (await api.put("/branches/BJ/hours", headers=bj, json=week)).status_code == 200
    assert (await api.put("/branches/SH/hours", headers=bj, json=week)).status_code == 404
    day = {"day": "2027-02-06", "name": "春节"}
    assert (await api.post("/holidays", headers=bj, json={**day, "branch": "BJ"})
            ).status_code == 201
    assert (await api.post("/holidays", headers=bj, json=day)).status_code == 403  # every branch
    assert (await api.post("/holidays", headers=admin, json=day)).status_code == 201
    seen = (await api.get("/holidays", headers=bj, params={"branch": "BJ"})).json()
    assert [h["name"] for h in seen] == ["春节", "春节"]
    for role in ("supervisor", "ops", "8001"):
        assert (await api.put("/branches/BJ/hours", headers=await login(api, role),
                              json=week)).status_code == 403
