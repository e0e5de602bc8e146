"""The reports against a generated call center with known answers, on SQLite and PostgreSQL: the
raw rows are revealed as the two days went (calls as they ended, agents' states as they changed)
and rolled up at each step; every figure of the queues, agents, IVR and outbound reports then
equals the generator's own count, grouped by each branch's local day (one branch is two hours
behind the others) and by month; a late call and a late hold change their interval at the next
roll; rebuilding the days gives the same figures; a branch sees its own branch only."""
from __future__ import annotations

import asyncio
import os
import sys
from asyncio.subprocess import PIPE
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, insert, select

from agent_api.app import create_app
from dialer.figures import attempt_counts
from models import (
    Agent,
    AgentTransition,
    Branch,
    BusinessType,
    Call,
    CallbackRequest,
    CallEvent,
    Campaign,
    Contact,
    ContactAttempt,
    IvrStep,
    QueueSettings,
    Retailer,
    Role,
    SelfServiceAttempt,
    User,
    utcnow,
)
from models.quality import CallScore, ScoreForm
from models.reports import DAY_SUMS, QueueInterval
from runtime.report_rollup import ReportRollup
from runtime.settings import Settings
from services.errors import NotFound, Refused
from services.principal import Principal
from services.reports.query import Grouping, ReportQuery
from services.reports.registry import REPORTS
from services.reports.rollup import rebuild_day, roll
from tests.db.report_world import AGENTS, BRANCHES, DEFAULT_SL, SL, TYPES, World, generate

pytestmark = pytest.mark.db

DAYS = [date(2026, 11, 30), date(2026, 12, 1)]  # a Monday, and the first of the next month
TABLES = {"calls": Call, "agent_transitions": AgentTransition, "ivr_steps": IvrStep,
          "self_service_attempts": SelfServiceAttempt, "callback_requests": CallbackRequest,
          "call_scores": CallScore, "contact_attempts": ContactAttempt}


async def organisation(sessions) -> tuple[dict[str, dict[str, int]], dict[int, str]]:
    async with sessions() as s, s.begin():
        branches = {code: Branch(code=code, name=code, is_headquarters=code == "HQ",
                                 timezone=zone) for code, zone in BRANCHES.items()}
        types = {code: BusinessType(code=code, name_zh=code, name_en=code, menu_key=str(i))
                 for i, code in enumerate(TYPES, 1)}
        agents = {number: Agent(number=number, name=f"agent {number}", branch=branches[code],
                                sip_endpoint=f"agent-{number}", pin_hash="x")
                  for number, code in AGENTS.items()}
        retailers = {code: Retailer(card_number=f"card-{code}", name=code, branch=b,
                                    retailer_class="A", version=1)
                     for code, b in branches.items()}
        scorer = User(username="qa", password_hash="x", role=Role.SUPERVISOR)
        form = ScoreForm(name="form")
        s.add_all([*branches.values(), *types.values(), *agents.values(), *retailers.values(),
                   scorer, form])
        await s.flush()
        for queue, (seconds, target) in SL.items():
            code, bt = queue.split("-")
            s.add(QueueSettings(branch_id=branches[code].id, business_type_id=types[bt].id,
                                service_level_seconds=seconds, service_level_target=target))
        campaigns = {}
        for code in ("BJ", "UR"):
            campaign = Campaign(name=f"survey {code}", purpose="delivery_survey",
                                branch=branches[code], windows={}, starts_on=DAYS[0],
                                caller_id="1", retries={})
            s.add(campaign)
            await s.flush()
            contact = Contact(campaign_id=campaign.id, phone=f"1380000{campaign.id:04d}",
                              time_zone="Asia/Shanghai")
            s.add(contact)
            await s.flush()
            campaigns[campaign.id] = (code, contact.id)
        ids = {"branches": {c: b.id for c, b in branches.items()},
               "agents": {n: a.id for n, a in agents.items()},
               "retailers": {c: r.id for c, r in retailers.items()},
               "users": {"qa": scorer.id}, "forms": {"form": form.id},
               "contacts": {cid: contact for cid, (_, contact) in campaigns.items()}}
    return ids, {cid: code for cid, (code, _) in campaigns.items()}


