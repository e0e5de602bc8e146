"""Campaigns, contact lists and the do-not-call list over the API, on SQLite and PostgreSQL."""
import asyncio
import os
import sys
from asyncio.subprocess import PIPE

import pytest

from tests.db.conftest import login
from tests.unit.test_dialer_contacts import xlsx

pytestmark = pytest.mark.db

SURVEY = {
    "name": "December delivery survey", "purpose": "delivery_survey", "business_type": "order",
    "branch": "BJ", "agents": ["8001"], "script": "您好，这里是配送满意度回访……",
    "windows": {"mon": [["09:00", "12:00"], ["13:30", "18:00"]], "sat": [["10:00", "12:00"]]},
    "starts_on": "2026-12-01", "ends_on": "2026-12-31", "mode": "predictive",
    "caller_id": "4008001234",
}


async def create(api, headers, **changes) -> dict:
    reply = await api.post("/campaigns", headers=headers, json=SURVEY | changes)
    assert reply.status_code == 201, reply.text
    return reply.json()


async def test_ops_create_and_change_a_campaign_with_its_defaults(api):
    ops = await login(api, "ops")
    c = await create(api, ops)
    assert (c["state"], c["abandon_target"], c["ring_seconds"], c["max_lines_per_agent"]) == (
        "draft", 0.03, 25, 3.0)
    assert c["retries"]["busy"] == {"delay_minutes": 10, "max_attempts": 3}
    assert c["agents"] == ["8001"] and c["progress"]["contacts"] == 0
    changed = await api.patch(f"/campaigns/{c['id']}", headers=ops,
                              json={"abandon_target": 0.02, "agents": ["8001", "8002"]})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["abandon_target"], changed.json()["agents"]) == (0.02, ["8001", "8002"])
    assert changed.json()["windows"] == SURVEY["windows"]  # untouched fields kept
    listed = (await api.get("/campaigns", headers=ops)).json()
    assert [x["name"] for x in listed] == [SURVEY["name"]]
    agent = await login(api, "8001")
    assert (await api.get("/campaigns", headers=agent)).status_code == 403


@pytest.mark.parametrize("changes, field, words", [
    ({"ring_seconds": 10}, "ring_seconds", "greater than or equal to 15"),
    ({"abandon_target": 0.5}, "abandon_target", "less than or equal to 0.1"),
    ({"windows": {"mon": [["18:00", "09:00"]]}}, "windows", "ends at 09:00"),
    ({"windows": {"funday": [["09:00", "10:00"]]}}, "windows", "not a weekday"),
    ({"retries": {"busy": {"delay_minutes": 0, "max_attempts": 3}}}, "retries", "delay_minutes"),
    ({"ends_on": "2026-11-01"}, "ends_on", "before starts_on"),
    ({"agents": [], "business_type": None, "branch": None}, "agents",
     "give the agents, the skill (business_type) or the branch"),
    ({"agents": ["9999"]}, "agents", "no agent numbered 9999"),
    ({"branch": "XX"}, "branch", "no branch with code 'XX'"),
    ({"caller_id": "hotline"}, "caller_id", "not a phone number"),
    ({"mode": "telepathic"}, "mode", "preview"),
    ({"detect_machines": True, "amd_false_positive": 0.03}, "detect_machines",
     "alone reach the abandon target 3.0%"),
])
async def test_bad_settings_are_refused_naming_the_field(api, changes, field, words):
    ops = await login(api, "ops")
    reply = await api.post("/campaigns", headers=ops, json=SURVEY | changes)
    assert reply.status_code == 422, reply.text
    [error] = reply.json()["detail"]
    assert error["loc"][:2] == ["body", field] and words in error["msg"], error
    assert (await api.get("/campaigns", headers=ops)).json() == []  # nothing half-made


