"""Answering-machine detection on spoken greetings, on the real PBX: how many people AMD drops as
machines (false positives: abandoned calls as the regulator counts them) and how many machines
it passes to agents as people (false negatives), per set of AMD parameters.

    .venv/bin/python bench/amd_voices.py [--calls 200] [--seed 26] [--agents 30]
        [--try NAME=key:value,...] [--keep]

The population is asterisk/spoken_greetings.py's (people's short answers and machines'
voicemail greetings, Mandarin and English, spoken by espeak-ng; seeded): each greeting answers
at a number of its own (13 + its index, then the campaign's digit), so every call's truth is
known. One progressive campaign per parameter set (amd.conf's, the 2.5 s greeting and 5 words
tuned on tones before, dialer/amd.py's TUNED, and any given with --try) dials the whole
population at once, its agents logged in with sipp softphones; the customers are one sipp
server. Per campaign, from the attempts the engine stored (the first per number): people whose
call AMD said MACHINE (the dialplan hangs those up; NOTSURE and HUMAN go to an agent) over the
people, machines passed over the machines, and what AMD said (AMDSTATUS:AMDCAUSE's first word)
per kind and per style. At most about 260 greetings: sipp reads 64 KiB of scenario.
Writes bench/out/amd_voices.json.
"""
import argparse
import asyncio
import json
import socket
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from connect_latency import admin_client, engine_on_pbx, in_session, prepare, run, softphone
from sqlalchemy import select

from asterisk.ports import free_port
from asterisk.sipp_customers import Population, write_customers_scenario
from asterisk.spoken_greetings import Greeting, greeting_pcaps, population
from dialer.amd import PARAMETERS, TUNED
from dialer.schedule import WEEKDAYS
from models import Contact, ContactAttempt
from runtime.provision import local_pbx, pbx_layout

PARAMETER_SETS: dict[str, dict[str, int]] = {
    "amd.conf": {},
    "2.5s/5 words": {"greeting": 2500, "maximum_number_of_words": 5},  # tuned on tones before
    "TUNED": TUNED,
}
TALK_MS = 10_000  # the customer hangs up then: after AMD has decided, whatever the parameters


def phone(index: int, campaign: int) -> str:
    return f"13{index:04d}{campaign}0000"


def prefix(index: int) -> str:
    return f"13{index:04d}"


def said(attempt: ContactAttempt) -> str:
    """AMD's status and the first word of its cause: MACHINE:MAXWORDS, HUMAN:HUMAN, ..."""
    status, _, cause = (attempt.amd_result or "none:").partition(":")
    return f"{status}:{cause.split('-')[0]}"


def figures(greetings: list[Greeting], attempts: list[ContactAttempt]) -> dict:
    by_kind: dict[str, Counter] = {"person": Counter(), "machine": Counter()}
    wrong: Counter = Counter()
    for a in attempts:
        g = greetings[int(a.phone[2:6])]
        dropped = a.outcome == "machine"
        by_kind[g.kind][said(a)] += 1
        if dropped == (g.kind == "person"):
            wrong[f"{g.kind} / {g.style} / {said(a)}"] += 1
    people = sum(by_kind["person"].values())
    machines = sum(by_kind["machine"].values())
    dropped = sum(n for k, n in by_kind["person"].items() if k.startswith("MACHINE"))
    passed = sum(n for k, n in by_kind["machine"].items() if not k.startswith("MACHINE"))
    return {"people": people, "people_dropped": dropped,
            "false_positive": round(dropped / people, 4) if people else None,
            "machines": machines, "machines_passed": passed,
            "false_negative": round(passed / machines, 4) if machines else None,
            "amd_said": {k: dict(sorted(v.items())) for k, v in by_kind.items()},
            "wrong_by_style": dict(wrong.most_common())}


def parameter_sets(tries: list[str]) -> dict[str, dict[str, int]]:
    sets = dict(PARAMETER_SETS)
    for spec in tries:
        name, _, values = spec.partition("=")
        sets[name] = dict(TUNED if name.startswith("TUNED+") else {})
        for pair in filter(None, values.split(",")):
            key, _, value = pair.partition(":")
            if key not in PARAMETERS:
                raise SystemExit(f"--try {spec}: no AMD parameter {key!r}")
            sets[name][key] = int(value)
    if len(sets) > 9:
        raise SystemExit("at most 9 parameter sets (a digit each in the numbers)")
    return sets