class Reveal:
    """Writes the world's rows as the engine would have, up to a moment."""

    def __init__(self, sessions, world: World) -> None:
        self.sessions, self.world = sessions, world
        self.rows = sorted(world.rows, key=lambda r: r.visible)
        self.done = 0
        self.call_ids: dict[str, int] = {}

    async def until(self, moment: datetime) -> None:
        batch = []
        while self.done < len(self.rows) and self.rows[self.done].visible <= moment:
            batch.append(self.rows[self.done])
            self.done += 1
        async with self.sessions() as s, s.begin():
            for name, model in TABLES.items():
                rows = [r for r in batch if r.table == name]
                if not rows:
                    continue
                if name == "calls":
                    result = await s.execute(insert(Call.__table__).returning(
                        Call.__table__.c.id, Call.__table__.c.linkedid),
                        [r.values for r in rows])
                    self.call_ids |= {linkedid: cid for cid, linkedid in result}
                    events = [{"call_id": self.call_ids[r.values["linkedid"]], "channel": None,
                               "data": {}} | e for r in rows for e in r.events]
                    if events:
                        await s.execute(insert(CallEvent.__table__), events)
                    continue
                await s.execute(insert(model.__table__), [self.fill(name, r.values)
                                                          for r in rows])

    def fill(self, name: str, values: dict[str, Any]) -> dict[str, Any]:
        ids = self.world.ids
        if name == "call_scores":
            values = {k: v for k, v in values.items() if k != "linkedid"} | {
                "call_id": self.call_ids[values["linkedid"]], "form_id": ids["forms"]["form"],
                "scorer_id": ids["users"]["qa"]}
        elif name == "contact_attempts":
            values = values | {"contact_id": ids["contacts"][values["campaign_id"]]}
        elif name in ("ivr_steps", "self_service_attempts"):
            values = values | {"pbx_server": "local"}
        return values


HQ = Principal(user_id=1, username="ops", role=Role.OPS, branch_id=None,
               sees_all_branches=True, agent_id=None)


def branch_user(branch_id: int) -> Principal:
    return Principal(user_id=2, username="sup", role=Role.SUPERVISOR, branch_id=branch_id,
                     sees_all_branches=False, agent_id=None)


async def report(sessions, name: str, principal: Principal = HQ, **query: Any) -> Any:
    query = {"since": DAYS[0], "until": DAYS[-1]} | query
    async with sessions() as s:
        return await REPORTS[name](s, ReportQuery(**query), principal)


def close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) < 1e-6


def check(row: dict[str, Any], expected: dict[str, Any], where: Any) -> None:
    for key, value in expected.items():
        assert close(row[key], value), (where, key, row[key], value)


def ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def queue_expected(f: dict[str, float], queue: str | None) -> dict[str, Any]:
    answered = f["answered"]
    abandoned = f["abandoned_ivr"] + f["abandoned_queue"]
    level = ratio(f["answered_in_sl"], answered + f["abandoned_queue"])
    sl = SL.get(queue, DEFAULT_SL) if queue else None
    return {
        "offered": f["offered"], "answered": answered, "abandoned": abandoned,
        "abandoned_ivr": f["abandoned_ivr"], "abandoned_queue": f["abandoned_queue"],
        **{k: f[k] for k in ("abandoned_10s", "abandoned_30s", "abandoned_60s",
                             "abandoned_120s", "abandoned_longer", "self_served", "voicemails",
                             "transfers", "callbacks_done")},
        "callbacks": f["callbacks_requested"], "abandon_rate": ratio(abandoned, f["offered"]),
        "service_level": level, "service_level_seconds": sl[0] if sl else None,
        "service_level_target": sl[1] / 100 if sl else None,
        "asa": ratio(f["wait_answered_s"], answered),
        "talk": ratio(f["talk_s"], answered), "hold": ratio(f["hold_s"], answered),
        "wrap_up": ratio(f["wrap_s"], answered),
        "aht": ratio(f["talk_s"] + f["hold_s"] + f["wrap_s"], answered),
        "survey_rating": ratio(f["survey_sum"], f["survey_count"]),
    }


