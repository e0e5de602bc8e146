"""A generated call center with known answers, for the reports' tests: agents whose shifts are
timelines of states (with calls, holds, transfers, wrap-ups and pauses), callers who hang up in the
IVR or in a queue, self-service and voicemail, callbacks, quality scores, survey ratings, IVR steps
and PIN attempts, and outbound attempts. Each raw row says when it would have been written
(`visible`), so a test can reveal the day as it went; the expected figures are computed here from
the generator's own model, apart from the roll-up's code."""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

ABANDON_LIMITS = ((10, "abandoned_10s"), (30, "abandoned_30s"), (60, "abandoned_60s"),
                  (120, "abandoned_120s"))
BRANCHES = {"HQ": "Asia/Shanghai", "BJ": "Asia/Shanghai", "UR": "Asia/Urumqi"}
TYPES = ("order", "complaint")
SL = {"BJ-order": (30, 90)}  # queue settings; the other queues have the defaults (20 s, 80 %)
DEFAULT_SL = (20, 80)
AGENTS = {"9001": "BJ", "9002": "BJ", "9003": "UR", "9004": "UR", "9005": "HQ"}
PAUSES = ("break", "meal", "training", "meeting")


@dataclass
class Row:
    table: str
    visible: datetime  # when the engine would have written it
    values: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)  # a call's


@dataclass
class World:
    days: list[date]
    ids: dict[str, dict[str, int]]  # branches, agents, users by code / number
    campaigns: dict[int, str]  # id -> branch code
    rows: list[Row] = field(default_factory=list)
    queue: dict[tuple[str, str, str], dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float)))
    agent: dict[tuple[str, str], dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float)))
    outbound: dict[tuple[str, int], dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float)))
    ivr: dict[tuple[str, str], dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float)))
    pins: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    end: datetime = datetime.min.replace(tzinfo=UTC)
    # moments in the middle of a long state when nothing else happens: a roll there must count
    # the state up to then, and the next roll on from there
    quiet: list[datetime] = field(default_factory=list)
    serial: int = 0

    def local_day(self, at: datetime, branch: str | None) -> str:
        return at.astimezone(ZoneInfo(BRANCHES[branch or "HQ"])).date().isoformat()

    def split(self, branch: str, since: datetime, until: datetime
              ) -> list[tuple[str, float]]:
        """Seconds from `since` to `until` by the branch's local day."""
        zone, out = ZoneInfo(BRANCHES[branch]), []
        while since < until:
            local = since.astimezone(zone)
            midnight = datetime.combine(local.date() + timedelta(days=1), time(), zone)
            upto = min(until, midnight.astimezone(UTC))
            out.append((local.date().isoformat(), (upto - since).total_seconds()))
            since = upto
        return out

    def linkedid(self) -> str:
        self.serial += 1
        return f"17000{self.serial:05d}.{self.serial}"


def generate(seed: int, days: list[date], ids: dict[str, dict[str, int]],
             campaign_ids: dict[int, str]) -> World:
    rnd = random.Random(seed)
    world = World(days, ids, campaigns=campaign_ids)
    for number, branch in AGENTS.items():
        for day in days:
            _shift(world, rnd, number, branch, day)
    for day in days:
        for branch in ("BJ", "UR", None):
            for _ in range(rnd.randint(15, 30)):
                _unanswered(world, rnd, branch, day)
        for branch in ("BJ", "UR"):
            for _ in range(rnd.randint(3, 8)):
                _callback(world, rnd, branch, day)
        for campaign_id, branch in campaign_ids.items():
            for _ in range(rnd.randint(10, 25)):
                _attempt(world, rnd, campaign_id, branch, day)
    world.end = max(r.visible for r in world.rows) + timedelta(minutes=1)
    return world


def _moment(world: World, rnd: random.Random, branch: str | None, day: date,
            start_hour: int = 0, hours: int = 24) -> datetime:
    zone = ZoneInfo(BRANCHES[branch or "HQ"])
    local = datetime.combine(day, time(start_hour), zone) + timedelta(
        seconds=rnd.uniform(0, hours * 3600 - 1))
    return local.astimezone(UTC).replace(microsecond=0)


