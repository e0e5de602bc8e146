"""Routing decision time: one `Router.route(now)` after one event, in a steady state of 2,000
logged-in agents over 50 skills and 3 branches + headquarters, with about 500 calls waiting.

    .venv/bin/python bench/routing.py [--decisions 20000] [--warmup 5000] [--seed 4]

Every agent starts busy and 500 calls wait. Then, event by event (seeded random, simulated time
advancing ~5 ms an event): a busy agent becomes available, a call arrives, or a waiting call
leaves (the caller hangs up); calls that reach their queue's maximum wait take voicemail and leave
too. Assigned agents go back to busy. Arrivals keep the waiting calls near 500. After each event
`route(now)` is timed with time.perf_counter_ns (the decision), and so is the event's own update
of the router plus the decision. Also timed once: 500 calls routed at once to 2,000 agents all
available (an engine restart rebuilding everything). Writes bench/out/routing.json.
"""
import argparse
import json
import os
import platform
import random
import statistics
import time
from pathlib import Path

from acd.routing import (
    AgentProfile,
    Assignment,
    MaxWaitReached,
    OverflowStep,
    QueuePolicy,
    Router,
    WaitingCall,
)

OUT = Path(__file__).parent / "out"
GOAL_P99_US = 1000.0
AGENTS = 2000
WAITING = 500
BRANCHES = ("BJ", "SH", "GZ")
HQ = "HQ"
BUSINESS_TYPES = tuple(f"bt{i:02d}" for i in range(45))
LANGUAGES = ("en", "yue", "wuu", "min", "hak")  # with the 45 business types: 50 skills
STEP_SECONDS = 0.005  # mean simulated time between events


def policies() -> list[QueuePolicy]:
    out = []
    for bt in BUSINESS_TYPES:
        for branch in BRANCHES:
            out.append(QueuePolicy(f"{branch}-{bt}", branch, bt, min_level=4, max_wait_seconds=180,
                                   overflow=(OverflowStep(20, 1), OverflowStep(45, 1, (HQ,)))))
        out.append(QueuePolicy(f"{HQ}-{bt}", HQ, bt, max_wait_seconds=180))
    return out


def make_agents(rng: random.Random) -> list[tuple[int, str, dict[str, int]]]:
    branches = [b for b in BRANCHES for _ in range(600)] + [HQ] * 200
    agents = []
    for agent_id, branch in enumerate(branches, 1):
        skills = {bt: rng.randint(1, 10) for bt in rng.sample(BUSINESS_TYPES, rng.randint(3, 8))}
        if rng.random() < 0.3:
            skills[f"lang:{rng.choice(LANGUAGES)}"] = rng.randint(1, 10)
        agents.append((agent_id, branch, skills))
    return agents


