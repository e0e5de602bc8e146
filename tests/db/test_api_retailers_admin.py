"""Retailers kept by administrators over the API, on SQLite and PostgreSQL: created with their
profile, changed, suspended and reactivated, each in the history and the audit log; a branch's
administrator within its branch, ops reading only; files of retailers imported with every
rejected row named, and a refused file writing nothing."""
import asyncio
import io
import os
import sys
from asyncio.subprocess import PIPE

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from dialer.sheets import Limits
from models import AuditEntry, Retailer, RetailerHistory
from tests.db.conftest import login

pytestmark = pytest.mark.db

NEW = {"card_number": "120100001", "name": "望京便利店", "branch": "BJ", "retailer_class": "C",
       "phones": ["13811112222"], "pin": "2468", "address": "北京市朝阳区望京街 9 号",
       "business_format": "便利店", "shop_area": 42.5, "trade_area": "望京"}
DEMO_RETAILERS = 6


async def counts(sessions) -> list[int]:
    """Retailers, their versions and audit entries."""
    async with sessions() as s:
        return [await s.scalar(select(func.count()).select_from(table))
                for table in (Retailer, RetailerHistory, AuditEntry)]


async def by_card(api, headers, card: str) -> dict:
    [r] = (await api.get("/retailers", params={"q": card}, headers=headers)).json()
    return r


async def audit_of(api, headers, card: str) -> list[dict]:
    return (await api.get("/audit", headers=headers,
                          params={"entity": "retailer", "entity_id": card})).json()