def agent_expected(f: dict[str, float]) -> dict[str, Any]:
    busy = f["on_call"] + f["wrap_up"]
    handled = f["calls_handled"]
    return {
        "logged_in": f["logged_in"], "available": f["available"], "on_call": f["on_call"],
        "wrap_up": f["wrap_up"], "paused": f["paused"],
        **{f"paused_{r}": f[f"paused_{r}"] for r in ("break", "meal", "training", "meeting",
                                                      "login")},
        "calls_handled": handled, "talk": ratio(f["talk_s"], handled),
        "hold": ratio(f["hold_s"], handled),
        "aht": ratio(f["talk_s"] + f["hold_s"] + f["wrap_up"], handled),
        "occupancy": ratio(busy, busy + f["available"] + f["reserved"]),
        "transfers": f["transfers"], "qa_average": ratio(f["qa_sum"], f["qa_count"]),
        "qa_count": f["qa_count"], "survey_rating": ratio(f["survey_sum"], f["survey_count"]),
    }


def folded(world_figures: dict[tuple, dict[str, float]], key) -> dict[tuple, dict[str, float]]:
    out: dict[tuple, dict[str, float]] = {}
    for k, figures in world_figures.items():
        group = out.setdefault(key(k), {})
        for name, value in figures.items():
            group[name] = group.get(name, 0) + value
    return out


async def check_queues(sessions, world: World, grouping: Grouping = Grouping.DAY) -> None:
    def period(day: str) -> str:
        return day[:8] + "01" if grouping == Grouping.MONTH else day

    table = await report(sessions, "queues", grouping=grouping)
    got = {(r["period"], r["branch"], r["queue"]): r for r in table.rows}
    expected = folded(within(world.queue), lambda k: (period(k[0]), k[1] or None,
                                                      k[2] or None))
    assert set(got) == set(expected)
    for key, figures in expected.items():
        check(got[key], queue_expected(_zeroed(figures), key[2]), key)
    check(table.totals, queue_expected(_zeroed(folded(expected, lambda k: ())[()]), None),
          "totals")


async def check_agents(sessions, world: World) -> None:
    table = await report(sessions, "agents")
    got = {(r["period"], r["agent"]): r for r in table.rows}
    expected = {k: v for k, v in within(world.agent).items() if any(v.values())}
    assert set(got) == set(expected)
    for key, figures in expected.items():
        assert got[key]["branch"] == AGENTS[key[1]]
        check(got[key], agent_expected(_zeroed(figures)), key)


def within(figures: dict[tuple, Any]) -> dict[tuple, Any]:
    """The figures of the report's days (a late shift's wrap-up runs into the next)."""
    days = {d.isoformat() for d in DAYS}
    return {k: v for k, v in figures.items() if k[0] in days}


def _zeroed(figures: dict[str, float]) -> dict[str, float]:
    out: dict[str, float] = dict.fromkeys(
        ("offered", "answered", "answered_in_sl", "abandoned_ivr", "abandoned_queue",
         "abandoned_10s", "abandoned_30s", "abandoned_60s", "abandoned_120s",
         "abandoned_longer", "self_served", "voicemails", "wait_answered_s", "talk_s",
         "hold_s", "wrap_s", "transfers", "callbacks_requested", "callbacks_done",
         "survey_count", "survey_sum", "logged_in", "available", "reserved", "on_call",
         "wrap_up", "paused", "paused_break", "paused_meal", "paused_training",
         "paused_meeting", "paused_login", "calls_handled", "qa_count", "qa_sum"), 0.0)
    return out | figures


