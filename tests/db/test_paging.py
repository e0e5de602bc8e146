"""Paging and date ranges of the lists that grow all day (calls, orders, opinions, recordings,
voicemails), on SQLite and PostgreSQL: a reader who follows `Link: <...>; rel="next"` sees
every row of the range once, newest first, while new rows are written between the pages; the
range holds at its edges given in Beijing time; a branch's user sees its branch's rows on every
page; the filters of each list go on to the next page; bad input is a 422 naming the field."""
import itertools
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from agent_api.paging import cursor_of
from models import (
    Agent,
    Branch,
    Call,
    Order,
    Recording,
    Retailer,
    User,
    Voicemail,
)
from models.calls import CallDirection
from models.opinions import Opinion, OpinionKind, OpinionSource, OpinionSubject
from services.paging import COUNT_CAP, MAX_PAGE_SIZE, PAGE_SIZE, Key
from tests.db.conftest import login

pytestmark = pytest.mark.db

BEIJING = timezone(timedelta(hours=8))
MARCH = datetime(2026, 3, 1, tzinfo=BEIJING)  # local midnight: 2026-02-28 16:00 UTC
RANGE = {"since": MARCH.isoformat(), "until": datetime(2026, 4, 1, tzinfo=BEIJING).isoformat()}
LISTS = ["/calls", "/orders", "/opinions", "/recordings", "/voicemails"]
serial = itertools.count(1)


async def add(s, path: str, branch: str, at: datetime, **extra) -> int:
    """One row of the list at `path`, of `branch` (a code), at its own time `at`."""
    branch_id = await s.scalar(select(Branch.id).where(Branch.code == branch))
    n = next(serial)
    if path in ("/calls", "/recordings"):
        call = Call(linkedid=f"p.{n}", uniqueid=f"p.{n}", direction=CallDirection.INBOUND,
                    offered_at=at, branch_id=branch_id, **(extra if path == "/calls" else {}))
        s.add(call)
        row = call
        if path == "/recordings":
            row = Recording(pbx_server="local", linkedid=f"p.{n}", policy="always",
                            status="complete", started_at=at, **extra)
            s.add(row)
    elif path == "/voicemails":
        row = Voicemail(pbx_server="local", linkedid=f"p.{n}", caller_number="139",
                        branch_id=branch_id, recorded_at=at, duration_ms=1000,
                        path="/nonexistent.wav", size_bytes=100, **extra)
        s.add(row)
    else:
        retailer = await s.scalar(select(Retailer.id).where(Retailer.branch_id == branch_id)
                                  .order_by(Retailer.id))
        if path == "/orders":
            row = Order(retailer_id=retailer, created_at=at, amount=Decimal("450.00"), **extra)
        else:
            admin = await s.scalar(select(User.id).where(User.username == "admin"))
            row = Opinion(kind=OpinionKind.COMPLAINT, subject=OpinionSubject.LOGISTICS,
                          source=OpinionSource.RETAILER, retailer_id=retailer, text="送货晚了",
                          captured_by=admin, branch_id=branch_id, created_at=at, updated_at=at,
                          **extra)
        s.add(row)
    await s.flush()
    return row.id


async def read_all(api, path: str, headers: dict, params: dict, between=None
                   ) -> tuple[list[dict], list[str]]:
    """Every page from the first, following each reply's Link; `between()` runs after each."""
    reply = await api.get(path, params=params, headers=headers)
    rows, totals = [], []
    while True:
        assert reply.status_code == 200, reply.text
        rows += reply.json()
        totals.append(reply.headers.get("x-total-count"))
        link = reply.headers.get("link")
        if link is None:
            return rows, totals
        if between is not None:
            await between()
        target = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        assert target is not None, link
        reply = await api.get(target[1], headers=headers)


def newest_first(rows: list[tuple[datetime, int]]) -> list[int]:
    return [i for _, i in sorted(rows, key=lambda r: (r[0], r[1]), reverse=True)]


@pytest.fixture
async def bj_supervisor(api) -> dict:
    reply = await api.post("/users", headers=await login(api, "admin"), json={
        "username": "bj-supervisor", "password": "long-enough", "role": "supervisor",
        "branch": "BJ"})
    assert reply.status_code == 201, reply.text
    return await login(api, "bj-supervisor", "long-enough")


