"""Routing as pure code: a table of cases, then random agents, calls and events checked against
a plain model that rescans everything on every route()."""
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from acd.routing import (
    AgentProfile,
    Assignment,
    OverflowStep,
    QueuePolicy,
    Router,
    WaitingCall,
)

BJ_ORDER = QueuePolicy("BJ-order", "BJ", "order", min_level=5, max_wait_seconds=120,
                       overflow=(OverflowStep(30, 1), OverflowStep(60, 1, ("HQ",))))
SH_ORDER = QueuePolicy("SH-order", "SH", "order")
BJ_COMPLAINT = QueuePolicy("BJ-complaint", "BJ", "complaint")
POLICIES = [BJ_ORDER, SH_ORDER, BJ_COMPLAINT]


def agent(agent_id, branch="BJ", idle=0.0, **skills):
    return AgentProfile(agent_id, branch, {k.replace("_", ":"): v for k, v in skills.items()}, idle)


def call(call_id, queue="BJ-order", at=100.0, priority=0, language="zh"):
    branch, business_type = queue.split("-")
    return WaitingCall(call_id, queue, branch, business_type, at, language, priority)


def pairs(decisions):
    return [(d.call_id, d.agent_id) if isinstance(d, Assignment) else ("max", d.call_id)
            for d in decisions]


# name, agents, calls, now, expected (call, agent) in the order assigned
CASES = [
    ("best level first", [agent(1, order=6, idle=0), agent(2, order=9, idle=50)],
     [call("c1")], 100.0, [("c1", 2)]),
    ("same level: longest idle", [agent(1, order=7, idle=30), agent(2, order=7, idle=10)],
     [call("c1")], 100.0, [("c1", 2)]),
    ("same level and idle: lowest id", [agent(3, order=7, idle=10), agent(2, order=7, idle=10)],
     [call("c1")], 100.0, [("c1", 2)]),
    ("priority first, then the longest wait", [agent(1, order=7)],
     [call("c1", at=10), call("c2", at=20, priority=1), call("c3", at=5)], 100.0, [("c2", 1)]),
    ("then by waiting time", [agent(1, order=9), agent(2, order=5)],
     [call("c1", at=10), call("c2", at=20, priority=1), call("c3", at=5)], 100.0,
     [("c2", 1), ("c3", 2)]),
    ("the oldest call gets the best agent", [agent(1, order=5), agent(2, order=9)],
     [call("c1", at=99), call("c2", at=98)], 100.0, [("c2", 2), ("c1", 1)]),
    ("branch isolation", [agent(1, "SH", order=9)], [call("c1")], 100.0, []),
    ("each branch its own", [agent(1, "SH", order=9), agent(2, order=6)],
     [call("c1"), call("c2", "SH-order")], 100.0, [("c1", 2), ("c2", 1)]),
    ("the business type skill", [agent(1, complaint=9), agent(2, complaint=2, order=5)],
     [call("c1", "BJ-complaint")], 100.0, [("c1", 1)]),
    ("no skill for the business type", [agent(1, complaint=9)], [call("c1")], 100.0, []),
    ("language skill required", [agent(1, order=9), agent(2, order=5, lang_en=5)],
     [call("c1", language="en")], 100.0, [("c1", 2)]),
    ("nobody speaks it", [agent(1, order=9, lang_yue=9)], [call("c1", language="en")], 100.0, []),
    ("the language at the step's level", [agent(1, order=9, lang_en=4)],
     [call("c1", language="en")], 100.0, []),
    ("the default language needs no skill", [agent(1, order=9, lang_en=9), agent(2, order=5)],
     [call("c1")], 100.0, [("c1", 1)]),
    ("below the level bar: not before the overflow", [agent(1, order=4)], [call("c1")],
     129.999, []),
    ("below the level bar: at the overflow", [agent(1, order=4)], [call("c1")], 130.0,
     [("c1", 1)]),
    ("HQ not before its overflow", [agent(1, "HQ", order=9)], [call("c1")], 159.999, []),
    ("HQ at its overflow", [agent(1, "HQ", order=9)], [call("c1")], 160.0, [("c1", 1)]),
    ("after the overflow HQ competes by level", [agent(1, "HQ", order=9), agent(2, order=8)],
     [call("c1")], 160.0, [("c1", 1)]),
    ("max wait offers voicemail", [agent(1, "SH", order=9)], [call("c1")], 220.0, [("max", "c1")]),
]