@pytest.fixture
async def world(sessions) -> tuple[World, Reveal]:
    ids, campaigns = await organisation(sessions)
    world = generate(25, DAYS, ids, campaigns)
    reveal = Reveal(sessions, world)
    moment = min(r.visible for r in world.rows) - timedelta(minutes=1)
    moments = []
    while moment < world.end:  # the days as they went: rows written, then a roll
        moment += timedelta(hours=3, minutes=7)
        moments.append(min(moment, world.end))
    for moment in sorted(moments + world.quiet):
        await reveal.until(moment)
        async with sessions() as s:  # by the marks alone: no ids read again
            await roll(s, moment, lookback=0)
    return world, reveal


async def test_every_figure_equals_the_raw_rows_count(world, sessions):
    world, _ = world
    await check_queues(sessions, world)
    await check_queues(sessions, world, Grouping.MONTH)
    await check_agents(sessions, world)
    hourly = await report(sessions, "queues", grouping=Grouping.HOUR)
    daily = await report(sessions, "queues")
    assert close(sum(r["offered"] for r in hourly.rows), daily.totals["offered"])
    assert all(len(r["period"]) == 16 and r["period"].endswith(":00") for r in hourly.rows)


async def test_the_ivr_funnel_self_service_and_pin_lockouts(world, sessions):
    world, _ = world
    table = await report(sessions, "ivr")
    by_day: dict[str, dict[str, float]] = {}
    for r in table.rows:
        day = by_day.setdefault(r["period"], {})
        for key, value in r.items():
            if isinstance(value, int):
                day[key] = day.get(key, 0) + value
    for (day, state), figures in within(world.ivr).items():
        if state != "done":
            assert by_day[day][f"{state}_entered"] == figures["entered"], (day, state)
            assert by_day[day][f"{state}_hangups"] == figures.get("hangup", 0), (day, state)
    calls = folded(within(world.queue), lambda k: (k[0],))
    for (day,), figures in calls.items():
        f = _zeroed(figures)
        for key in ("offered", "self_served", "voicemails", "abandoned_ivr"):
            assert by_day[day][key] == f[key], (day, key)
    pins = {"ok": "pin_ok", "wrong_pin": "pin_wrong", "locked": "pin_lockouts"}
    for (day, reason), count in within(world.pins).items():
        assert by_day[day][pins[reason]] == count
    assert table.totals["pin_lockouts"] == sum(
        n for (d, reason), n in within(world.pins).items() if reason == "locked") > 0
    assert close(table.totals["containment"],
                 table.totals["self_served"] / table.totals["offered"])


async def test_outbound_by_campaign_and_day(world, sessions):
    world, _ = world
    table = await report(sessions, "outbound")
    got = {(r["period"], r["campaign_id"]): r for r in table.rows}
    assert set(got) == set(within(world.outbound))
    for key, figures in within(world.outbound).items():
        row = got[key]
        for name in ("dialed", "reached", "live", "machines", "abandoned", "connected"):
            assert row[name] == figures.get(name, 0), (key, name)
        assert close(row["abandon_rate"], ratio(figures["abandoned"], figures["live"]))
        results = {k.split(":")[1]: v for k, v in figures.items() if k.startswith("result:")}
        assert {k: row[f"result.{k}"] for k in results} == results
        assert row["branch"] == world.campaigns[key[1]]
    [bj] = [cid for cid, code in world.campaigns.items() if code == "BJ"]
    mine = await report(sessions, "outbound", branch_user(world.ids["branches"]["BJ"]))
    assert {r["campaign_id"] for r in mine.rows} == {bj}
    one = await report(sessions, "outbound", campaign=bj, grouping=Grouping.HOUR)
    assert {r["campaign_id"] for r in one.rows} == {bj}
    assert one.totals["dialed"] == sum(f["dialed"] for (_, cid), f in
                                       within(world.outbound).items() if cid == bj)
    with pytest.raises(NotFound):
        await report(sessions, "outbound", branch_user(world.ids["branches"]["BJ"]),
                     campaign=next(c for c in world.campaigns if c != bj))