async def test_machine_detection_is_refused_when_its_false_positives_alone_reach_the_target(
        api):
    ops = await login(api, "ops")
    c = await create(api, ops)
    assert (c["detect_machines"], c["amd_false_positive"]) == (False, 0.0)
    url = f"/campaigns/{c['id']}"
    estimated = await api.patch(url, headers=ops, json={"amd_false_positive": 0.05})
    assert estimated.status_code == 200, estimated.text  # an estimate alone changes nothing
    refused = await api.patch(url, headers=ops, json={"detect_machines": True})
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["detail"]
    assert error["type"] == "rule.amd_false_positives_over_target"
    assert error["loc"] == ["body", "detect_machines"] and "5.0%" in error["msg"]
    allowed = await api.patch(url, headers=ops,
                              json={"detect_machines": True, "amd_false_positive": 0.01})
    assert allowed.status_code == 200, allowed.text
    assert (allowed.json()["detect_machines"], allowed.json()["amd_false_positive"]) == (
        True, 0.01)
    lowered = await api.patch(url, headers=ops, json={"abandon_target": 0.01})
    assert lowered.status_code == 422  # nor may the target drop to the estimate
    assert (await api.get(url, headers=ops)).json()["abandon_target"] == 0.03


async def test_a_name_is_unique_and_a_bad_change_leaves_the_campaign_as_it_was(api):
    ops = await login(api, "ops")
    c = await create(api, ops)
    other = await create(api, ops, name="Promotion")
    clash = await api.patch(f"/campaigns/{other['id']}", headers=ops, json={"name": SURVEY["name"]})
    assert clash.status_code == 409 and clash.json()["detail"][0]["loc"] == ["body", "name"]
    bad = await api.patch(f"/campaigns/{c['id']}", headers=ops,
                          json={"ring_seconds": 5, "abandon_target": 0.01})
    assert bad.status_code == 422
    assert (await api.get(f"/campaigns/{c['id']}", headers=ops)).json()["abandon_target"] == 0.03
    unknown = await api.patch(f"/campaigns/{c['id']}", headers=ops, json={"colour": "red"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "colour"]


async def test_start_pause_resume_stop_follow_the_campaigns_state(api):
    ops = await login(api, "ops")
    url = f"/campaigns/{(await create(api, ops))['id']}"

    async def say(command: str) -> tuple[int, str]:
        reply = await api.post(f"{url}/{command}", headers=ops)
        body = reply.json()
        if reply.status_code == 200:
            return 200, body["state"]
        return reply.status_code, body["detail"][0]["msg"]

    assert await say("pause") == (409, "cannot pause a draft campaign (only when running)")
    assert await say("start") == (200, "running")
    assert await say("start") == (409, "cannot start a running campaign (only when draft or "
                                       "finished or stopped)")
    assert await say("pause") == (200, "paused")
    assert await say("resume") == (200, "running")
    assert await say("stop") == (200, "stopped")
    assert await say("start") == (200, "running")
    assert (await api.post(f"{url}/explode", headers=ops)).status_code == 404
    assert (await api.post("/campaigns/999/start", headers=ops)).status_code == 404


async def test_contact_lists_report_every_rejected_row(api):
    ops = await login(api, "ops")
    c = await create(api, ops)
    assert (await api.post("/do-not-call", headers=ops,
                           json={"phone": "139-0000-0000", "reason": "asked"})).status_code == 201
    csv_list = ("phone,name,card,time_zone,order\n"
                "13311110001,Shop one,,,A-1\n"
                "13311110001,Shop one again,,,\n"  # repeats line 2
                "not a phone,,,,\n"
                "13900000000,Blocked,,,\n"  # do-not-call
                "13311110002,,110100002,,\n"  # a retailer's: its name, BJ's zone
                "13311110003,,999999999,,\n"  # unknown card
                "13311110004,,,Mars/Base,\n"
                ",,,,\n"  # blank: skipped, not a row
                "13311110005,Urumqi shop,,Asia/Urumqi,\n")
    reply = await api.post(f"/campaigns/{c['id']}/contacts", headers=ops,
                           files={"file": ("list.csv", csv_list.encode(), "text/csv")})
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert (report["rows"], report["added"]) == (8, 3)
    assert [(r["line"], r["reason"].split(":")[0]) for r in report["rejected"]] == [
        (3, "phone"), (4, "phone"), (5, "phone"), (7, "card"), (8, "time_zone")]
    assert "repeats line 2" in report["rejected"][0]["reason"]
    assert [(r["field"], r["rule"], r["ctx"]) for r in report["rejected"][:2]] == [
        ("phone", "phone_repeats", {"value": "13311110001", "line": 2}),
        ("phone", "not_a_phone", {"value": "not a phone"})]
    assert "do-not-call" in report["rejected"][2]["reason"]
    contacts = (await api.get(f"/campaigns/{c['id']}/contacts", headers=ops)).json()
    assert [(x["phone"], x["name"], x["time_zone"], x["status"]) for x in contacts] == [
        ("13311110001", "Shop one", "Asia/Shanghai", "pending"),
        ("13311110002", "海淀烟酒行", "Asia/Shanghai", "pending"),
        ("13311110005", "Urumqi shop", "Asia/Urumqi", "pending")]
    assert contacts[0]["fields"] == {"order": "A-1"} and contacts[1]["retailer_id"] is not None

    again = await api.post(f"/campaigns/{c['id']}/contacts", headers=ops, files={
        "file": ("more.xlsx",
                 xlsx([["电话", "姓名"], [13311110001, "dup"], [13311110009, "new"]]))})
    assert again.status_code == 200, again.text
    assert again.json()["added"] == 1
    assert "already in this campaign" in again.json()["rejected"][0]["reason"]

    for name, data, words in (("list.pdf", b"%PDF", "a .csv or .xlsx file"),
                              ("list.csv", b"name\nx\n", "no phone column")):
        bad = await api.post(f"/campaigns/{c['id']}/contacts", headers=ops,
                             files={"file": (name, data)})
        assert bad.status_code == 422 and words in bad.json()["detail"][0]["msg"]
        assert bad.json()["detail"][0]["loc"] == ["body", "file"]
    assert (await api.get(f"/campaigns/{c['id']}", headers=ops)).json()["progress"][
        "by_status"] == {"pending": 4}


async def test_a_segment_of_retailers_by_branch_class_and_orders(api):
    ops = await login(api, "ops")
    c = await create(api, ops)
    url = f"/campaigns/{c['id']}/contacts/segment"
    reply = await api.post(url, headers=ops, json={"branches": ["BJ"], "classes": ["A", "B"]})
    assert reply.status_code == 200, reply.text
    assert (reply.json()["added"], reply.json()["rejected"]) == (2, [])
    recent = await api.post(url, headers=ops, json={"ordered_within_days": 5})
    # 110100001 (BJ) is in already; 310100001 (SH) ordered 3 days ago.
    assert recent.json()["added"] == 1
    assert "already in this campaign" in recent.json()["rejected"][0]["reason"]
    phones = [x["phone"] for x in
              (await api.get(f"/campaigns/{c['id']}/contacts", headers=ops)).json()]
    assert phones == ["13800010001", "01062000002", "13900020001"]  # each at its first phone
    bad = await api.post(url, headers=ops, json={"ordered_within_days": 0})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == [
        "body", "ordered_within_days"]


async def test_a_number_put_on_the_do_not_call_list_leaves_every_campaign(api):
    ops = await login(api, "ops")
    first, second = await create(api, ops), await create(api, ops, name="Follow-up")
    for c in (first, second):
        await api.post(f"/campaigns/{c['id']}/contacts", headers=ops,
                       files={"file": ("l.csv", b"phone\n13311110001\n13311110002\n")})
    added = await api.post("/do-not-call", headers=ops, json={"phone": "133 1111 0001"})
    assert added.status_code == 201 and added.json()["contacts_withdrawn"] == 2
    assert [x["phone"] for x in (await api.get("/do-not-call", headers=ops)).json()] == [
        "13311110001"]
    left = await api.get(f"/campaigns/{second['id']}/contacts", headers=ops,
                         params={"status": "pending"})
    assert [x["phone"] for x in left.json()] == ["13311110002"]
    bad = await api.post("/do-not-call", headers=ops, json={"phone": "nobody"})
    assert bad.status_code == 422 and "not a phone number" in bad.text
    assert (await api.delete("/do-not-call/13311110001", headers=ops)).status_code == 204
    assert (await api.delete("/do-not-call/13311110001", headers=ops)).status_code == 404


async def test_the_command_line_import_shows_progress_and_writes_the_rejected_rows(
        api, migrated_url, tmp_path):
    ops = await login(api, "ops")
    c = await create(api, ops)
    lines = ["phone,name"] + [f"1331111{i:04d},Shop {i}" for i in range(1200)] + [
        "12,bad", "=1+2,@SUM(A1)"]
    listing = tmp_path / "december.csv"
    listing.write_text("\n".join(lines) + "\n")
    run = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", "import-contacts", SURVEY["name"], str(listing),
        env={**os.environ, "HOTLINE_DB__URL": migrated_url}, stdout=PIPE, stderr=PIPE)
    out, err = await run.communicate()
    assert run.returncode == 0, err.decode()
    assert "1202 rows: 1200 added to 'December delivery survey', 2 rejected" in out.decode()
    assert "[" + "#" * 30 + "] 1202 rows" in err.decode()
    assert err.decode().count("\r") >= 3  # a batch at a time
    rejected = (tmp_path / "december.csv.rejected.csv").read_text(encoding="utf-8-sig")
    assert rejected.splitlines() == ["line,reason,phone,name",
                                     "1202,\"phone: '12' is not a phone number (5 to 20 digits, "
                                     "+ allowed first)\",12,bad",
                                     "1203,\"phone: '=1+2' is not a phone number (5 to 20 "
                                     "digits, + allowed first)\",'=1+2,'@SUM(A1)"]
    progress = (await api.get(f"/campaigns/{c['id']}", headers=ops)).json()["progress"]
    assert progress["contacts"] == 1200
    missing = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.main", "import-contacts", "no such", str(listing),
        env={**os.environ, "HOTLINE_DB__URL": migrated_url}, stdout=PIPE, stderr=PIPE)
    _, err = await missing.communicate()
    assert missing.returncode == 2 and "no campaign 'no such'" in err.decode()