def _shift(world: World, rnd: random.Random, number: str, branch: str, day: date) -> None:
    """An agent's shift; UR's 9004 works late, past its local midnight."""
    start = _moment(world, rnd, branch, day, 21 if number == "9004" else 8, 1)
    end = start + timedelta(hours=rnd.uniform(3, 5))
    agent_id = world.ids["agents"][number]
    state, reason, at = "logged_out", None, start

    def go(to: str, when: datetime, why: str | None = None, call: str | None = None) -> None:
        nonlocal state, reason, at
        if state != "logged_out":
            for local_day, seconds in world.split(branch, at, when):
                figures = world.agent[(local_day, number)]
                figures["logged_in"] += seconds
                figures[state] += seconds
                if state == "paused":
                    figures[f"paused_{reason}"] += seconds
        world.rows.append(Row("agent_transitions", when, {
            "agent_id": agent_id, "at": when, "from_state": state, "to_state": to,
            "event": "Generated", "reason": why, "call_linkedid": call}))
        state, reason, at = to, why, when

    go("paused", start, "login")
    go("available", start + timedelta(seconds=rnd.randint(2, 20)))
    if number == "9004":  # alone at that hour: a long meal, with a roll in its middle
        go("paused", at + timedelta(seconds=rnd.randint(1, 60)), "meal")
        world.quiet.append(at + timedelta(minutes=41, seconds=rnd.randint(0, 59)))
        go("available", at + timedelta(minutes=90))
    while at < end:
        choice = rnd.random()
        if choice < 0.15:
            go("paused", at + timedelta(seconds=rnd.randint(1, 300)), rnd.choice(PAUSES))
            go("available", at + timedelta(seconds=rnd.randint(60, 1800)))
        else:
            _answered(world, rnd, number, branch, go, at + timedelta(
                seconds=rnd.randint(1, 600)))
    go("logged_out", at + timedelta(seconds=rnd.randint(1, 60)))