async def test_a_late_call_and_a_late_hold_change_their_interval(world, sessions):
    world, reveal = world
    answered = next(r for r in world.rows if r.table == "calls"
                    and r.values["connected_at"] is not None and not r.events
                    and r.values["queue"] == "BJ-order")
    values = answered.values
    hold_at = values["connected_at"] + timedelta(seconds=1)
    back = min(values["ended_at"], hold_at + timedelta(seconds=4))
    late = {"linkedid": "late.1", "uniqueid": "late.1", "direction": "inbound",
            "branch_id": world.ids["branches"]["BJ"], "queue": "BJ-order",
            "business_type": "order", "queued_at": values["offered_at"],
            "agent_id": None, "offered_at": values["offered_at"], "answered_at": None,
            "connected_at": None, "ended_at": values["offered_at"] + timedelta(seconds=45),
            "outcome": "abandoned", "last_step": "done", "survey_rating": None}
    async with sessions() as s, s.begin():
        await s.execute(insert(Call.__table__), [late])
        await s.execute(insert(CallEvent.__table__), [
            {"call_id": reveal.call_ids[values["linkedid"]], "at": at, "kind": kind,
             "channel": None, "data": {}} for at, kind in ((hold_at, "Hold"), (back, "Resume"))])
    day = world.local_day(values["offered_at"], "BJ")
    figures = world.queue[(day, "BJ", "BJ-order")]
    figures["offered"] += 1
    figures["abandoned_queue"] += 1
    figures["abandoned_60s"] += 1
    held = (back - hold_at).total_seconds()
    figures["hold_s"] += held
    figures["talk_s"] -= held
    async with sessions() as s:
        await roll(s, world.end + timedelta(minutes=5))
    await check_queues(sessions, world)


async def test_rebuilding_the_days_gives_the_same_figures(world, sessions):
    world, _ = world
    before = {name: await report(sessions, name) for name in REPORTS}
    for day in DAYS:
        async with sessions() as s:
            await rebuild_day(s, day, world.end)
    for name, table in before.items():
        again = await report(sessions, name)
        assert len(again.rows) == len(table.rows), name
        for old, new in zip(table.rows, again.rows, strict=True):
            for key, value in old.items():
                assert close(new[key], value) if isinstance(value, float) else \
                    new[key] == value, (name, key)
    await check_queues(sessions, world)


async def test_two_rebuilds_at_once_leave_the_figures_of_one(world, sessions):
    """The engine's roll and `hotline reports rebuild` recomputing the same day together: on
    PostgreSQL one waits for the other, on SQLite one may be refused (it is rolled again); the
    facts are never counted twice."""
    world, _ = world
    before = await report(sessions, "queues")

    async def rebuild():
        async with sessions() as s:
            await rebuild_day(s, DAYS[0], world.end)
    results = await asyncio.gather(rebuild(), rebuild(), return_exceptions=True)
    assert any(r is None for r in results), results
    assert await report(sessions, "queues") == before


async def test_a_branch_sees_its_own_branch_only(world, sessions):
    world, _ = world
    bj = world.ids["branches"]["BJ"]
    for name in ("queues", "agents"):
        table = await report(sessions, name, branch_user(bj))
        assert table.rows and {r["branch"] for r in table.rows} == {"BJ"}
    everyone = await report(sessions, "queues")
    assert {r["branch"] for r in everyone.rows} == {"BJ", "UR", "HQ", None}
    with pytest.raises(NotFound):
        await report(sessions, "queues", branch_user(bj), branch="UR")
    with pytest.raises(NotFound):
        await report(sessions, "agents", branch_user(bj), agent="9003")
    for grouping in (Grouping.DAY, Grouping.INTERVAL):
        mine = await report(sessions, "agents", branch_user(bj), agent="9001",
                            grouping=grouping)
        assert {r["agent"] for r in mine.rows} == {"9001"}
    only = await report(sessions, "queues", queue="UR-order")
    assert {r["queue"] for r in only.rows} == {"UR-order"}
    with pytest.raises(Refused):
        await report(sessions, "queues", since=DAYS[1], until=DAYS[0])


