"""Pacers side by side on the same simulated days: our predictive, plain progressive, a ratio
dialer adapting as VICIdial's ADAPT_HARD_LIMIT is publicly described, and a clairvoyant
ceiling; common random numbers (the k-th call of a seed reaches the same customer whatever the
pacer), each seed one 8-hour day.

    .venv/bin/python bench/dialer_pacing.py [--agents 10,20,50,100] [--seeds 20] [--workers 1]
                                            [--scenario bench/scenarios/outbound-survey.json ...]

Reports per scenario, agent count and pacer: occupancy ((talk + wrap-up) / staffed time, inside
the day), talk minutes per agent-hour, the abandon rate as the regulator counts it (a person
with no agent within the grace time, or dropped by answering-machine detection as a machine):
mean, worst day, worst 30 minutes and share of days over the scenario's `abandon_target`, and
the worst day and 30 minutes without AMD's false positives (what the dialer sees); the 95th
percentile of an agent's wait between calls. Checks the goal (every day within the target, no
30 minutes over 5 %; occupancy at least 85 / 90 / 94 / 96 % for 10 / 20 / 50 / 100 agents, every
day too). A scenario whose AMD false positives alone reach its target, or would fill too much
of its smallest team's half hour, is refused AMD, as a campaign is, and runs without it.
Writes bench/out/dialer_pacing.json."""
import argparse
import dataclasses
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dialer.pacing import WINDOW_LIMIT  # noqa: E402
from dialer.simulator import Scenario, Simulation, as_run, pacer_for  # noqa: E402

PACERS = ("predictive", "progressive", "ratio", "clairvoyant")
OCCUPANCY_GOAL = {10: 0.85, 20: 0.90, 50: 0.94, 100: 0.96}


def day(args: tuple[Scenario, str, int]) -> dict:
    scenario, pacer, seed = args
    started = time.process_time()
    r = Simulation(scenario, pacer_for(pacer, scenario), seed).run()
    return {"scenario": scenario.name, "agents": scenario.agents, "pacer": pacer, "seed": seed,
            "occupancy": r.occupancy, "talk_minutes_per_agent_hour": r.talk_minutes_per_agent_hour,
            "abandon_rate": r.abandon_rate, "abandon_without_amd": r.abandon_rate_without_amd,
            "worst_window": r.worst_window(), "worst_window_without_amd":
                r.worst_window(with_amd=False),
            "waits": r.waits, "dialed": r.dialed, "live": r.live, "abandoned": r.abandoned,
            "amd_dropped": r.amd_dropped, "cpu_seconds": time.process_time() - started}


def summary(days: list[dict], target: float) -> dict:
    waits = sorted(w for d in days for w in d["waits"])
    n = len(days)
    return {
        "days": n,
        "occupancy": round(sum(d["occupancy"] for d in days) / n, 4),
        "occupancy_worst_day": round(min(d["occupancy"] for d in days), 4),
        "talk_minutes_per_agent_hour": round(sum(d["talk_minutes_per_agent_hour"]
                                                 for d in days) / n, 1),
        "abandon_mean": round(sum(d["abandon_rate"] for d in days) / n, 4),
        "abandon_worst_day": round(max(d["abandon_rate"] for d in days), 4),
        "abandon_worst_30_min": round(max(d["worst_window"] for d in days), 4),
        "days_over_target": round(sum(d["abandon_rate"] > target for d in days) / n, 3),
        "without_amd_worst_day": round(max(d["abandon_without_amd"] for d in days), 4),
        "without_amd_worst_30_min": round(max(d["worst_window_without_amd"] for d in days), 4),
        "agent_wait_p95_seconds": round(waits[int(0.95 * (len(waits) - 1))], 1) if waits else 0,
        "cpu_seconds_per_day": round(sum(d["cpu_seconds"] for d in days) / n, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default="10,20,50,100")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--pacers", default=",".join(PACERS))
    parser.add_argument("--scenario", type=Path, nargs="+",
                        default=[ROOT / "bench/scenarios/outbound-survey.json"])
    parser.add_argument("--workers", type=int, default=1, help="processes (the days are CPU-bound)")
    args = parser.parse_args()
    scenarios = [Scenario.load(path) for path in args.scenario]
    sizes = [int(n) for n in args.agents.split(",")]
    runs = {(s.name, n): as_run(s.with_agents(n)) for s in scenarios for n in sizes}
    for s in scenarios:
        refused = [n for n in sizes if s.amd and not runs[s.name, n].amd]
        if refused:
            print(f"{s.name}: AMD refused at {', '.join(map(str, refused))} agents "
                  f"(rule.amd_false_positives_over_target: {s.amd_false_positive:.1%} of people "
                  f"dropped, against the target {s.abandon_target:.1%} or what the smallest "
                  f"team's half hour can hold); runs without AMD there")
    jobs = [(run, pacer, seed) for run in runs.values() for pacer in args.pacers.split(",")
            for seed in range(1, args.seeds + 1)]
    started = time.monotonic()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            days = list(pool.map(day, jobs))
    else:
        days = [day(job) for job in jobs]
    report = {"scenarios": [dataclasses.asdict(s) for s in runs.values()], "seeds": args.seeds,
              "results": []}
    print(f"{'scenario':18} {'agents':>6} {'pacer':12} {'occupancy':>9} {'occ worst':>9} "
          f"{'abandon':>7} {'worst day':>9} {'worst 30m':>9} {'over':>5} {'no-AMD day':>10} "
          f"{'no-AMD 30m':>10} {'wait p95':>8} {'cpu s/day':>9}  goal")
    for (name, n), s in runs.items():
        for pacer in args.pacers.split(","):
            mine = [d for d in days if d["scenario"] == name and d["agents"] == n
                    and d["pacer"] == pacer]
            r = summary(mine, s.abandon_target)
            goal = OCCUPANCY_GOAL.get(n)
            met = (r["abandon_worst_day"] <= s.abandon_target
                   and r["abandon_worst_30_min"] <= WINDOW_LIMIT
                   and (goal is None or r["occupancy_worst_day"] >= goal))
            report["results"].append({"scenario": s.name, "agents": n, "pacer": pacer,
                                      **r, "goal_met": met})
            print(f"{s.name:18} {n:>6} {pacer:12} {r['occupancy']:>9.3f} "
                  f"{r['occupancy_worst_day']:>9.3f} {r['abandon_mean']:>7.4f} "
                  f"{r['abandon_worst_day']:>9.4f} {r['abandon_worst_30_min']:>9.4f} "
                  f"{r['days_over_target']:>5.2f} {r['without_amd_worst_day']:>10.4f} "
                  f"{r['without_amd_worst_30_min']:>10.4f} "
                  f"{r['agent_wait_p95_seconds']:>8.1f} {r['cpu_seconds_per_day']:>9.1f}  "
                  f"{'met' if met else 'not met'}", flush=True)
    print(f"{len(days)} days in {time.monotonic() - started:.0f} s")
    out = ROOT / "bench/out/dialer_pacing.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