@pytest.mark.parametrize("path", LISTS)
async def test_pages_neither_skip_nor_repeat_while_rows_arrive(api, sessions, path):
    # seven times in March, three rows at each: pages of four split the rows of one time
    times = [MARCH + timedelta(days=d, hours=9, microseconds=d) for d in (0, 1, 1, 3, 5, 8, 13)]
    seeded = []
    async with sessions() as s, s.begin():
        for at in times:
            for branch in ("BJ", "SH", "BJ"):
                seeded.append((at, await add(s, path, branch, at)))
    newest = max(times)

    async def rows_arrive():  # after each page: one newer than all, one at the newest time
        async with sessions() as s, s.begin():
            await add(s, path, "BJ", newest + timedelta(days=5))
            await add(s, path, "SH", newest)

    sup = await login(api, "supervisor")
    rows, totals = await read_all(api, path, sup, {**RANGE, "limit": 4}, rows_arrive)
    assert [r["id"] for r in rows] == newest_first(seeded)
    assert totals[0] == str(len(seeded)) and len(totals) == 6  # 21 rows: 5 pages of 4, one of 1
    # a reader starting now sees what arrived, on top
    first = (await api.get(path, params={**RANGE, "limit": 500}, headers=sup)).json()
    assert len(first) == len(seeded) + 2 * 5
    assert {r["id"] for r in first} > {r["id"] for r in rows}


@pytest.mark.parametrize("path", LISTS)
async def test_the_range_holds_at_its_edges_in_beijing_time(api, sessions, path):
    day, next_day = MARCH, MARCH + timedelta(days=1)
    micro = timedelta(microseconds=1)
    async with sessions() as s, s.begin():
        ids = {name: await add(s, path, "BJ", at) for name, at in (
            ("before", day - micro), ("first", day), ("last", next_day - micro),
            ("after", next_day))}
    sup = await login(api, "supervisor")
    window = {"since": day.isoformat(), "until": next_day.isoformat(), "limit": 1}
    rows, totals = await read_all(api, path, sup, window)
    assert [r["id"] for r in rows] == [ids["last"], ids["first"]]
    assert totals == ["2", "2"]
    # the same instants written in UTC
    utc = {"since": "2026-02-28T16:00:00Z", "until": "2026-03-01T16:00:00+00:00"}
    rows = (await api.get(path, params=utc, headers=sup)).json()
    assert [r["id"] for r in rows] == [ids["last"], ids["first"]]
    only_since = (await api.get(path, params={"since": next_day.isoformat()},
                                headers=sup)).json()
    assert ids["after"] in {r["id"] for r in only_since}
    assert not {ids["before"], ids["first"], ids["last"]} & {r["id"] for r in only_since}


@pytest.mark.parametrize("path", LISTS)
async def test_a_branch_sees_its_rows_on_every_page(api, sessions, bj_supervisor, path):
    mine, theirs = [], []
    async with sessions() as s, s.begin():
        for n in range(9):
            at = MARCH + timedelta(hours=n)
            mine.append((at, await add(s, path, "BJ", at)))
            theirs.append((at, await add(s, path, "SH", at)))
    rows, totals = await read_all(api, path, bj_supervisor, {**RANGE, "limit": 2})
    assert [r["id"] for r in rows] == newest_first(mine)
    assert set(totals) == {"9"} and len(totals) == 5
    # a cursor made from another branch's row shows nothing of that branch either
    last_sh = max(theirs)
    after = (await api.get(path, headers=bj_supervisor, params={
        **RANGE, "cursor": cursor_of(Key(last_sh[0], last_sh[1]))})).json()
    assert {r["id"] for r in after} <= {i for _, i in mine}


