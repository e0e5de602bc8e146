"""The knowledge base over the API on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm): Chinese
words of two characters and more, every word required, title matches first, the index follows
edits, withdrawn articles are not found, hostile input is text, and who may write."""
import pytest

from tests.db.conftest import login

pytestmark = pytest.mark.db


async def titles(api, headers, **params) -> list[str]:
    reply = await api.get("/knowledge", params=params, headers=headers)
    assert reply.status_code == 200, reply.text
    return [a["title"] for a in reply.json()]


async def test_chinese_words_of_any_length_find_the_articles(api):
    agent = await login(api, "8001")
    assert await titles(api, agent, q="退货") == ["退货流程"]  # two characters: below a trigram
    assert await titles(api, agent, q="三日内致电") == ["退货流程"]  # the index
    assert await titles(api, agent, q="断货") == ["断货了怎么办？"]
    assert await titles(api, agent, q="密码 锁定") == ["网上订货系统登录问题"]  # every word
    assert await titles(api, agent, q="退货 焦油") == []
    assert await titles(api, agent, q="不存在的东西") == []
    found = (await api.get("/knowledge", params={"q": "破损"}, headers=agent)).json()
    assert "破损" in found[0]["snippet"] and found[0]["category"] == "logistics"


async def test_title_matches_come_first_and_the_category_narrows(api):
    agent = await login(api, "8001")
    by_price = await titles(api, agent, q="价格")
    assert len(by_price) >= 2 and "价格" not in by_price[-1]
    sup = await login(api, "supervisor")
    added = await api.post("/knowledge", headers=sup, json={
        "category": "faq", "title": "价格查询", "body": "请在工作台查看。"})
    assert added.status_code == 201
    assert (await titles(api, agent, q="价格"))[0] == "价格查询"
    assert await titles(api, agent, q="价格", category="faq") == ["价格查询"]
    newest = await titles(api, agent, category="faq")
    assert newest[0] == "价格查询" and len(newest) == 3


async def test_the_index_follows_edits_and_withdrawals(api):
    sup, agent = await login(api, "supervisor"), await login(api, "8001")
    article = (await api.post("/knowledge", headers=sup, json={
        "category": "marketing", "title": "春节备货通知", "body": "春节前请提前两周备货。",
        "tags": "春节"})).json()
    assert await titles(api, agent, q="提前两周") == ["春节备货通知"]
    edited = await api.patch(f"/knowledge/{article['id']}", headers=sup, json={
        "version": article["version"], "body": "国庆前请提前十天备货。"})
    assert edited.status_code == 200 and edited.json()["version"] == article["version"] + 1
    assert await titles(api, agent, q="提前两周") == []
    assert await titles(api, agent, q="提前十天") == ["春节备货通知"]
    stale = await api.patch(f"/knowledge/{article['id']}", headers=sup, json={
        "version": article["version"], "title": "x"})
    assert stale.status_code == 409 and "version" in stale.json()["detail"]
    assert (await api.delete(f"/knowledge/{article['id']}", headers=sup)).status_code == 204
    assert await titles(api, agent, q="提前十天") == []
    assert (await api.get(f"/knowledge/{article['id']}", headers=agent)).status_code == 404
    kept = await api.get(f"/knowledge/{article['id']}", headers=sup)
    assert kept.status_code == 200 and kept.json()["active"] is False


@pytest.mark.parametrize("q", ['"', "*", "退货 OR 价格", "NEAR(退货)", "%", "_", "\\", "'; --",
                               "退货)", "a:b", "^退"])
async def test_query_syntax_in_the_input_is_only_text(api, q):
    reply = await api.get("/knowledge", params={"q": q}, headers=await login(api, "8001"))
    assert reply.status_code == 200
    assert reply.json() == []  # no article holds these characters


async def test_agents_read_and_editors_write(api):
    agent, ops = await login(api, "8001"), await login(api, "ops")
    article = {"category": "faq", "title": "t", "body": "b"}
    assert (await api.get("/knowledge")).status_code == 401
    assert (await api.post("/knowledge", headers=agent, json=article)).status_code == 403
    assert (await api.post("/knowledge", headers=ops, json=article)).status_code == 201
    bad = await api.post("/knowledge", headers=ops, json=article | {"category": "gossip"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "category"]
    empty = await api.post("/knowledge", headers=ops, json=article | {"title": ""})
    assert empty.json()["detail"][0]["loc"] == ["body", "title"]
    cats = (await api.get("/knowledge/categories", headers=agent)).json()
    assert [c["code"] for c in cats] == ["product", "brand", "marketing", "logistics",
                                         "system_operation", "business", "faq"]
    assert cats[-1]["name_zh"] == "常见问题"


async def test_editors_find_withdrawn_articles_to_put_them_back(api):
    sup, agent = await login(api, "supervisor"), await login(api, "8001")
    article = (await api.post("/knowledge", headers=sup, json={
        "category": "marketing", "title": "春节备货通知", "body": "春节前请提前两周备货。"})).json()
    assert (await api.delete(f"/knowledge/{article['id']}", headers=sup)).status_code == 204
    assert await titles(api, sup, q="春节备货") == []
    found = (await api.get("/knowledge", headers=sup,
                           params={"q": "春节备货", "include_withdrawn": "true"})).json()
    assert [(a["title"], a["active"]) for a in found] == [("春节备货通知", False)]
    newest = (await api.get("/knowledge", headers=sup, params={"include_withdrawn": "true"}))
    assert newest.json()[0]["id"] == article["id"]
    refused = await api.get("/knowledge", headers=agent, params={"include_withdrawn": "true"})
    assert refused.status_code == 403
    back = await api.patch(f"/knowledge/{article['id']}", headers=sup, json={
        "version": article["version"] + 1, "active": True})
    assert back.status_code == 200 and back.json()["active"] is True
    assert await titles(api, agent, q="春节备货") == ["春节备货通知"]