@pytest.mark.parametrize(("agents", "calls", "now", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_routing_table(agents, calls, now, expected):
    router = Router(POLICIES)
    for a in agents:
        router.add_agent(a)
    for c in calls:
        router.enqueue(c)
    assert pairs(router.route(now)) == expected
    assigned = {c for c, _ in expected}
    assert [c.call_id for c in router.waiting_calls()] == [
        c.call_id for c in sorted(calls, key=lambda c: (-c.priority, c.enqueued_at))
        if c.call_id not in assigned]


def test_an_assigned_agent_gets_nothing_more_until_added_again():
    router = Router(POLICIES)
    router.add_agent(agent(1, order=9))
    router.enqueue(call("c1"))
    assert pairs(router.route(100.0)) == [("c1", 1)]
    router.enqueue(call("c2", at=101.0))
    assert router.route(101.0) == [] and router.available_agents() == []
    router.add_agent(agent(1, order=9, idle=150.0))
    assert pairs(router.route(150.0)) == [("c2", 1)]


def test_agents_added_together_serve_the_calls_already_waiting_in_order():
    router = Router(POLICIES)
    for i in range(4):
        router.enqueue(call(f"c{i}", at=10.0 + i))
    assert router.route(20.0) == []
    for i, level in enumerate((5, 9, 7), 1):
        router.add_agent(agent(i, order=level))
    assert pairs(router.route(21.0)) == [("c0", 2), ("c1", 3), ("c2", 1)]


def test_every_overflow_step_of_a_waiting_call_is_timed():
    router = Router(POLICIES)
    router.add_agent(agent(1, "HQ", order=9))
    router.enqueue(call("c1", at=100.0))
    for now in (100.0, 130.0, 159.0):
        assert router.route(now) == []
    assert pairs(router.route(160.0)) == [("c1", 1)]


def test_step_and_time_of_the_assignment():
    router = Router(POLICIES)
    router.enqueue(call("c1"))
    assert router.route(100.0) == []
    router.add_agent(agent(1, "HQ", order=2))
    (a,) = router.route(170.0)
    assert (a.call_id, a.agent_id, a.step, a.at) == ("c1", 1, 2, 170.0)
    assert a.call.enqueued_at == 100.0


def test_requeue_front_goes_ahead_of_its_priority_with_its_enqueued_at():
    router = Router(POLICIES)
    router.add_agent(agent(1, order=9))
    for c in (call("c1", at=10), call("c2", at=20), call("c3", at=30, priority=1)):
        router.enqueue(c)
    (a,) = router.route(40.0)
    assert a.call_id == "c3"
    router.add_agent(agent(1, order=9))
    (a,) = router.route(41.0)
    assert a.call_id == "c1"
    router.requeue_front(call("c4", at=35))  # a failed connect of a younger call
    router.requeue_front(a.call)  # c1 failed too
    assert [c.call_id for c in router.waiting_calls()] == ["c1", "c4", "c2"]
    assert router.waiting_calls()[0].enqueued_at == 10
    router.enqueue(call("c5", at=1, priority=1))
    assert [c.call_id for c in router.waiting_calls()] == ["c5", "c1", "c4", "c2"]
    router.add_agent(agent(2, order=9))
    router.add_agent(agent(3, order=9))
    assert pairs(router.route(42.0)) == [("c5", 2), ("c1", 3)]


def test_dequeue():
    router = Router(POLICIES)
    router.enqueue(call("c1", at=10))
    router.enqueue(call("c2", at=20))
    assert router.route(30.0) == []
    assert router.dequeue("c1").call_id == "c1" and router.dequeue("c1") is None
    assert not router.is_waiting("c1") and router.is_waiting("c2")
    router.add_agent(agent(1, order=9))
    assert pairs(router.route(31.0)) == [("c2", 1)]
    assert router.waiting_calls() == [] and router.dequeue("c2") is None


def test_a_call_that_left_before_route_is_not_assigned():
    router = Router(POLICIES)
    router.add_agent(agent(1, order=9))
    router.enqueue(call("c1"))
    router.dequeue("c1")
    assert router.route(100.0) == [] and len(router.available_agents()) == 1


def test_removed_agent_is_not_assigned():
    router = Router(POLICIES)
    router.add_agent(agent(1, order=9))
    router.add_agent(agent(2, order=5))
    assert router.remove_agent(1).agent_id == 1 and router.remove_agent(1) is None
    router.enqueue(call("c1"))
    assert pairs(router.route(100.0)) == [("c1", 2)]


def test_add_agent_again_replaces_its_profile():
    router = Router(POLICIES)
    router.add_agent(agent(1, order=9))
    router.add_agent(agent(1, complaint=9))
    router.enqueue(call("c1"))
    assert router.route(100.0) == []
    assert [a.skills for a in router.available_agents()] == [{"complaint": 9}]


def test_max_wait_is_reported_once_and_the_call_keeps_waiting():
    router = Router(POLICIES)
    router.enqueue(call("c1", at=0))
    assert router.route(119.9) == []
    assert pairs(router.route(120.0)) == [("max", "c1")]
    assert router.route(500.0) == [] and router.is_waiting("c1")
    router.add_agent(agent(1, order=1))
    assert pairs(router.route(501.0)) == [("c1", 1)]


def test_max_wait_is_not_reported_for_a_call_assigned_at_that_moment():
    router = Router(POLICIES)
    router.enqueue(call("c1", at=0))
    router.add_agent(agent(1, order=1))
    assert pairs(router.route(120.0)) == [("c1", 1)]


def test_time_must_not_go_back():
    router = Router(POLICIES)
    router.route(10.0)
    with pytest.raises(ValueError, match="time must not go back"):
        router.route(9.0)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"overflow": (OverflowStep(30, 1), OverflowStep(30, 1))}, "must increase"),
    ({"overflow": (OverflowStep(-1, 1),)}, "must increase"),
    ({"min_level": 3, "overflow": (OverflowStep(30, 5),)}, "only lower"),
    ({"min_level": 11}, "not 1..10"),
])
def test_policy_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        QueuePolicy("BJ-order", "BJ", "order", **kwargs)


