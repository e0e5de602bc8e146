"""Pacers side by side on the same simulated days: our predictive, plain progressive, a ratio
dialer adapting as VICIdial's ADAPT_HARD_LIMIT is publicly described, and a clairvoyant
ceiling; common random numbers (the k-th call of a seed reaches the same customer whatever the
pacer), each seed one 8-hour day.

    .venv/bin/python bench/dialer_pacing.py [--agents 10,20,50,100] [--seeds 20] [--workers 1]
                                            [--scenario bench/scenarios/outbound-survey.json]

Reports per agent count and pacer: occupancy ((talk + wrap-up) / staffed time), talk minutes per
agent-hour, abandon rate (a live answer with no agent within 2 s; mean and worst day), and the
95th percentile of an agent's wait between calls; checks the goal (abandon at most 3 % every
day; occupancy at least 85 / 90 / 94 / 96 % for 10 / 20 / 50 / 100 agents, every day too). Writes
bench/out/dialer_pacing.json."""
import argparse
import dataclasses
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dialer.pacing import Predictive, Progressive, Ratio  # noqa: E402
from dialer.simulator import Clairvoyant, Scenario, Simulation  # noqa: E402

PACERS = {"predictive": Predictive, "progressive": Progressive, "ratio": Ratio,
          "clairvoyant": Clairvoyant}
OCCUPANCY_GOAL = {10: 0.85, 20: 0.90, 50: 0.94, 100: 0.96}
ABANDON_LIMIT = 0.03


def day(args: tuple[Scenario, str, int]) -> dict:
    scenario, pacer, seed = args
    started = time.process_time()
    r = Simulation(scenario, PACERS[pacer](), seed).run()
    return {"agents": scenario.agents, "pacer": pacer, "seed": seed,
            "occupancy": r.occupancy, "talk_minutes_per_agent_hour": r.talk_minutes_per_agent_hour,
            "abandon_rate": r.abandon_rate, "waits": r.waits, "dialed": r.dialed,
            "live": r.live, "abandoned": r.abandoned, "cpu_seconds": time.process_time() - started}


def summary(days: list[dict]) -> dict:
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
        "agent_wait_p95_seconds": round(waits[int(0.95 * (len(waits) - 1))], 1) if waits else 0,
        "cpu_seconds_per_day": round(sum(d["cpu_seconds"] for d in days) / n, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default="10,20,50,100")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--pacers", default=",".join(PACERS))
    parser.add_argument("--scenario", type=Path,
                        default=ROOT / "bench/scenarios/outbound-survey.json")
    parser.add_argument("--workers", type=int, default=1, help="processes (the days are CPU-bound)")
    args = parser.parse_args()
    base = Scenario.load(args.scenario)
    jobs = [(dataclasses.replace(base, agents=int(n)), pacer, seed)
            for n in args.agents.split(",") for pacer in args.pacers.split(",")
            for seed in range(1, args.seeds + 1)]
    started = time.monotonic()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            days = list(pool.map(day, jobs))
    else:
        days = [day(job) for job in jobs]
    report = {"scenario": dataclasses.asdict(base), "seeds": args.seeds, "results": []}
    print(f"{'agents':>6} {'pacer':12} {'occupancy':>9} {'occ worst':>9} {'talk min/h':>10} "
          f"{'abandon':>8} {'worst day':>9} {'wait p95':>8} {'cpu s/day':>9}  goal")
    for n in args.agents.split(","):
        for pacer in args.pacers.split(","):
            mine = [d for d in days if d["agents"] == int(n) and d["pacer"] == pacer]
            s = summary(mine)
            goal = OCCUPANCY_GOAL.get(int(n))
            met = (s["abandon_worst_day"] <= ABANDON_LIMIT
                   and (goal is None or s["occupancy_worst_day"] >= goal))
            report["results"].append({"agents": int(n), "pacer": pacer, **s, "goal_met": met})
            print(f"{n:>6} {pacer:12} {s['occupancy']:>9.3f} {s['occupancy_worst_day']:>9.3f} "
                  f"{s['talk_minutes_per_agent_hour']:>10.1f} {s['abandon_mean']:>8.4f} "
                  f"{s['abandon_worst_day']:>9.4f} {s['agent_wait_p95_seconds']:>8.1f} "
                  f"{s['cpu_seconds_per_day']:>9.1f}  {'met' if met else 'not met'}", flush=True)
    print(f"{len(days)} days in {time.monotonic() - started:.0f} s")
    out = ROOT / "bench/out/dialer_pacing.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
