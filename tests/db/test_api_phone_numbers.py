"""A phone number is kept in one form however it was written (Unicode digits, spaces, dashes,
parentheses, +86 or 0086), at every way in: retailers' phones, contact lists, the do-not-call
list, click-to-dial, transfers and consultations, consumers' opinions, searches. So the
do-not-call list holds a number whichever way each side wrote it; what is not a phone number
is a 422 naming the field. On SQLite and PostgreSQL."""
import pytest

from tests.db.conftest import login
from tests.db.test_api_campaigns import create

pytestmark = pytest.mark.db


async def test_the_do_not_call_list_holds_a_number_however_it_was_written(api):
    ops = await login(api, "ops")
    added = await api.post("/do-not-call", headers=ops, json={"phone": "+86 133-1111-0001"})
    assert added.status_code == 201, added.text
    assert added.json()["phone"] == "13311110001"
    c = await create(api, ops)
    listed = ("phone,name\n"
              "١٣٣١١١١٠٠٠١,Arabic-Indic\n"
              "𝟏𝟑𝟑𝟏𝟏𝟏𝟏𝟎𝟎𝟎𝟏,mathematical\n"
              "0086 13311110001,international\n"
              "13311110002,another\n")
    report = (await api.post(f"/campaigns/{c['id']}/contacts", headers=ops,
                             files={"file": ("l.csv", listed.encode(), "text/csv")})).json()
    assert report["added"] == 1
    assert [r["line"] for r in report["rejected"]] == [2, 3, 4]
    assert all("do-not-call" in r["reason"] for r in report["rejected"])
    contacts = (await api.get(f"/campaigns/{c['id']}/contacts", headers=ops)).json()
    assert [x["phone"] for x in contacts] == ["13311110002"]
    # withdrawn by the number in any form too
    assert (await api.post("/do-not-call", headers=ops, json={"phone": "8613311110002"})
            ).json()["contacts_withdrawn"] == 1
    assert (await api.delete("/do-not-call/٠٠٨٦١٣٣١١١١٠٠٠١", headers=ops)).status_code == 204
    assert [x["phone"] for x in (await api.get("/do-not-call", headers=ops)).json()] == [
        "13311110002"]


async def test_a_retailers_phone_is_kept_and_found_in_its_one_form(api):
    supervisor = await login(api, "supervisor")
    [shop] = (await api.get("/retailers", headers=supervisor, params={"q": "110100001"})).json()
    changed = await api.patch(f"/retailers/{shop['id']}", headers=supervisor, json={
        "version": shop["version"], "phones": ["+86 (139) 2222-3333", "١٣٩٢٢٢٢٣٣٣٣",
                                               "+86 10 6512 3456"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["phones"] == ["13922223333", "01065123456"]  # one, not two
    for q in ("+86 139 2222", "١٣٩٢٢٢٢", "13922223333", "0086 10 6512"):
        found = (await api.get("/retailers", headers=supervisor, params={"q": q})).json()
        assert [r["card_number"] for r in found] == ["110100001"], q
    bad = await api.patch(f"/retailers/{shop['id']}", headers=supervisor, json={
        "version": changed.json()["version"], "phones": ["139²"]})
    assert bad.status_code == 422, bad.text
    [said] = bad.json()["detail"]
    assert (said["loc"], said["type"]) == (["body", "phones", 0], "rule.not_a_phone")


@pytest.mark.parametrize("route, body, loc", [
    ("/outbound/dial", {"phone": "138①"}, ["body", "phone"]),
    ("/agents/8001/call/transfer", {"number": "call me"}, ["body", "number"]),
    ("/agents/8001/call/consult", {"number": "12²"}, ["body", "number"]),
])
async def test_a_number_to_call_that_is_no_phone_number_is_refused_naming_it(api, route,
                                                                            body, loc):
    agent = await login(api, "8001")
    reply = await api.post(route, headers=agent, json=body)
    assert reply.status_code == 422, reply.text
    assert [(d["loc"], d["type"]) for d in reply.json()["detail"]] == [(loc, "rule.not_a_phone")]


async def test_a_consumers_phone_is_kept_in_its_one_form(api):
    agent = await login(api, "8001")
    made = await api.post("/opinions", headers=agent, json={
        "kind": "suggestion", "subject": "commerce", "source": "consumer",
        "text": "希望多进一些新品", "consumer_name": "赵先生",
        "consumer_phone": "+86 139-0000-1111"})
    assert made.status_code == 201, made.text
    assert made.json()["consumer_phone"] == "13900001111"
