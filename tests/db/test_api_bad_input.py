"""Bad input is a 422 naming its field, never a 500, on every route at once: ids beyond the
database's integers (PostgreSQL's are 32-bit, SQLite's 64), NUL and lone surrogates in any
text, NaN and infinities, times without a zone or beyond the calendar, unbounded days, Unicode
digits where digits are read, a link's bad signature, a body that cannot be read (the probes of
issue 24, on SQLite and PostgreSQL)."""
import re

import pytest

from tests.db.conftest import login

pytestmark = pytest.mark.db

TOO_BIG = 2**31  # one past PostgreSQL's largest INTEGER, the type of every id column


def refusal(reply, loc: list, kind: str | None = None) -> dict:
    assert reply.status_code == 422, reply.text
    said = next((s for s in reply.json()["detail"] if s["loc"] == loc), None)
    assert said is not None, reply.text
    if kind is not None:
        assert said["type"] == kind, said
    return said


async def test_an_id_beyond_the_databases_integers_is_refused_naming_it_on_every_route(api):
    admin = await login(api, "admin")
    paths = (await api.get("/openapi.json")).json()["paths"]
    probed = 0
    for path, operations in paths.items():
        for method, operation in operations.items():
            ids = [p["name"] for p in operation.get("parameters", [])
                   if p["in"] == "path" and p["schema"].get("type") == "integer"]
            if not ids:
                continue
            for too_big in (TOO_BIG, 2**63, 2**64):
                url = re.sub(r"\{(\w+)\}", lambda m, ids=ids, n=too_big: str(n) if m[1] in ids
                             else "BJ", path)
                reply = await api.request(method, url, headers=admin, json={})
                assert reply.status_code == 422, (method, url, reply.text)
                locs = [s["loc"] for s in reply.json()["detail"]]
                assert ["path", ids[0]] in locs, (method, url, locs)
            probed += 1
    assert probed >= 40  # every route that takes an id


async def test_an_integer_beyond_the_databases_in_a_query_or_a_body_is_refused_naming_it(api):
    admin = await login(api, "admin")
    refusal(await api.get("/calls", headers=admin, params={"retailer_id": TOO_BIG}),
            ["query", "retailer_id"])
    for too_big in (TOO_BIG, 2**63, -(2**64)):
        said = refusal(await api.post("/orders", headers=admin, json={
            "retailer_id": 1, "lines": [{"product_id": 1, "quantity": too_big}]}),
            ["body", "lines", 0, "quantity"], "rule.integer_range")
        assert said["ctx"] == {"ge": -TOO_BIG, "le": TOO_BIG - 1}


async def test_days_that_overflow_a_date_are_refused(api):
    ops = await login(api, "ops")
    refusal(await api.post("/recordings/purge", headers=ops,
                           json={"older_than_days": 1073741823}), ["body", "older_than_days"])


async def test_nul_and_lone_surrogates_are_refused_in_any_text(api):
    admin = await login(api, "admin")
    refusal(await api.get("/knowledge", headers=admin, params={"q": "退货\x00"}),
            ["query", "q"], "rule.text_characters")
    json_headers = {**admin, "Content-Type": "application/json"}
    for raw, loc in ((r'{"category": "faq", "title": "a\ud800", "body": "b"}', "title"),
                     (r'{"category": "faq", "title": "a", "body": "b\u0000"}', "body"),
                     (r'{"category": "faq", "title": "a", "body": "b", "\udfff": 1}', "\udfff")):
        refusal(await api.post("/knowledge", headers=json_headers, content=raw),
                ["body", loc], "rule.text_characters")
    # a pair of surrogates is one character, and welcome
    made = await api.post("/knowledge", headers=json_headers, content=(
        r'{"category": "faq", "title": "\ud83d\ude00 ok", "body": "b"}'))
    assert made.status_code == 201, made.text
    assert made.json()["title"] == "\U0001f600 ok"
    # in the path, and in a query's name, too
    refusal(await api.get("/agents/80%0001", headers=admin), ["path"], "rule.text_characters")
    refusal(await api.get("/retailers?q%00=1", headers=admin), ["query", "q\x00"],
            "rule.text_characters")
    # a form too: the login's user name
    refusal(await api.post("/auth/token", data={"username": "admin\x00", "password": "x"}),
            ["body", "username"], "rule.text_characters")


async def test_nan_and_infinities_are_refused(api):
    admin = await login(api, "admin")
    json_headers = {**admin, "Content-Type": "application/json"}
    for token in ("NaN", "Infinity", "-Infinity", "1e999"):
        refusal(await api.post("/campaigns", headers=json_headers, content=(
            f'{{"name": "n", "abandon_target": {token}}}')),
            ["body", "abandon_target"], "rule.finite_number")