class Traffic:
    """Random calls: busy queues and rare ones, mostly the default language."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.n = rng, 0
        self.weights = [1 / (i + 1) for i in range(len(BUSINESS_TYPES))]

    def call(self, at: float) -> WaitingCall:
        rng = self.rng
        self.n += 1
        branch = rng.choices(BRANCHES + (HQ,), (3, 3, 3, 1))[0]
        bt = rng.choices(BUSINESS_TYPES, self.weights)[0]
        language = rng.choice(LANGUAGES) if rng.random() < 0.1 else "zh"
        priority = rng.choices((0, 1, 2), (80, 15, 5))[0]
        return WaitingCall(f"c{self.n}", f"{branch}-{bt}", branch, bt, at, language, priority)


def percentiles(ns: list[int]) -> dict[str, float]:
    s = sorted(ns)
    pick = lambda q: s[min(len(s) - 1, int(q * len(s)))] / 1000  # noqa: E731
    return {"n": len(s), "p50_us": pick(0.50), "p99_us": pick(0.99), "p999_us": pick(0.999),
            "max_us": s[-1] / 1000, "mean_us": statistics.fmean(s) / 1000}


def steady(seed: int, warmup: int, decisions: int) -> dict[str, object]:
    rng = random.Random(seed)
    agents = make_agents(rng)
    profiles = {a[0]: a for a in agents}
    router = Router(policies())
    traffic = Traffic(rng)
    busy = list(profiles)  # agents on a call, wrapping up or paused: not in the router
    now = 1_000.0
    waiting: dict[str, None] = {}  # the bench's own list, to pick a caller who hangs up
    for _ in range(WAITING):
        call = traffic.call(now - rng.uniform(0, 60))
        router.enqueue(call)
        waiting[call.call_id] = None
    router.route(now)

    route_ns: dict[str, list[int]] = {"agent": [], "call": [], "leave": []}
    event_ns: dict[str, list[int]] = {"agent": [], "call": [], "leave": []}
    counts = {"assigned": 0, "overflowed": 0, "max_wait": 0, "decisions_with_assignment": 0}
    waiting_seen, available_seen = [], []
    clock = time.perf_counter_ns
    for i in range(warmup + decisions):
        now += rng.expovariate(1 / STEP_SECONDS)
        if len(waiting) < WAITING - 10:
            kind = "call"
        elif len(waiting) > WAITING + 10:
            kind = rng.choice(("agent", "leave"))
        else:
            kind = rng.choices(("agent", "call", "leave"), (45, 45, 10))[0]
        if kind == "agent" and not busy:
            kind = "call"
        # Pick the event's inputs before the clock starts.
        if kind == "agent":
            agent_id, branch, skills = profiles[busy.pop(rng.randrange(len(busy)))]
            profile = AgentProfile(agent_id, branch, skills, now)
        elif kind == "call":
            call = traffic.call(now)
            waiting[call.call_id] = None
        else:
            victim = rng.choice(list(waiting)) if waiting else None
            waiting.pop(victim, None)
        t0 = clock()
        if kind == "agent":
            router.add_agent(profile)
        elif kind == "call":
            router.enqueue(call)
        elif victim is not None:
            router.dequeue(victim)
        t1 = clock()
        decisions_out = router.route(now)
        t2 = clock()
        for d in decisions_out:
            del waiting[d.call_id]
            if isinstance(d, Assignment):
                busy.append(d.agent_id)
                counts["assigned"] += 1
                counts["overflowed"] += d.step > 0
            elif isinstance(d, MaxWaitReached):  # the caller takes voicemail
                router.dequeue(d.call_id)
                counts["max_wait"] += 1
        if i == warmup:
            started = now
        if i >= warmup:
            route_ns[kind].append(t2 - t1)
            event_ns[kind].append(t2 - t0)
            counts["decisions_with_assignment"] += any(
                isinstance(d, Assignment) for d in decisions_out)
            waiting_seen.append(router.waiting_count)
            available_seen.append(router.available_count)
    every = [ns for kind in route_ns for ns in route_ns[kind]]
    every_event = [ns for kind in event_ns for ns in event_ns[kind]]
    return {
        "decision": percentiles(every),
        "event_and_decision": percentiles(every_event),
        "decision_by_event": {k: percentiles(v) for k, v in route_ns.items() if v},
        "simulated_seconds": round(now - started, 1),
        "waiting_mean": round(statistics.fmean(waiting_seen), 1),
        "waiting_min_max": [min(waiting_seen), max(waiting_seen)],
        "available_agents_mean": round(statistics.fmean(available_seen), 1),
        "available_agents_max": max(available_seen),
        **counts,
    }


def bulk(seed: int, runs: int = 5) -> dict[str, object]:
    """500 calls and 2,000 available agents all new to one route()."""
    times, assigned = [], 0
    for run in range(runs):
        rng = random.Random(seed + run)
        router = Router(policies())
        traffic = Traffic(rng)
        for agent_id, branch, skills in make_agents(rng):
            router.add_agent(AgentProfile(agent_id, branch, skills, rng.uniform(0, 100)))
        for _ in range(WAITING):
            router.enqueue(traffic.call(1_000.0 - rng.uniform(0, 60)))
        t0 = time.perf_counter_ns()
        out = router.route(1_000.0)
        times.append(time.perf_counter_ns() - t0)
        assigned = sum(isinstance(d, Assignment) for d in out)
    return {"runs": runs, "median_ms": statistics.median(times) / 1e6,
            "max_ms": max(times) / 1e6, "assigned_last_run": assigned}


def main(seed: int, warmup: int, decisions: int) -> dict[str, object]:
    result = {
        "config": {"agents": AGENTS, "skills": len(BUSINESS_TYPES) + len(LANGUAGES),
                   "branches": [*BRANCHES, HQ], "waiting_target": WAITING, "seed": seed,
                   "warmup": warmup, "decisions": decisions, "mean_step_s": STEP_SECONDS},
        "steady": steady(seed, warmup, decisions),
        "bulk": bulk(seed),
        "python": platform.python_version(), "cpus": os.cpu_count(),
    }
    result["goals"] = {"decision_p99_us": GOAL_P99_US,
                       "decision_p99_met": result["steady"]["decision"]["p99_us"] < GOAL_P99_US}
    return result


def report(r: dict) -> None:
    s, d, e = r["steady"], r["steady"]["decision"], r["steady"]["event_and_decision"]
    ok = "met" if r["goals"]["decision_p99_met"] else "MISSED"
    print(f"\n{r['config']['agents']:,} agents, {r['config']['skills']} skills, "
          f"{len(r['config']['branches'])} branches; waiting {s['waiting_mean']:.0f} on average "
          f"({s['waiting_min_max'][0]}..{s['waiting_min_max'][1]}), available agents "
          f"{s['available_agents_mean']:.0f} on average (max {s['available_agents_max']}); "
          f"{d['n']:,} decisions over {s['simulated_seconds']:,} simulated s: "
          f"{s['assigned']:,} assigned ({s['overflowed']:,} after an overflow), "
          f"{s['max_wait']:,} to voicemail")
    print(f"{'measure':<44} {'p50':>8} {'p99':>8} {'p99.9':>8} {'max':>8}   goal")
    rows = [("decision: route(now) after one event", d, f"p99 < {GOAL_P99_US:,.0f} µs  {ok}"),
            ("event update + decision", e, "")]
    rows += [(f"  decision after {k}", v, "") for k, v in s["decision_by_event"].items()]
    for name, v, goal in rows:
        print(f"{name:<44} {v['p50_us']:>6.1f}µs {v['p99_us']:>6.1f}µs {v['p999_us']:>6.1f}µs "
              f"{v['max_us']:>6.0f}µs   {goal}")
    b = r["bulk"]
    print(f"bulk: 500 calls, 2,000 available agents, one route(): median {b['median_ms']:.1f} ms, "
          f"max {b['max_ms']:.1f} ms ({b['assigned_last_run']} assigned)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    result = main(args.seed, args.warmup, args.decisions)
    OUT.mkdir(exist_ok=True)
    (OUT / "routing.json").write_text(json.dumps(result, indent=2))
    report(result)