async def test_a_retailer_created_with_its_profile_and_changed_on_record(api):
    admin = await login(api, "admin")
    reply = await api.post("/retailers", headers=admin, json=NEW)
    assert reply.status_code == 201, reply.text
    made = reply.json()
    assert {k: made[k] for k in ("branch", "status", "version", "has_pin", "shop_area",
                                 "business_format", "trade_area", "phones")} == {
        "branch": "BJ", "status": "active", "version": 1, "has_pin": True, "shop_area": 42.5,
        "business_format": "便利店", "trade_area": "望京", "phones": ["13811112222"]}
    [created] = await audit_of(api, admin, "120100001")
    assert created["action"] == "create" and created["after"]["pin"] == "(set)"
    assert created["after"]["address"] == NEW["address"] and "2468" not in str(created)

    url = f"/retailers/{made['id']}"
    changed = await api.patch(url, headers=admin, json={
        "version": 1, "shop_area": 60, "address": None, "trade_area": "酒仙桥"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["version"], changed.json()["address"]) == (2, None)
    history = (await api.get(f"{url}/history", headers=admin)).json()
    assert history[0]["changed"] == ["address", "shop_area", "trade_area"]
    assert history[1]["snapshot"]["address"] == NEW["address"]  # the profile kept by version
    update = (await audit_of(api, admin, "120100001"))[0]
    assert update["action"] == "update"
    assert update["before"] == {"address": NEW["address"], "shop_area": 42.5,
                                "trade_area": "望京"}
    assert update["after"] == {"address": None, "shop_area": 60.0, "trade_area": "酒仙桥"}


@pytest.mark.parametrize("change, status, loc, rule", [
    ({"card_number": "110100001"}, 409, ["body", "card_number"], "card_number_taken"),
    ({"branch": "XX"}, 422, ["body", "branch"], "unknown_branch"),
    ({"retailer_class": "Z"}, 422, ["body", "retailer_class"], None),
    ({"shop_area": 0}, 422, ["body", "shop_area"], None),
    ({"card_number": "12ab"}, 422, ["body", "card_number"], None),
    ({"business_format": "便" * 33}, 422, ["body", "business_format"], None),
    ({"phones": ["12-3x"]}, 422, ["body", "phones", 0], "not_a_phone"),
])
async def test_a_refused_retailer_names_the_field_and_writes_nothing(api, sessions, change,
                                                                      status, loc, rule):
    before = await counts(sessions)
    reply = await api.post("/retailers", headers=await login(api, "admin"),
                           json={**NEW, **change})
    assert reply.status_code == status, reply.text
    problem = reply.json()["detail"][0]
    assert problem["loc"] == loc
    if rule:
        assert problem["type"] == f"rule.{rule}"
    assert await counts(sessions) == before


async def test_a_branch_admin_keeps_its_own_branch_and_ops_only_reads(api, sessions):
    admin = await login(api, "admin")
    await api.post("/users", headers=admin, json={
        "username": "bj-admin", "password": "long-enough", "role": "branch_admin",
        "branch": "BJ"})
    bj = await login(api, "bj-admin", "long-enough")
    sh_shop = await by_card(api, admin, "310100001")
    bj_shop = await by_card(api, admin, "110100001")

    own = await api.post("/retailers", headers=bj, json={
        k: v for k, v in NEW.items() if k != "branch"})
    assert own.status_code == 201 and own.json()["branch"] == "BJ"  # its own, unsaid
    elsewhere = await api.post("/retailers", headers=bj,
                               json={**NEW, "card_number": "120100002", "branch": "SH"})
    assert elsewhere.status_code == 403
    for call in (api.get(f"/retailers/{sh_shop['id']}", headers=bj),
                 api.patch(f"/retailers/{sh_shop['id']}", headers=bj,
                           json={"version": sh_shop["version"], "name": "x"}),
                 api.post(f"/retailers/{sh_shop['id']}/suspend", headers=bj)):
        assert (await call).status_code == 404
    moved = await api.patch(f"/retailers/{bj_shop['id']}", headers=bj,
                            json={"version": bj_shop["version"], "branch": "SH"})
    assert moved.status_code == 403
    profiled = await api.patch(f"/retailers/{bj_shop['id']}", headers=bj,
                               json={"version": bj_shop["version"], "business_format": "超市"})
    assert profiled.status_code == 200 and profiled.json()["business_format"] == "超市"
    bj_shop = profiled.json()

    ops = await login(api, "ops")
    assert (await api.get(f"/retailers/{bj_shop['id']}", headers=ops)).status_code == 200
    for call in (api.post("/retailers", headers=ops,
                          json={**NEW, "card_number": "120100003"}),
                 api.patch(f"/retailers/{bj_shop['id']}", headers=ops,
                           json={"version": bj_shop["version"], "name": "x"}),
                 api.post(f"/retailers/{bj_shop['id']}/suspend", headers=ops)):
        assert (await call).status_code == 403

    agent = await login(api, "8001")  # edits on the phone what it always could, no more
    profile = await api.patch(f"/retailers/{bj_shop['id']}", headers=agent, json={
        "version": bj_shop["version"], "name": "朝阳便利", "address": "x", "pin": "1111"})
    assert profile.status_code == 403
    assert {tuple(p["loc"]) for p in profile.json()["detail"]} == {("body", "address"),
                                                                  ("body", "pin")}
    assert (await api.post("/retailers", headers=agent,
                           json={**NEW, "card_number": "120100004"})).status_code == 403
    named = await api.patch(f"/retailers/{bj_shop['id']}", headers=agent, json={
        "version": bj_shop["version"], "name": "朝阳便利", "phones": ["13800010001"]})
    assert named.status_code == 200 and named.json()["name"] == "朝阳便利"
    async with sessions() as s:
        assert await s.scalar(select(Retailer.card_number).where(
            Retailer.card_number.in_(["120100002", "120100003", "120100004"]))) is None


async def test_suspended_and_reactivated_each_once_on_record(api):
    admin = await login(api, "admin")
    shop = await by_card(api, admin, "110100002")
    url = f"/retailers/{shop['id']}"
    suspended = await api.post(f"{url}/suspend", headers=admin)
    assert suspended.status_code == 200, suspended.text
    assert (suspended.json()["status"], suspended.json()["version"]) == (
        "suspended", shop["version"] + 1)
    again = await api.post(f"{url}/suspend", headers=admin)
    assert again.status_code == 409
    assert again.json()["detail"][0]["type"] == "rule.already_suspended"
    reactivated = await api.post(f"{url}/reactivate", headers=await login(api, "supervisor"))
    assert reactivated.status_code == 200 and reactivated.json()["status"] == "active"
    assert (await api.post(f"{url}/reactivate", headers=admin)).json()["detail"][0][
        "type"] == "rule.already_active"
    log = await audit_of(api, admin, "110100002")
    assert [(e["action"], e["username"], e["before"], e["after"]) for e in log] == [
        ("reactivate", "supervisor", {"status": "suspended"}, {"status": "active"}),
        ("suspend", "admin", {"status": "active"}, {"status": "suspended"})]
    history = (await api.get(f"{url}/history", headers=admin)).json()
    assert [h["snapshot"]["status"] for h in history[:2]] == ["active", "suspended"]


FILE_HEADER = ["卡号", "名称", "分公司", "档位", "电话", "地址", "业态", "面积", "商圈", "备注"]
FILE_ROWS = [
    ["110100001", "", "", "", "", "北京市朝阳区建国路 1 号", "便利店", "35.5", "国贸", "更新"],
    ["120100001", "新店", "BJ", "c", "13811112222; 010-6200 0003", "", "超市", "80", "", "新"],
    ["120100002", "坏档位", "BJ", "Z", "", "", "", "", "", ""],
    ["120100003", "", "", "", "", "", "", "", "", "无名无档位"],
    ["120100004", "上海店", "XX", "A", "", "", "", "", "", ""],
    ["120100001", "重复", "BJ", "B", "", "", "", "", "", ""],
    ["12ab", "", "", "", "", "", "", "", "", ""],
    ["120100005", "负面积", "BJ", "B", "", "", "", "-3", "", ""],
    ["", "", "", "", "", "", "", "", "", ""],
    ["110100003", "", "", "", "", "", "", "", "", "原样"],
]
FILE_REJECTED = [
    {"row": 4, "field": "retailer_class"}, {"row": 5, "field": "name"},
    {"row": 5, "field": "retailer_class"}, {"row": 6, "field": "branch"},
    {"row": 7, "field": "card_number"}, {"row": 8, "field": "card_number"},
    {"row": 9, "field": "shop_area"}]


def csv_file(rows: list[list[object]]) -> bytes:
    return "\n".join(",".join(str(c) for c in row) for row in rows).encode("utf-8-sig")


def xlsx_file(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append([None if c == "" else c for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(api, headers, name: str, data: bytes):
    return await api.post("/retailers/import", headers=headers,
                          files={"file": (name, data, "application/octet-stream")})


@pytest.mark.parametrize("name, make", [("retailers.csv", csv_file),
                                        ("retailers.xlsx", xlsx_file)])
async def test_an_import_applies_the_good_rows_and_names_every_rejected_one(api, name, make):
    admin = await login(api, "admin")
    rows = [FILE_HEADER, *FILE_ROWS]
    if make is xlsx_file:  # numbers as a spreadsheet holds them
        rows = [FILE_HEADER, [110100001, *FILE_ROWS[0][1:7], 35.5, *FILE_ROWS[0][8:]],
                *FILE_ROWS[1:]]
    reply = await upload(api, admin, name, make(rows))
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert {k: report[k] for k in ("rows", "created", "updated", "unchanged",
                                   "ignored_columns")} == {
        "rows": 9, "created": 1, "updated": 1, "unchanged": 1, "ignored_columns": ["备注"]}
    assert [{"row": r["row"], "field": r["field"]} for r in report["rejected"]] == FILE_REJECTED
    assert "repeats row 3" in report["rejected"][4]["reason"]
    assert [(r["row"], r["rule"], r["ctx"]) for r in report["rejected"]] == [
        (4, "string_pattern_mismatch", {"pattern": "^[ABCDE]$", "value": "Z"}),
        (5, "new_card_needs", {}), (5, "new_card_needs", {}),
        (6, "unknown_branch", {"branch": "XX"}), (7, "card_repeats", {"row": 3}),
        (8, "string_pattern_mismatch", {"pattern": "^[0-9]{4,20}$", "value": "12ab"}),
        (9, "greater_than", {"gt": 0.0, "value": "-3"})]

    updated = await by_card(api, admin, "110100001")
    assert (updated["address"], updated["shop_area"], updated["name"], updated["version"]) == (
        "北京市朝阳区建国路 1 号", 35.5, "朝阳便利店", 2)  # empty cells left as they were
    history = (await api.get(f"/retailers/{updated['id']}/history", headers=admin)).json()
    assert history[0]["changed_by"] == "admin"
    assert history[0]["changed"] == ["address", "business_format", "shop_area", "trade_area"]
    created = await by_card(api, admin, "120100001")
    assert (created["retailer_class"], created["phones"], created["branch"]) == (
        "C", ["01062000003", "13811112222"], "BJ")
    log = (await api.get("/audit", headers=admin)).json()
    assert [(e["action"], e["entity_id"]) for e in log] == [
        ("import", name), ("create", "120100001"), ("update", "110100001")]
    assert log[0]["after"] == {"rows": 9, "created": 1, "updated": 1, "unchanged": 1,
                               "rejected": 6}


async def test_a_branch_admin_imports_into_its_own_branch_only(api, sessions):
    admin = await login(api, "admin")
    await api.post("/users", headers=admin, json={
        "username": "bj-admin", "password": "long-enough", "role": "branch_admin",
        "branch": "BJ"})
    bj = await login(api, "bj-admin", "long-enough")
    data = csv_file([["card_number", "name", "branch", "class"],
                     ["120100001", "新店", "", "B"],
                     ["120100002", "沪店", "SH", "B"],
                     ["310100001", "浦东", "", ""],
                     ["110100002", "", "SH", ""]])
    reply = await upload(api, bj, "bj.csv", data)
    assert reply.status_code == 200, reply.text
    assert reply.json()["created"] == 1
    assert [(r["row"], r["field"]) for r in reply.json()["rejected"]] == [
        (3, "branch"), (4, "card_number"), (5, "branch")]
    assert {r["rule"] for r in reply.json()["rejected"]} == {"branch_scope"}
    assert (await by_card(api, admin, "120100001"))["branch"] == "BJ"
    assert (await by_card(api, admin, "110100002"))["branch"] == "BJ"
    for role in ("ops", "supervisor", "8001"):
        assert (await upload(api, await login(api, role), "x.csv", data)).status_code == 403


async def test_a_refused_file_writes_nothing_and_says_why(api, sessions):
    admin = await login(api, "admin")
    before = await counts(sessions)
    good = csv_file([FILE_HEADER, *FILE_ROWS])
    for name, data, rule in (
            ("retailers.txt", good, "file_type"),
            ("retailers.xlsx", b"not a workbook", "not_xlsx"),
            ("retailers.csv", csv_file([["name", "电话"], ["店", "13800000000"]]),
             "no_card_number_column"),
            ("retailers.csv", csv_file([["卡号", "电话", "手机"], ["120100009", "1", "2"]]),
             "column_twice"),
            ("retailers.csv", b"", "empty_file")):
        reply = await upload(api, admin, name, data)
        assert reply.status_code == 422, (name, reply.text)
        [problem] = reply.json()["detail"]
        assert (problem["loc"], problem["type"]) == (["body", "file"], f"rule.{rule}"), name
    imports = api._transport.app.state.settings.imports
    imports.retailers = Limits(max_rows=5)
    too_many = await upload(api, admin, "retailers.csv", good)
    assert too_many.status_code == 422 and "at most 5 rows" in too_many.text
    assert too_many.json()["detail"][0]["ctx"] == {"limit": 5}
    imports.retailers = Limits(max_bytes=100)
    too_big = await upload(api, admin, "retailers.csv", good)
    assert too_big.status_code == 413
    assert too_big.json()["detail"][0]["loc"] == ["body", "file"]
    assert too_big.json()["detail"][0]["type"] == "rule.file_too_large"
    assert await counts(sessions) == before


async def test_the_command_line_imports_and_writes_the_rejected_rows(api, migrated_url,
                                                                    tmp_path):
    path = tmp_path / "retailers.csv"
    formulas = ["=1+2", "@SUM(A1)", "+BJ", "-A", "", "", "", "", "", ""]
    path.write_bytes(csv_file([FILE_HEADER, *FILE_ROWS, formulas]))
    run = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", "import-retailers", str(path),
        env={**os.environ, "HOTLINE_DB__URL": migrated_url}, stdout=PIPE, stderr=PIPE)
    out, err = await run.communicate()
    assert run.returncode == 0, err.decode()
    assert "10 rows: 1 created, 1 updated, 1 unchanged, 7 rejected" in out.decode()
    rejected = (tmp_path / "retailers.csv.rejected.csv").read_text(encoding="utf-8-sig")
    lines = rejected.splitlines()
    assert lines[0] == "row,field,reason," + ",".join(FILE_HEADER)
    assert lines[2].startswith("5,name; retailer_class,missing: a new card needs it; ")
    # cells a spreadsheet would run as formulas are written as text
    assert lines[6].endswith(",,,'-3,,")
    assert lines[7].endswith(",'=1+2,'@SUM(A1),'+BJ,'-A,,,,,,")
    assert len(lines) == 8
    log = (await api.get("/audit", headers=await login(api, "admin"))).json()
    assert log[0]["username"] == "command line" and log[0]["action"] == "import"
