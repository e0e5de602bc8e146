"""The event loop's CPU for the call log and the journal: what persisting a call costs the
engine's one thread, on SQLite (the embedded default) or PostgreSQL.

    .venv/bin/python bench/call_log.py [--calls 2000] [--live 400] [--batch 100] [--url URL]

Each call replays the recorded AMI transcript of a real call (tests/unit/transcripts/
fallback_call.ami: 47 events) under a linkedid of its own, through the tracker. `--live` calls
are in progress at once, their events interleaved, and the call log writes every `--batch`
deltas, as the engine's flush every 50 ms does at about 40 calls a second. Each call also
journals 4 IVR steps and 2 agent transitions. Timed with the main thread's CPU clock (the
SQLite driver's own thread is apart): the tracker, then the call log's and the journal's writes.
Writes bench/out/call_log.json.
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from acd.call_log import CallLog  # noqa: E402
from acd.tracker import CallTracker  # noqa: E402
from asterisk.ami_protocol import AmiParser  # noqa: E402
from asterisk.events import to_event  # noqa: E402
from cli.main import run as run_loop  # noqa: E402
from migrations import runner  # noqa: E402
from models import AgentTransition, IvrStep, make_engine, make_sessionmaker, utcnow  # noqa: E402
from models.journal import Journal  # noqa: E402
from services.demo import seed  # noqa: E402

TRANSCRIPT = ROOT / "tests/unit/transcripts/fallback_call.ami"
OUT = Path(__file__).parent / "out"


def calls_of(count: int) -> list[list[bytes]]:
    """The transcript's events as raw AMI messages, once per call, each with its own ids."""
    raw = TRANSCRIPT.read_bytes()
    template = [m for m in raw.split(b"\r\n\r\n") if b"Event:" in m]
    linkedid = b"1795335568.0"
    return [[m.replace(linkedid, f"1795335568.{n}".encode()) + b"\r\n\r\n" for m in template]
            for n in range(1, count + 1)]


def interleaved(calls: list[list[bytes]], live: int) -> list[bytes]:
    """The calls' messages in the order the PBX sends them with `live` calls in progress."""
    out, active, waiting = [], [], list(reversed(calls))
    while active or waiting:
        while waiting and len(active) < live:
            active.append(iter(waiting.pop()))
        for it in list(active):
            message = next(it, None)
            if message is None:
                active.remove(it)
            else:
                out.append(message)
    return out


def journal_rows(n: int) -> list:
    """What the IVR and the desk journal for a call: its IVR steps, an agent's transitions."""
    linkedid, now = f"1795335568.{n}", utcnow()
    steps = [IvrStep(pbx_server="local", linkedid=linkedid, seq=seq, state=state,
                     prompt="welcome", keys=keys, result="ok", entered_at=now, duration_ms=1500)
             for seq, (state, keys) in enumerate((("menu", "1"), ("card", "110100001#"),
                                                  ("route", ""), ("transfer", "")))]
    return steps + [AgentTransition(agent_id=1, at=now, from_state=before, to_state=after,
                                    event=event, call_linkedid=linkedid)
                    for before, after, event in (("available", "reserved", "reserve"),
                                                 ("reserved", "on_call", "connected"))]


async def bench(args: argparse.Namespace, work: Path) -> dict:
    url = args.url or f"sqlite+aiosqlite:///{work / 'hotline.db'}"
    await runner.upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    await seed(sessions)  # agents for the transitions
    call_log, journal, tracker = CallLog(sessions), Journal(sessions), CallTracker()
    parser = AmiParser()
    parser.feed(b"Asterisk Call Manager/11.0.0\r\n")  # the banner opens the stream
    messages = interleaved(calls_of(args.calls), args.live)
    ended = 0
    cpu = {"tracker": 0.0, "call_log": 0.0, "journal": 0.0}
    wall = time.perf_counter()
    try:
        for i, raw in enumerate(messages, 1):
            t0 = time.thread_time()
            for message in parser.feed(raw):
                deltas = tracker.feed(to_event(message, "local"))
                call_log.submit(deltas)
                for d in deltas:
                    if d.closed:
                        ended += 1
                        for row in journal_rows(ended):
                            journal.submit(row)
            cpu["tracker"] += time.thread_time() - t0
            if i % args.batch == 0 or i == len(messages):
                t0 = time.thread_time()
                await call_log.flush()
                cpu["call_log"] += time.thread_time() - t0
                t0 = time.thread_time()
                await journal.flush()
                cpu["journal"] += time.thread_time() - t0
        wall = time.perf_counter() - wall
    finally:
        await engine.dispose()
    return {"backend": url.split(":", 1)[0], "calls": args.calls, "ended": ended,
            "events": len(messages), "live": args.live, "deltas_per_write": args.batch,
            "wall_s": round(wall, 2),
            "cpu_ms_per_call": {k: round(v * 1000 / args.calls, 3) for k, v in cpu.items()},
            "rows_written": {"call_log_deltas": call_log.written, "journal": journal.written}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--live", type=int, default=400)
    parser.add_argument("--batch", type=int, default=100, help="deltas between writes")
    parser.add_argument("--url", help="a database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hotline-call-log-") as work:
        result = run_loop(bench(args, Path(work)))
    OUT.mkdir(exist_ok=True)
    (OUT / "call_log.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