def _answered(world: World, rnd: random.Random, number: str, branch: str, go: Any,
              reserved: datetime) -> None:
    linkedid = world.linkedid()
    bt = rnd.choice(TYPES)
    queue = f"{branch}-{bt}"
    connected = reserved + timedelta(seconds=rnd.randint(1, 3))
    wait = rnd.randint(0, 90)
    queued = connected - timedelta(seconds=wait)
    offered = queued - timedelta(seconds=rnd.randint(5, 40))
    talk_total = rnd.randint(20, 900)
    ended = connected + timedelta(seconds=talk_total)
    events, hold, transfers = [], 0.0, 0
    cursor = connected
    for _ in range(rnd.choice((0, 0, 1, 2))):
        hold_at = cursor + timedelta(seconds=rnd.randint(1, max(1, talk_total // 4)))
        back = hold_at + timedelta(seconds=rnd.randint(1, 60))
        if back >= ended:
            break
        events += [{"at": hold_at, "kind": "Hold"}, {"at": back, "kind": "Resume"}]
        hold += (back - hold_at).total_seconds()
        cursor = back
    if rnd.random() < 0.1:
        events.append({"at": ended - timedelta(seconds=1), "kind": "Transfer"})
        transfers = 1
    rating = rnd.randint(1, 5) if rnd.random() < 0.3 else None
    world.rows.append(Row("calls", ended, {
        "linkedid": linkedid, "uniqueid": linkedid, "direction": "inbound",
        "branch_id": world.ids["branches"][branch], "queue": queue, "business_type": bt,
        "queued_at": queued, "agent_id": world.ids["agents"][number], "offered_at": offered,
        "answered_at": offered, "connected_at": connected, "ended_at": ended,
        "outcome": "completed", "last_step": "done", "survey_rating": rating}, events))
    _steps(world, rnd, linkedid, offered, branch, ("menu", "card"), "ok")
    go("reserved", reserved, call=linkedid)
    go("on_call", connected, call=linkedid)
    go("wrap_up", ended, call=linkedid)
    wrap_end = ended + timedelta(seconds=rnd.randint(3, 60))
    for local_day, seconds in world.split(branch, ended, wrap_end):
        world.queue[(local_day, branch, queue)]["wrap_s"] += seconds
    go("available", wrap_end)
    day = world.local_day(offered, branch)
    sl_seconds = SL.get(queue, DEFAULT_SL)[0]
    talk = talk_total - hold
    q = world.queue[(day, branch, queue)]
    for key, value in (("offered", 1), ("answered", 1), ("answered_in_sl", wait <= sl_seconds),
                       ("wait_answered_s", wait), ("talk_s", talk), ("hold_s", hold),
                       ("transfers", transfers)):
        q[key] += value
    a = world.agent[(day, number)]
    for key, value in (("calls_handled", 1), ("talk_s", talk), ("hold_s", hold),
                       ("transfers", transfers)):
        a[key] += value
    if rating is not None:
        for figures in (q, a):
            figures["survey_count"] += 1
            figures["survey_sum"] += rating
    if rnd.random() < 0.25:
        scored = ended + timedelta(hours=rnd.uniform(0.1, 3))
        total = Decimal(rnd.randint(400, 1000)) / 10
        world.rows.append(Row("call_scores", scored, {
            "linkedid": linkedid, "agent_id": world.ids["agents"][number],
            "scored_at": scored, "total": total}))
        s = world.agent[(world.local_day(scored, branch), number)]
        s["qa_count"] += 1
        s["qa_sum"] += float(total)


def _steps(world: World, rnd: random.Random, linkedid: str, at: datetime, branch: str | None,
           states: tuple[str, ...], last: str) -> None:
    for seq, state in enumerate(states):
        result = last if seq == len(states) - 1 else "ok"
        ms = rnd.randint(500, 8000)
        world.rows.append(Row("ivr_steps", at, {
            "linkedid": linkedid, "seq": seq, "state": state, "keys": "", "result": result,
            "entered_at": at, "duration_ms": ms}))
        figures = world.ivr[(world.local_day(at, branch), state)]
        figures["entered"] += 1
        figures[result] += 1
        at += timedelta(milliseconds=ms)


def _unanswered(world: World, rnd: random.Random, branch: str | None, day: date) -> None:
    linkedid = world.linkedid()
    offered = _moment(world, rnd, branch, day, 8, 12)
    bt = rnd.choice(TYPES)
    kind = rnd.choice(("queue", "queue", "ivr", "ringing", "self_served", "voicemail"))
    queue = f"{branch}-{bt}" if branch and kind == "queue" else None
    ivr_time = rnd.randint(3, 50)
    queued = offered + timedelta(seconds=ivr_time) if queue else None
    wait = rnd.randint(0, 300)
    ended = (queued or offered) + timedelta(seconds=wait if queue else ivr_time)
    last_step = {"ivr": "card", "ringing": None, "self_served": "done",
                 "voicemail": "voicemail", "queue": "done"}[kind]
    outcome = "completed" if kind in ("self_served", "voicemail") else "abandoned"
    world.rows.append(Row("calls", ended, {
        "linkedid": linkedid, "uniqueid": linkedid, "direction": "inbound",
        "branch_id": world.ids["branches"][branch] if branch else None, "queue": queue,
        "business_type": bt if kind != "ringing" else None, "queued_at": queued,
        "agent_id": None, "offered_at": offered,
        "answered_at": None if kind == "ringing" else offered, "connected_at": None,
        "ended_at": ended, "outcome": outcome, "last_step": last_step, "survey_rating": None}))
    if kind != "ringing":
        _steps(world, rnd, linkedid, offered, branch,
               ("menu", "card", "pin") if kind == "self_served" else ("menu", "card"),
               "hangup" if kind == "ivr" else "ok")
    if kind == "self_served" and branch:
        reason = rnd.choice(("ok", "ok", "wrong_pin", "locked"))
        world.rows.append(Row("self_service_attempts", offered, {
            "linkedid": linkedid, "card_number": f"card-{branch}",
            "retailer_id": world.ids["retailers"][branch], "at": offered,
            "success": reason == "ok", "reason": reason}))
        world.pins[(world.local_day(offered, branch), reason)] += 1
    figures = world.queue[(world.local_day(offered, branch), branch or "",
                           queue or "")]
    figures["offered"] += 1
    if kind in ("queue", "ivr", "ringing"):
        waited = wait if queue else ivr_time
        figures["abandoned_queue" if queue else "abandoned_ivr"] += 1
        bucket = next((name for limit, name in ABANDON_LIMITS if waited < limit),
                      "abandoned_longer")
        figures[bucket] += 1
    else:
        figures["self_served" if kind == "self_served" else "voicemails"] += 1


def _callback(world: World, rnd: random.Random, branch: str, day: date) -> None:
    at = _moment(world, rnd, branch, day, 8, 12)
    queue = f"{branch}-{rnd.choice(TYPES)}"
    done = rnd.random() < 0.5
    world.rows.append(Row("callback_requests", at, {
        "pbx_server": "local", "linkedid": world.linkedid(), "caller_number": "13800000000",
        "queue": queue, "requested_at": at, "status": "done" if done else "pending",
        "handled_at": at + timedelta(minutes=5) if done else None}))
    figures = world.queue[(world.local_day(at, branch), branch, queue)]
    figures["callbacks_requested"] += 1
    figures["callbacks_done"] += done


def _attempt(world: World, rnd: random.Random, campaign_id: int, branch: str,
             day: date) -> None:
    started = _moment(world, rnd, branch, day, 9, 10)
    outcome = rnd.choice(("answered", "answered", "machine", "no_answer", "busy"))
    answered = started + timedelta(seconds=rnd.randint(3, 20)) if outcome in (
        "answered", "machine") else None
    abandoned = outcome == "answered" and rnd.random() < 0.1
    connected = answered + timedelta(seconds=1) if outcome == "answered" and not abandoned \
        else None
    ended = (connected or answered or started) + timedelta(seconds=rnd.randint(5, 300))
    result = rnd.choice(("agreed", "refused", "later")) if connected else None
    world.rows.append(Row("contact_attempts", ended, {
        "campaign_id": campaign_id, "phone": f"139{world.serial:08d}",
        "channel_id": f"attempt-{world.linkedid()}", "started_at": started,
        "outcome": outcome, "answered_at": answered, "connected_at": connected,
        "abandoned": abandoned, "ended_at": ended, "disposition": result}))
    figures = world.outbound[(world.local_day(started, branch), campaign_id)]
    figures["dialed"] += 1
    figures["reached"] += outcome in ("answered", "machine")
    figures["live"] += outcome == "answered"
    figures["machines"] += outcome == "machine"
    figures["abandoned"] += abandoned
    figures["connected"] += connected is not None
    if result:
        figures[f"result:{result}"] += 1
