"""Retailer records over the API, on SQLite and PostgreSQL: lookup scoped by branch, edits with
a version check, and the history of every version."""
import asyncio

import pytest

from tests.db.conftest import login

pytestmark = pytest.mark.db


async def find(api, headers, q: str) -> list[dict]:
    reply = await api.get("/retailers", params={"q": q}, headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()


async def test_lookup_by_card_phone_or_name_within_the_agents_branch(api):
    bj, hq = await login(api, "8001"), await login(api, "8005")
    assert [r["card_number"] for r in await find(api, bj, "1101")] == [
        "110100001", "110100002", "110100003"]
    assert [r["card_number"] for r in await find(api, bj, "01062")] == ["110100002"]
    assert [r["name"] for r in await find(api, bj, "便利")] == ["朝阳便利店"]
    assert await find(api, bj, "3101") == []  # Shanghai's, not this agent's
    assert len(await find(api, hq, "3101")) == 2
    [sh] = await find(api, hq, "310100001")
    assert (await api.get(f"/retailers/{sh['id']}", headers=bj)).status_code == 404
    one = (await api.get(f"/retailers/{sh['id']}", headers=hq)).json()
    assert (one["branch"], one["retailer_class"], one["phones"]) == ("SH", "A", ["13900020001"])
    short = await api.get("/retailers", params={"q": "1"}, headers=hq)
    assert short.status_code == 422 and short.json()["detail"][0]["loc"] == ["query", "q"]


async def test_an_edit_needs_the_current_version_and_every_version_is_listed(api):
    headers = await login(api, "supervisor")
    [r] = await find(api, headers, "110100002")
    url = f"/retailers/{r['id']}"
    reply = await api.patch(url, headers=headers,
                            json={"version": r["version"], "retailer_class": "A",
                                  "phones": ["13800010002", "13911112222"]})
    assert reply.status_code == 200, reply.text
    edited = reply.json()
    assert edited["version"] == r["version"] + 1 and edited["retailer_class"] == "A"
    assert edited["phones"] == ["13800010002", "13911112222"]
    stale = await api.patch(url, headers=headers, json={"version": r["version"], "name": "x"})
    assert stale.status_code == 409 and stale.json()["detail"].startswith("version:")
    for body, field in (({"version": 2, "retailer_class": "Z"}, "retailer_class"),
                        ({"version": 2, "phones": ["12-3x"]}, "phones"),
                        ({"name": "no version"}, "version")):
        bad = await api.patch(url, headers=headers, json=body)
        assert bad.status_code == 422 and field in bad.json()["detail"][0]["loc"], body
    history = (await api.get(f"{url}/history", headers=headers)).json()
    assert [h["version"] for h in history] == [edited["version"], r["version"]]
    assert history[0]["changed_by"] == "supervisor"
    assert history[0]["changed"] == ["phones", "retailer_class"]
    assert history[1]["snapshot"]["retailer_class"] == "B"  # nothing overwritten silently
    assert (await api.get(f"{url}", headers=headers)).json()["name"] == r["name"]


async def test_an_agent_corrects_phones_but_not_the_class_or_status_that_rank_the_caller(api):
    """The class is the caller's queue priority: a supervisor's to change, not an agent's."""
    agent = await login(api, "8001")
    [r] = await find(api, agent, "110100002")
    url = f"/retailers/{r['id']}"
    for field, value in (("retailer_class", "A"), ("status", "suspended")):
        refused = await api.patch(url, headers=agent, json={"version": r["version"], field: value})
        assert refused.status_code == 403, refused.text
        assert refused.json()["detail"][0] | {"msg": ""} == {
            "loc": ["body", field], "msg": "", "type": "rule.supervisors_only"}
    assert (await api.post(f"{url}/suspend", headers=agent)).status_code == 403
    fixed = await api.patch(url, headers=agent,
                            json={"version": r["version"], "phones": ["13800010002"]})
    assert fixed.status_code == 200 and fixed.json()["retailer_class"] == r["retailer_class"]


async def test_two_edits_from_the_same_version_one_wins_the_other_is_told(api):
    a, b = await login(api, "supervisor"), await login(api, "admin")
    [r] = await find(api, a, "110100003")
    url = f"/retailers/{r['id']}"
    replies = await asyncio.gather(
        api.patch(url, headers=a, json={"version": r["version"], "name": "甲"}),
        api.patch(url, headers=b, json={"version": r["version"], "name": "乙"}))
    assert sorted(x.status_code for x in replies) == [200, 409]
    history = (await api.get(f"{url}/history", headers=a)).json()
    assert len(history) == 2


async def test_an_agent_edits_only_the_retailers_of_the_agents_branch(api):
    bj, hq = await login(api, "8001"), await login(api, "8005")
    [sh] = await find(api, hq, "310100002")
    reply = await api.patch(f"/retailers/{sh['id']}", headers=bj,
                            json={"version": sh["version"], "name": "x"})
    assert reply.status_code == 404
    assert (await api.get(f"/retailers/{sh['id']}/history", headers=bj)).status_code == 404


async def test_every_retailer_is_browsed_a_page_at_a_time_with_filters(api):
    hq, bj = await login(api, "admin"), await login(api, "8001")

    async def page(headers, **params) -> tuple[list[str], int]:
        reply = await api.get("/retailers", params=params, headers=headers)
        assert reply.status_code == 200, reply.text
        return [r["card_number"] for r in reply.json()], int(reply.headers["X-Total-Count"])

    everyone, total = await page(hq)
    assert everyone[:5] == ["110100001", "110100002", "110100003", "310100001", "310100002"]
    assert total == len(everyone)
    assert await page(hq, limit=2, offset=1) == (["110100002", "110100003"], total)
    assert await page(hq, branch="SH") == (["310100001", "310100002"], 2)
    assert await page(hq, retailer_class="A") == (["110100001", "310100001"], 2)
    assert await page(hq, branch="BJ", retailer_class="B", q="海淀") == (["110100002"], 1)
    assert await page(hq, q="1101", limit=1) == (["110100001"], 3)  # the search as it was
    suspended = await api.post(f"/retailers/{(await find(api, hq, '310100002'))[0]['id']}"
                               "/suspend", headers=hq)
    assert suspended.status_code == 200, suspended.text
    assert await page(hq, status="suspended") == (["310100002"], 1)
    assert await page(bj) == (["110100001", "110100002", "110100003"], 3)  # its branch's
    assert await page(bj, branch="SH") == ([], 0)
    for bad, loc in (({"branch": "XX"}, "branch"), ({"retailer_class": "Z"}, "retailer_class"),
                     ({"status": "asleep"}, "status"), ({"offset": -1}, "offset"),
                     ({"limit": 101}, "limit")):
        reply = await api.get("/retailers", params=bad, headers=hq)
        assert reply.status_code == 422 and reply.json()["detail"][0]["loc"] == ["query", loc]