async def test_the_filters_go_on_to_the_next_page(api, sessions):
    async with sessions() as s, s.begin():
        agents = {a.number: a.id for a in await s.scalars(select(Agent))}
        taken, unhandled = [], []
        for n in range(7):
            at = MARCH + timedelta(hours=n)
            for number in ("8001", "8002"):
                call = await add(s, "/calls", "BJ", at, agent_id=agents[number])
                if number == "8001":
                    taken.append((at, call))
            await add(s, "/voicemails", "BJ", at, handled_at=at, handled_by="8001")
            unhandled.append((at, await add(s, "/voicemails", "BJ", at)))
    sup = await login(api, "supervisor")
    calls, _ = await read_all(api, "/calls", sup,
                              {**RANGE, "agent_id": agents["8001"], "limit": 3})
    assert [c["id"] for c in calls] == newest_first(taken)
    messages, totals = await read_all(api, "/voicemails", sup,
                                      {**RANGE, "handled": "false", "limit": 3})
    assert [m["id"] for m in messages] == newest_first(unhandled) and totals[0] == "7"


async def test_a_page_is_fifty_unless_asked_and_never_more_than_five_hundred(api, sessions):
    async with sessions() as s, s.begin():
        for n in range(PAGE_SIZE + 1):
            await add(s, "/calls", "BJ", MARCH + timedelta(minutes=n))
    sup = await login(api, "supervisor")
    first = await api.get("/calls", params=RANGE, headers=sup)
    assert len(first.json()) == PAGE_SIZE and 'rel="next"' in first.headers["link"]
    assert first.headers["x-total-count"] == str(PAGE_SIZE + 1)
    whole = await api.get("/calls", params={**RANGE, "limit": MAX_PAGE_SIZE}, headers=sup)
    assert len(whole.json()) == PAGE_SIZE + 1 and "link" not in whole.headers


@pytest.mark.parametrize("path", LISTS)
async def test_bad_paging_input_is_a_422_naming_the_field(api, path):
    sup = await login(api, "supervisor")
    real = cursor_of(Key(MARCH, 7))
    for params, loc, kind in (
            ({"cursor": "garbage!"}, ["query", "cursor"], "rule.cursor"),
            ({"cursor": real[:-1]}, ["query", "cursor"], "rule.cursor"),
            ({"cursor": cursor_of(Key(MARCH, 0))}, ["query", "cursor"], "rule.cursor"),
            ({"cursor": "OTk5OTk5OTk5OTk5OTk5OTk5OTk5LjE"}, ["query", "cursor"], "rule.cursor"),
            ({"since": "2026-03-02T00:00:00+08:00", "until": "2026-03-01T00:00:00+08:00"},
             ["query", "until"], "rule.range_order"),
            ({"since": MARCH.isoformat(), "until": MARCH.isoformat()},
             ["query", "until"], "rule.range_order"),
            ({"since": "2026-03-01T00:00:00"}, ["query", "since"], "timezone_aware"),
            ({"until": "yesterday"}, ["query", "until"], "datetime_from_date_parsing"),
            ({"limit": MAX_PAGE_SIZE + 1}, ["query", "limit"], "less_than_equal"),
            ({"limit": 0}, ["query", "limit"], "greater_than_equal")):
        reply = await api.get(path, params=params, headers=sup)
        assert reply.status_code == 422, (params, reply.text)
        detail = reply.json()["detail"]
        assert [(d["loc"], d["type"]) for d in detail] == [(loc, kind)], (params, detail)
    assert (await api.get(path, params={"cursor": real}, headers=sup)).status_code == 200


async def test_the_total_is_left_out_beyond_what_is_counted(api, sessions):
    async with sessions() as s, s.begin():
        branch = await s.scalar(select(Branch.id).where(Branch.code == "BJ"))
        await s.execute(insert(Voicemail), [
            {"pbx_server": "local", "linkedid": f"c.{n}", "caller_number": "139",
             "branch_id": branch, "recorded_at": MARCH + timedelta(seconds=n),
             "duration_ms": 1000, "path": "/nonexistent.wav", "size_bytes": 100}
            for n in range(COUNT_CAP + 1)])
    sup = await login(api, "supervisor")
    many = await api.get("/voicemails", params=RANGE, headers=sup)
    assert "x-total-count" not in many.headers and 'rel="next"' in many.headers["link"]
    counted = await api.get("/voicemails", headers=sup, params={
        **RANGE, "since": (MARCH + timedelta(seconds=1)).isoformat()})
    assert counted.headers["x-total-count"] == str(COUNT_CAP)