async def test_the_roll_up_is_idempotent(world, sessions):
    """A roll with nothing new, and one over ranges already done, change nothing."""
    world, _ = world
    before = await report(sessions, "agents")
    async with sessions() as s:
        await roll(s, world.end)
        await roll(s, world.end)
    after = await report(sessions, "agents")
    assert before.rows == after.rows


async def test_the_24_hour_abandon_rate_is_the_dialers_own_count(sessions):
    """The report's abandons over the last 24 hours are those the dialer stops at, and the
    day's abandons those of the raw attempts."""
    ids, campaigns = await organisation(sessions)
    now = utcnow().replace(microsecond=0)
    ages = [timedelta(minutes=m) for m in (5, 50, 300, 900, 1430, 1450, 1500, 2000)]
    rows = []
    for n, (campaign_id, age) in enumerate((c, a) for c in campaigns for a in ages):
        started = now - age
        live = n % 5 != 4
        connected = n % 3 != 0
        # a machine AMD passed, its agent said so: no live answer for the regulator
        said = "answering_machine" if live and connected and n % 7 == 1 else None
        rows.append({"campaign_id": campaign_id, "contact_id": ids["contacts"][campaign_id],
                     "phone": f"1390000{n:04d}", "channel_id": f"dial-{n}",
                     "started_at": started, "outcome": "answered" if live else "machine",
                     "answered_at": started + timedelta(seconds=5),
                     "connected_at": started + timedelta(seconds=6) if connected else None,
                     "abandoned": live and not connected, "disposition": said,
                     "ended_at": started + timedelta(seconds=60)})
    async with sessions() as s, s.begin():
        await s.execute(insert(ContactAttempt.__table__), rows)
    async with sessions() as s:
        await roll(s, now)
    table = await report(sessions, "outbound", since=(now - timedelta(days=3)).date(),
                         until=now.date() + timedelta(days=1))
    async with sessions() as s:
        dialer = await attempt_counts(s, list(campaigns))
    by_campaign = {r["campaign_id"]: r for r in table.rows}
    assert set(by_campaign) == set(campaigns)
    for campaign_id, counts in dialer.items():
        row = by_campaign[campaign_id]
        assert (row["live_24h"], row["abandoned_24h"]) == (counts.answered_24h,
                                                           counts.abandoned_24h)
        assert close(row["abandon_rate_24h"], counts.abandon_rate_24h)
        assert 0 < counts.abandoned_24h < counts.abandoned  # some are older than 24 hours
        assert counts.answered_24h == sum(
            1 for r in rows if r["campaign_id"] == campaign_id and r["outcome"] == "answered"
            and r["disposition"] is None and r["started_at"] > now - timedelta(hours=24))
    assert any(r["disposition"] for r in rows)
    days: dict = {}
    for r in table.rows:
        was = days.get(r["campaign_id"], (0, 0, 0))
        days[r["campaign_id"]] = (was[0] + r["abandoned"], was[1] + r["live"],
                                  was[2] + r["machines"])
    assert days == {cid: (
        sum(1 for r in rows if r["campaign_id"] == cid and r["abandoned"]),
        sum(1 for r in rows if r["campaign_id"] == cid and r["outcome"] == "answered"
            and not r["disposition"]),
        sum(1 for r in rows if r["campaign_id"] == cid and (
            r["outcome"] == "machine" or r["disposition"]))) for cid in campaigns}

    # an agent's result given long after the call ended reaches the report at the next roll
    async with sessions() as s, s.begin():
        first = await s.scalar(select(ContactAttempt).where(
            ContactAttempt.outcome == "answered", ContactAttempt.disposition.is_(None),
            ContactAttempt.connected_at.is_not(None)).order_by(ContactAttempt.started_at))
        first.disposition, first.result_at = "answering_machine", now + timedelta(hours=1)
        campaign_id = first.campaign_id
    async with sessions() as s:
        await roll(s, now + timedelta(hours=1), lookback=0)  # by the marks alone
    again = await report(sessions, "outbound", since=(now - timedelta(days=3)).date(),
                         until=now.date() + timedelta(days=1))
    live = sum(r["live"] for r in again.rows if r["campaign_id"] == campaign_id)
    assert live == days[campaign_id][1] - 1