@pytest.mark.parametrize("amd, loc, words", [
    ({"greeting": 100}, ["body", "amd", "greeting"], "greater than or equal to 500"),
    ({"initial_silence": 20000}, ["body", "amd", "initial_silence"], "less than or equal to"),
    ({"maximum_number_of_words": 0}, ["body", "amd", "maximum_number_of_words"], "greater"),
    ({"silence_threshold": "loud"}, ["body", "amd", "silence_threshold"], "integer"),
    ({"greeting": 8000}, ["body", "amd", "total_analysis_time"], "longer than greeting"),
    ({"initial_silence": 3000, "total_analysis_time": 3000},
     ["body", "amd", "total_analysis_time"], "longer than initial_silence"),
    ({"beep": 1}, ["body", "amd", "beep"], "Extra inputs"),
])
async def test_amd_parameters_out_of_range_are_refused_naming_the_parameter(api, amd, loc,
                                                                           words):
    ops = await login(api, "ops")
    reply = await api.post("/campaigns", headers=ops, json=SURVEY | {"amd": amd})
    assert reply.status_code == 422, reply.text
    [error] = reply.json()["detail"]
    assert error["loc"] == loc and words in error["msg"], error
    assert (await api.get("/campaigns", headers=ops)).json() == []


async def test_amd_parameters_default_to_the_tuned_and_a_change_keeps_the_others(api):
    ops = await login(api, "ops")
    c = await create(api, ops, detect_machines=True, amd={"greeting": 2000})
    assert c["amd"] == {"initial_silence": 4000, "greeting": 2000,  # measured on spoken greetings
                        "after_greeting_silence": 800, "total_analysis_time": 7000,
                        "min_word_length": 100, "between_words_silence": 50,
                        "maximum_number_of_words": 8, "silence_threshold": 256,
                        "maximum_word_length": 5000}
    assert c["amd_check_share"] == 0.0
    url = f"/campaigns/{c['id']}"
    changed = await api.patch(url, headers=ops, json={"amd": {"maximum_number_of_words": 5},
                                                      "amd_check_share": 0.02})
    assert changed.status_code == 200, changed.text
    amd = changed.json()["amd"]
    assert (amd["greeting"], amd["maximum_number_of_words"]) == (2000, 5)
    assert changed.json()["amd_check_share"] == 0.02
    refused = await api.patch(url, headers=ops, json={"amd": {"total_analysis_time": 2000}})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["type"] == "rule.amd_settings"
    too_many = await api.patch(url, headers=ops, json={"amd_check_share": 0.5})
    assert too_many.json()["detail"][0]["loc"] == ["body", "amd_check_share"]
    kept = (await api.get(url, headers=ops)).json()
    assert (kept["amd"]["total_analysis_time"], kept["amd_check_share"]) == (7000, 0.02)
    # the change is in the audit log like any other
    audit = (await api.get("/audit", headers=await login(api, "admin"),
                           params={"entity": "campaign"})).json()
    assert any(e["after"].get("amd", {}).get("maximum_number_of_words") == 5 for e in audit)