async def bench(args: argparse.Namespace, work: Path) -> dict:
    sets = parameter_sets(args.tries)
    greetings = population(args.calls, args.seed)
    started = time.monotonic()
    pcaps = greeting_pcaps(work, greetings)
    print(f"{len(greetings)} greetings spoken in {time.monotonic() - started:.0f} s", flush=True)
    settings, db, sessions, numbers = await prepare(work, args.agents, 2000)
    settings.dialer.max_lines = args.agents * 2
    settings.dialer.tick_seconds = 0.2
    procs: list = []
    phones = {f"agent-{n}": f"sip:agent@127.0.0.1:{await softphone(work, procs)}"
              for n in numbers}
    customers = Population(busy=0, failed=0, unanswered=0, ring_ms=(200, 400),
                           talk_ms=(TALK_MS, TALK_MS),
                           greetings=tuple((prefix(i), Path(p.name))  # sipp runs in `work`
                                           for i, p in enumerate(pcaps)))
    port = free_port(socket.SOCK_DGRAM)
    procs.append(await asyncio.create_subprocess_exec(
        "sipp", "-sf", str(write_customers_scenario(work, customers)), "-i", "127.0.0.1",
        "-p", str(port), "-mp", str(free_port(socket.SOCK_DGRAM)), "-m", "100000", "-nostdin",
        cwd=work, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))
    phones["customers"] = f"sip:customers@127.0.0.1:{port}"
    settings.pbx.static_contacts = phones
    endpoints, queues = await pbx_layout(sessions, phones)
    async with engine_on_pbx(settings, local_pbx(settings, endpoints, queues), db, procs) as app:
        engine = app.state.engine
        await in_session(engine, numbers, timeout=60)
        async with admin_client(app) as http:
            campaigns = await start_campaigns(http, sets, numbers, len(greetings))
        print(f"{len(sets)} campaigns of {len(greetings)} calls ...", flush=True)
        started = time.monotonic()
        async with asyncio.timeout(120 + 10 * len(greetings) * len(sets) / args.agents):
            while not await all_called(sessions, engine):
                await asyncio.sleep(0.5)
        await engine.dialer.flush()
        elapsed = time.monotonic() - started
    async with sessions() as s:
        attempts = list(await s.scalars(select(ContactAttempt).order_by(ContactAttempt.id)))
    first: dict[tuple[int, str], ContactAttempt] = {}
    for a in attempts:
        first.setdefault((a.campaign_id, a.phone), a)  # an abandoned person may be called again
    return {"calls": len(greetings), "seed": args.seed, "agents": args.agents,
            "seconds": round(elapsed), "parameters": sets,
            "results": {name: figures(greetings, [a for a in first.values()
                                                  if a.campaign_id == campaign_id])
                        for name, campaign_id in campaigns.items()}}


async def start_campaigns(http, sets: dict[str, dict[str, int]], agents: list[str],
                          calls: int) -> dict[str, int]:
    campaigns = {}
    for digit, (name, amd) in enumerate(sets.items(), start=1):
        reply = await http.post("/campaigns", json={
            "name": f"AMD {name}", "purpose": "promotion", "agents": agents,
            "mode": "progressive", "caller_id": "4008001234", "wrap_up_seconds": 0,
            "ring_seconds": 15, "detect_machines": True, "amd": amd,
            "windows": {day: [["00:00", "24:00"]] for day in WEEKDAYS},
            "starts_on": str(datetime.now(UTC).date() - timedelta(days=1))})
        reply.raise_for_status()
        campaigns[name] = reply.json()["id"]
        rows = "\n".join(["phone"] + [phone(i, digit) for i in range(calls)])
        upload = await http.post(f"/campaigns/{campaigns[name]}/contacts",
                                 files={"file": ("l.csv", rows.encode(), "text/csv")})
        if upload.json().get("added") != calls:
            raise RuntimeError(f"contacts not all added: {upload.text[:500]}")
    for campaign_id in campaigns.values():
        (await http.post(f"/campaigns/{campaign_id}/start")).raise_for_status()
    return campaigns


async def all_called(sessions, engine) -> bool:
    async with sessions() as s:
        contacts = list(await s.scalars(select(Contact)))
    return not engine.dialer.dials and all(c.attempts >= 1 and c.status != "dialing"
                                           for c in contacts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="greetings in the population")
    parser.add_argument("--seed", type=int, default=26)
    parser.add_argument("--agents", type=int, default=30)
    parser.add_argument("--try", dest="tries", action="append", default=[],
                        metavar="NAME=key:value,...",
                        help="another parameter set (amd.conf's defaults for the others; a "
                             "NAME starting with TUNED+ starts from TUNED)")
    parser.add_argument("--keep", action="store_true", help="keep the run folder")
    args = parser.parse_args()
    result = run(bench, args, "amd_voices")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    for name, r in result["results"].items():
        print(f"{name:>16}: people dropped {r['people_dropped']}/{r['people']} "
              f"({r['false_positive']:.1%}), machines passed {r['machines_passed']}/"
              f"{r['machines']} ({r['false_negative']:.1%})")


if __name__ == "__main__":
    main()