async def test_a_time_without_its_zone_or_beyond_the_calendar_is_refused_naming_it(api):
    ops, admin = await login(api, "ops"), await login(api, "admin")
    for route, headers in (("/recordings", ops), ("/audit", admin), ("/consultations", admin),
                           ("/callbacks", admin)):
        for field in ("since", "until"):
            refusal(await api.get(route, headers=headers,
                                  params={field: "2026-01-01T00:00:00"}), ["query", field])
            for edge in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"):
                refusal(await api.get(route, headers=headers, params={field: edge}),
                        ["query", field], "rule.time_range")
            zoned = await api.get(route, headers=headers,
                                  params={field: "2026-01-01T00:00:00+08:00"})
            assert zoned.status_code == 200, zoned.text


async def test_unicode_digits_in_a_search_are_text_or_ascii_digits(api):
    agent = await login(api, "8001")
    for q in ("12²", "①②", "１１０１"):  # not decimal digits; fullwidth ones are
        reply = await api.get("/retailers", headers=agent, params={"q": q})
        assert reply.status_code == 200, (q, reply.text)
        for route in ("/knowledge", "/products"):
            reply = await api.get(route, headers=agent, params={"q": q})
            assert reply.status_code == 200, (route, q, reply.text)
    by_arabic = await api.get("/retailers", headers=agent, params={"q": "١١٠١٠٠٠٠١"})
    assert [r["card_number"] for r in by_arabic.json()] == ["110100001"]
    admin = await login(api, "admin")
    reply = await api.put("/products/1/supply/１²", headers=admin, json={"on_supply": True})
    assert reply.status_code == 404, reply.text


async def test_a_recording_link_with_a_malformed_signature_is_forbidden(api):
    for signature in ("é", "\u4e2d" * 64, ""):
        reply = await api.get("/recordings/1/audio",
                              params={"expires": 4102444800, "signature": signature})
        assert reply.status_code == 403, (signature, reply.text)


async def test_a_body_that_cannot_be_read_is_a_refusal_naming_the_body(api):
    admin = await login(api, "admin")
    json_headers = {**admin, "Content-Type": "application/json"}
    for raw in (b'{"name": "\xff\xfe"}',  # not UTF-8
                b"[" * 100_000 + b"]" * 100_000):  # deeper than any parser goes
        reply = await api.post("/campaigns", headers=json_headers, content=raw)
        assert reply.json() == {"detail": [{"loc": ["body"], "type": "rule.body_unreadable",
                                            "msg": "There was an error parsing the body"}]}
        assert reply.status_code == 422
    for raw, said in ((b"\xff\xfe--x", "Invalid multipart data."),
                      (b'--x\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--x--\r\n',
                       'The Content-Disposition header field "name" must be provided.')):
        broken = await api.post("/retailers/import", content=raw, headers={
            **admin, "Content-Type": "multipart/form-data; boundary=x"})
        assert broken.status_code == 422, broken.text
        assert broken.json() == {"detail": [{"loc": ["body"], "type": "rule.body_unreadable",
                                             "msg": said}]}


async def test_a_body_beyond_its_limit_is_refused_before_it_is_read_whole(api):
    """JSON beyond 1 MiB, an upload beyond the largest file an import takes: 413 naming the
    rule and the limit, whether the length is declared or the body streams without one, and
    nothing is written."""
    admin = await login(api, "admin")
    retailers = len((await api.get("/retailers?limit=500", headers=admin)).json())
    name = {"name": "x" * (1 << 20)}
    declared = await api.post("/campaigns", headers=admin, json=name)

    async def streamed(head: bytes, filler: bytes, total: int):
        yield head
        for _ in range(total // len(filler) + 1):
            yield filler

    json_stream = await api.post(
        "/campaigns", content=streamed(b'{"name": "', b"x" * 65536, 1 << 20),
        headers={**admin, "Content-Type": "application/json"})
    envelope = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="r.csv"\r\n'
                b"Content-Type: text/csv\r\n\r\ncard,name\r\n")
    upload = await api.post(
        "/retailers/import", content=streamed(envelope, b"1" * (1 << 20), 66 << 20),
        headers={**admin, "Content-Type": "multipart/form-data; boundary=x"})
    largest_file = (64 << 20) + (1 << 20)
    for reply, limit in ((declared, 1 << 20), (json_stream, 1 << 20), (upload, largest_file)):
        assert reply.status_code == 413, reply.text
        assert reply.json() == {"detail": [{
            "loc": ["body"], "type": "rule.body_size", "ctx": {"le": limit},
            "msg": f"the request body may hold at most {limit} bytes"}]}
    assert (await api.get("/campaigns", headers=admin)).json() == []
    assert len((await api.get("/retailers?limit=500", headers=admin)).json()) == retailers