async def test_the_engines_roll_up_runs_beside_its_loop(migrated_url, sessions):
    """The engine's roll-up (runtime/report_rollup.py) rolls in its own thread and connection;
    a call that ends is in the report after the next roll."""
    ids, _ = await organisation(sessions)
    rollup = ReportRollup(migrated_url, period=0.01)
    now = utcnow().replace(microsecond=0)
    async with sessions() as s, s.begin():
        await s.execute(insert(Call.__table__), [{
            "linkedid": "engine.1", "uniqueid": "engine.1", "direction": "inbound",
            "branch_id": ids["branches"]["BJ"], "queue": "BJ-order", "business_type": "order",
            "offered_at": now - timedelta(minutes=2), "queued_at": now - timedelta(minutes=2),
            "ended_at": now - timedelta(minutes=1), "outcome": "abandoned"}])
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(rollup.run())
        while rollup.rolls < 2:
            await rollup.rolled.wait()
        task.cancel()
    local = now.astimezone(ZoneInfo("Asia/Shanghai")).date()
    table = await report(sessions, "queues", since=local - timedelta(days=1), until=local)
    assert table.totals["offered"] == 1 and table.totals["abandoned_queue"] == 1


async def test_hotline_reports_rebuild_restores_lost_facts(world, sessions, migrated_url):
    """`hotline reports rebuild --day` recomputes a day's facts from the raw rows: with every
    queue fact gone, rebuilding the two days brings every figure back."""
    world, _ = world
    async with sessions() as s, s.begin():
        await s.execute(delete(QueueInterval.__table__))
        await s.execute(delete(DAY_SUMS[QueueInterval]))
    assert not (await report(sessions, "queues")).rows

    async def hotline(*args: str) -> tuple[int, str, str]:
        run = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli.main", "reports", *args, stdout=PIPE, stderr=PIPE,
            env={**os.environ, "HOTLINE_DB__URL": migrated_url})
        out, err = await run.communicate()
        return run.returncode or 0, out.decode(), err.decode()

    for day in DAYS:
        code, out, err = await hotline("rebuild", "--day", day.isoformat())
        assert code == 0, err
        assert f"reports rebuilt for {day}" in out
    await check_queues(sessions, world)
    code, _, err = await hotline("rebuild", "--day", "2026-13-01")
    assert code == 2 and "not a day (YYYY-MM-DD)" in err


async def test_the_engine_rolls_the_reports_up(migrated_url, sessions, tmp_path):
    """The engine (here without telephony, as the API is tested) runs the roll-up: a call that
    ended is in the queues report once a roll is done."""
    ids, _ = await organisation(sessions)
    now = utcnow().replace(microsecond=0)
    async with sessions() as s, s.begin():
        await s.execute(insert(Call.__table__), [{
            "linkedid": "engine.2", "uniqueid": "engine.2", "direction": "inbound",
            "branch_id": ids["branches"]["UR"], "queue": "UR-order", "business_type": "order",
            "offered_at": now - timedelta(minutes=3), "answered_at": now - timedelta(minutes=3),
            "ended_at": now - timedelta(minutes=2), "outcome": "completed",
            "last_step": "done"}])
    app = create_app(Settings(data_dir=tmp_path, db={"url": migrated_url},
                              pbx={"run_dir": tmp_path / "pbx"}), telephony=False)
    async with app.router.lifespan_context(app):
        rollup = app.state.engine.report_rollup
        rollup.request()
        while rollup.rolls < 1:
            await rollup.rolled.wait()
    local = now.astimezone(ZoneInfo("Asia/Urumqi")).date()
    table = await report(sessions, "queues", since=local - timedelta(days=1), until=local)
    assert table.totals["self_served"] == 1 and table.totals["offered"] == 1
