"""How soon an administrator's change is live on the real PBX (issue 22's figures, goal < 2 s
each), with the engine in this process and a PBX never restarted.

    .venv/bin/python bench/admin_live.py [--rounds 10] [--keep]

Per round, over the API:
- agent created -> can log in: POST /agent-accounts (a Beijing agent with the order skill) ->
  a sipp phone registers its account with the generated secret (accepted only once the PBX has
  reloaded it) -> POST /agents/{n}/login -> the agent available (its phone answered the session).
  Also "created -> registered", the PBX's part.
- menu changed -> offered on the next call: POST /business-types (key 6, prompts spoken from the
  names, queues rendered and app_queue reloaded) returning; then the IVR's next menu offers the key
  and the PBX shows its prompt (both checked); the type is deleted again for the next round.
Writes bench/out/admin_live.json.
"""
import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from connect_latency import admin_client, engine_on_pbx, prepare, run, softphone  # noqa: E402

from asterisk.sipp_phone import register  # noqa: E402
from ivr import flow  # noqa: E402
from runtime.provision import local_pbx, pbx_layout  # noqa: E402

GOAL_S = 2.0


async def until(check, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {timeout} s: no")
        await asyncio.sleep(0.005)


async def agent_round(http, engine, settings, work: Path, procs: list, number: str
                      ) -> tuple[float, float]:
    started = time.perf_counter()
    made = await http.post("/agent-accounts", json={
        "number": number, "name": "bench", "branch": "BJ", "pin": "4321",
        "skills": [{"skill": "order-zh", "level": 5}]})
    made.raise_for_status()
    contact = await softphone(work, procs)
    if await register(settings.pbx.sip_port, work, f"agent-{number}", made.json()["sip_secret"],
                      contact):
        raise RuntimeError(f"agent-{number} was not registered")
    registered = time.perf_counter() - started
    (await http.post(f"/agents/{number}/login")).raise_for_status()
    agent = engine.desk.agent_by_number(number)
    await until(lambda: engine.desk.sessions.machine(agent.id).state == "available",
                f"agent {number} available")
    return registered, time.perf_counter() - started


async def menu_round(http, engine, settings) -> float:
    started = time.perf_counter()
    made = await http.post("/business-types", json={
        "code": "benchkey", "name_zh": "测试业务", "name_en": "testing", "menu_key": "6"})
    made.raise_for_status()
    elapsed = time.perf_counter() - started
    ctx = await engine.ivr.store.menu_context("13311112222")
    if "bt-benchkey" not in flow.IvrFlow(ctx).start().say:
        raise RuntimeError("the next call's menu does not offer the new key")
    if not (settings.pbx.run_dir / "prompts" / "zh" / "bt-benchkey.wav").is_file():
        raise RuntimeError("the PBX does not have the new prompt")
    (await http.delete("/business-types/benchkey")).raise_for_status()
    return elapsed


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50_s": round(statistics.median(values), 3),
            "max_s": round(max(values), 3)}


async def bench(args: argparse.Namespace, work: Path) -> dict:
    settings, db, sessions, _ = await prepare(work, 0, 200)
    procs: list = []
    endpoints, queues = await pbx_layout(sessions)
    registered, available, menu = [], [], []
    async with (engine_on_pbx(settings, local_pbx(settings, endpoints, queues), db, procs) as app,
                admin_client(app) as http):
        engine = app.state.engine
        for i in range(args.rounds):
            reg, ready = await agent_round(http, engine, settings, work, procs, str(8600 + i))
            registered.append(reg)
            available.append(ready)
            menu.append(await menu_round(http, engine, settings))
    return {"rounds": args.rounds, "goal_s": GOAL_S,
            "agent_created_to_registered": summary(registered),
            "agent_created_to_available": summary(available),
            "menu_changed_to_offered": summary(menu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the run folder")
    args = parser.parse_args()
    result = run(bench, args, "admin_live")
    ok = all(result[k]["max_s"] < GOAL_S for k in ("agent_created_to_available",
                                                   "menu_changed_to_offered"))
    for key in ("agent_created_to_registered", "agent_created_to_available",
                "menu_changed_to_offered"):
        s = result[key]
        print(f"{key.replace('_', ' ')}: p50 {s['p50_s']} s, max {s['max_s']} s "
              f"over {s['n']} rounds")
    print(f"goal: under {GOAL_S} s each: {'PASS' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