def test_bad_inputs():
    router = Router(POLICIES)
    router.enqueue(call("c1"))
    with pytest.raises(ValueError, match="already waiting"):
        router.enqueue(call("c1"))
    with pytest.raises(ValueError, match="no queue"):
        router.enqueue(call("c2", "GZ-order"))
    with pytest.raises(ValueError, match="not 1..10"):
        agent(1, order=0)


def test_policy_steps_accumulate_branches():
    p = QueuePolicy("BJ-order", "BJ", "order", min_level=6, overflow=(
        OverflowStep(10, 6, ("SH",)), OverflowStep(20, 2, ("HQ",))))
    assert [(s.min_level, sorted(s.branches)) for s in p.steps] == [
        (6, ["BJ"]), (6, ["BJ", "SH"]), (2, ["BJ", "HQ", "SH"])]
    assert p.step_at(100.0, 109.99).index == 0 and p.step_at(100.0, 110.0).index == 1
    assert p.reach == {"BJ", "SH", "HQ"}


# -- property-based -------------------------------------------------------------------------

BRANCHES = ("BJ", "SH", "HQ")
TYPES = ("order", "complaint")
AGENT_IDS = range(1, 7)
TIMES = st.sampled_from([0, 0, 1, 5, 10, 20, 30, 0.5, 29.999])


@st.composite
def policies(draw):
    out = []
    for branch in BRANCHES:
        for bt in TYPES:
            base = draw(st.sampled_from([1, 1, 3, 6, 10]))
            steps, after, level = [], 0, base
            for _ in range(draw(st.integers(0, 2))):
                after += draw(st.sampled_from([1, 5, 10, 20, 30]))
                level = draw(st.integers(1, level))
                steps.append(OverflowStep(after, level, tuple(
                    draw(st.sets(st.sampled_from(BRANCHES), max_size=2)))))
            max_wait = draw(st.none() | st.sampled_from([10, 30, 60]))
            out.append(QueuePolicy(f"{branch}-{bt}", branch, bt, tuple(steps), base, max_wait))
    return out


LEVELS = st.sampled_from([1, 2, 3, 6, 6, 9, 10])
SKILLS = st.dictionaries(st.sampled_from(TYPES + ("lang:en",)), LEVELS, min_size=1)
ADD = st.tuples(st.just("add"), st.sampled_from(AGENT_IDS), st.sampled_from(BRANCHES), SKILLS,
                st.integers(0, 3))
ENQUEUE = st.tuples(st.just("enqueue"), st.sampled_from(BRANCHES), st.sampled_from(TYPES),
                    st.sampled_from(("zh", "zh", "en")), st.sampled_from((0, 0, 0, 1)),
                    st.sampled_from([0, 0, 3, 25]))
ROUTE = st.tuples(st.just("route"), TIMES)
OPS = st.one_of(
    ADD, ADD, ENQUEUE, ENQUEUE, ROUTE, ROUTE, ROUTE,
    st.tuples(st.just("remove"), st.sampled_from(AGENT_IDS)),
    st.tuples(st.just("dequeue"), st.integers(0, 20)),
    st.tuples(st.just("requeue"), st.integers(0, 20)),
)


def model_step(policy: QueuePolicy, enqueued_at: float, now: float) -> tuple[int, int, set]:
    """The step in force, computed apart from QueuePolicy.step_at."""
    index, level, branches = 0, policy.min_level, {policy.branch}
    for i, s in enumerate(policy.overflow, 1):
        if now >= enqueued_at + s.after_seconds:
            index, level, branches = i, s.min_level, branches | set(s.branches)
    return index, level, branches


def qualified(p: AgentProfile, c: WaitingCall, policy: QueuePolicy, now: float) -> bool:
    _, level, branches = model_step(policy, c.enqueued_at, now)
    skills = [c.business_type] + ([f"lang:{c.language}"] if c.language != "zh" else [])
    return p.branch in branches and all(p.skills.get(s, 0) >= level for s in skills)


class Model:
    """Rescans every waiting call and every available agent on each route()."""

    def __init__(self, policies):
        self.policies = {p.name: p for p in policies}
        self.agents: dict[int, AgentProfile] = {}
        self.calls: dict[str, tuple[tuple, WaitingCall]] = {}
        self.seq = 0
        self.max_sent: set[int] = set()

    def add(self, c: WaitingCall, front: bool) -> None:
        self.seq += 1
        self.calls[c.call_id] = ((-c.priority, 0 if front else 1, c.enqueued_at, self.seq), c)

    def route(self, now: float) -> list:
        out = []
        for _, c in sorted(self.calls.values(), key=lambda oc: oc[0]):
            policy = self.policies[c.queue]
            fits = [p for p in self.agents.values() if qualified(p, c, policy, now)]
            if fits:
                best = min(fits, key=lambda p: (-p.skills[c.business_type], p.idle_since,
                                                p.agent_id))
                del self.agents[best.agent_id], self.calls[c.call_id]
                out.append(("call", c.call_id, best.agent_id,
                            model_step(policy, c.enqueued_at, now)[0]))
        for order, c in sorted(self.calls.values(), key=lambda oc: oc[0]):
            wait = self.policies[c.queue].max_wait_seconds
            if wait is not None and now >= c.enqueued_at + wait and order[3] not in self.max_sent:
                self.max_sent.add(order[3])
                out.append(("max", c.call_id))
        return out


def as_tuples(decisions):
    return [("call", d.call_id, d.agent_id, d.step) if isinstance(d, Assignment)
            else ("max", d.call_id) for d in decisions]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies(), st.lists(OPS, min_size=20, max_size=60))
def test_random_events_route_like_the_model_and_keep_the_rules(pols, ops):
    run_against_the_model(pols, ops)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies(), st.lists(ENQUEUE, min_size=1, max_size=12), st.lists(ADD, max_size=6),
       st.lists(ROUTE, max_size=8))
def test_calls_waiting_then_agents_together_then_time(pols, calls, agents, routes):
    """Aimed at what route() does not rescan: calls that waited through a route(), agents added
    together, overflow timers firing while the same agents stay available."""
    run_against_the_model(pols, [*calls, ("route", 0), *agents, ("route", 1), *routes,
                                 ("route", 30), ("route", 30)])


def run_against_the_model(pols, ops):
    router, model = Router(pols), Model(pols)
    by_name = {p.name: p for p in pols}
    now, n = 0.0, 0
    profiles: dict[int, AgentProfile] = {}  # the last profile added per agent
    front: dict[str, bool] = {}  # per waiting call: requeued to the front?
    taken: set[int] = set()  # assigned, not added since
    gone: list[WaitingCall] = []  # assigned calls, for requeue_front
    for op in ops:
        kind = op[0]
        if kind == "add":
            _, aid, branch, skills, idle_back = op
            profiles[aid] = model.agents[aid] = AgentProfile(aid, branch, skills, now - idle_back)
            router.add_agent(profiles[aid])
            taken.discard(aid)
        elif kind == "remove":
            router.remove_agent(op[1])
            model.agents.pop(op[1], None)
        elif kind == "enqueue":
            _, branch, bt, lang, priority, back = op
            n += 1
            c = WaitingCall(f"c{n}", f"{branch}-{bt}", branch, bt, now - back, lang, priority)
            router.enqueue(c)
            model.add(c, front=False)
            front[c.call_id] = False
        elif kind == "dequeue" and model.calls:
            victim = sorted(model.calls)[op[1] % len(model.calls)]
            assert router.dequeue(victim).call_id == victim
            del model.calls[victim]
        elif kind == "requeue" and gone:
            c = gone.pop(op[1] % len(gone))
            router.requeue_front(c)
            model.add(c, front=True)
            front[c.call_id] = True
        elif kind == "route":
            now += op[1]
            waiting = router.waiting_calls()
            got = router.route(now)
            assert as_tuples(got) == model.route(now)
            assigned = [d for d in got if isinstance(d, Assignment)]
            for d in assigned:
                assert qualified(profiles[d.agent_id], d.call, by_name[d.call.queue], now), \
                    "an unqualified agent"
                assert d.agent_id not in taken, "two calls to one agent"
                taken.add(d.agent_id)
                gone.append(d.call)
            keys = [(-d.call.priority, not front[d.call_id], d.call.enqueued_at) for d in assigned]
            assert keys == sorted(keys), "assigned out of order"
            # Within a priority, no call still waiting longer was qualified for a given agent.
            left = [c for c in waiting if router.is_waiting(c.call_id)]
            for d in assigned:
                for c in left:
                    if (c.priority == d.call.priority and front[c.call_id] == front[d.call_id]
                            and c.enqueued_at < d.call.enqueued_at):
                        assert not qualified(profiles[d.agent_id], c, by_name[c.queue], now)
    assert {c.call_id for c in router.waiting_calls()} == set(model.calls)
    assert {p.agent_id for p in router.available_agents()} == set(model.agents)


@settings(max_examples=300, deadline=None)
@given(after=st.floats(0.001, 3600), enqueued_at=st.floats(0, 1e6), base=st.integers(2, 10),
       widen=st.sampled_from(["level", "branch"]), agent_late=st.booleans(),
       language=st.sampled_from(["zh", "en"]))
def test_overflow_happens_exactly_at_the_configured_time(after, enqueued_at, base, widen,
                                                         agent_late, language):
    step = (OverflowStep(after, base - 1) if widen == "level"
            else OverflowStep(after, base, ("HQ",)))
    router = Router([QueuePolicy("BJ-order", "BJ", "order", (step,), base)])
    level = base - 1 if widen == "level" else base
    who = AgentProfile(1, "BJ" if widen == "level" else "HQ", {"order": level, "lang:en": level},
                       0.0)
    boundary = enqueued_at + after
    just_before = math.nextafter(boundary, -math.inf)
    assume(just_before >= enqueued_at)
    router.enqueue(WaitingCall("c1", "BJ-order", "BJ", "order", enqueued_at, language))
    if not agent_late:
        router.add_agent(who)
    assert router.route(enqueued_at) == []
    if agent_late:
        router.add_agent(who)
    assert router.route(just_before) == []
    (a,) = router.route(boundary)
    assert (a.call_id, a.agent_id, a.step) == ("c1", 1, 1)
