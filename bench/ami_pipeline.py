"""AMI event pipeline: events per second from a loopback socket through parsing, typing and the
call tracker, side by side with a bare read-and-split of the same bytes; then the delay from
socket to tracker at a paced rate. A replay server in its own process plays the PBX from a
transcript recorded on a real Asterisk (bench/record_transcript.py).

    .venv/bin/python bench/ami_pipeline.py [--transcript PATH] [--rate 5000] [--seconds 20]
                                           [--runs 3]
"""
import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing as mp
import os
import platform
import socket
import statistics
import sys
import threading
import time
from array import array
from multiprocessing.connection import Connection
from pathlib import Path

from record_transcript import DEFAULT_TRANSCRIPT, event_messages

from acd.tracker import CallTracker
from asterisk.ami import AmiClient, LinkDown, LinkUp
from asterisk.settings import AmiSettings

OUT = Path(__file__).parent / "out"
GOAL_EPS = 20_000
GOAL_P99_MS = 10.0
BANNER = b"Asterisk Call Manager/11.0.0\r\n"
SEP = b"\r\n\r\n"
CHUNK = 64 * 1024


# -- the replay server (child process) ----------------------------------------------------------

def serve(path: str, limit: int, rate: float | None, conn: Connection) -> None:
    """One connection: banner, Login and Ping answered, then the events, as fast as the socket
    takes them (rate None) or paced on a 1 ms tick. Sends back the send time of every event."""
    messages = event_messages(Path(path).read_bytes())[:limit]
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(30)
        conn.send(listener.getsockname()[1])
        sock, _ = listener.accept()
    with sock:
        sock.settimeout(120)
        # As Asterisk's manager does ("Failed to set TCP_NODELAY on manager connection"); with
        # Nagle on, a paced sender waits on the reader's delayed ACKs (tens of ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        lock = threading.Lock()  # event chunks and action replies interleave at message bounds
        logged_in = threading.Event()
        sock.sendall(BANNER)  # before any reply: the client sends Login without waiting for it
        answers = threading.Thread(target=answer_actions, args=(sock, lock, logged_in),
                                   daemon=True)
        answers.start()
        if not logged_in.wait(10):
            raise RuntimeError("no Login from the client")
        if rate:
            sent = stream_paced(sock, lock, messages, rate)
        else:
            sent = stream_all(sock, lock, messages)
        conn.send_bytes(sent.tobytes())
        answers.join(120)  # until the client hangs up


def stream_all(sock: socket.socket, lock: threading.Lock, messages: list[bytes]) -> array:
    chunks, current, size = [], [], 0
    for message in messages:
        current.append(message)
        size += len(message)
        if size >= CHUNK:
            chunks.append(b"".join(current))
            current, size = [], 0
    chunks.append(b"".join(current))
    first = time.perf_counter()
    for chunk in chunks:
        with lock:
            sock.sendall(chunk)
    return array("d", [first])


def stream_paced(sock: socket.socket, lock: threading.Lock, messages: list[bytes],
                 rate: float) -> array:
    sent_at = array("d")
    sent, start = 0, time.perf_counter()
    tick = start
    while sent < len(messages):
        due = min(len(messages), int((time.perf_counter() - start) * rate) + 1)
        if due > sent:
            now = time.perf_counter()
            with lock:
                sock.sendall(b"".join(messages[sent:due]))
            sent_at.extend([now] * (due - sent))
            sent = due
        tick += 0.001
        time.sleep(max(0.0, tick - time.perf_counter()))
    return sent_at


def answer_actions(sock: socket.socket, lock: threading.Lock, logged_in: threading.Event) -> None:
    with contextlib.suppress(OSError):  # the client hangs up, perhaps with a reply unread
        read_actions(sock, lock, logged_in)


def read_actions(sock: socket.socket, lock: threading.Lock, logged_in: threading.Event) -> None:
    buf = b""
    while data := sock.recv(65536):
        *actions, buf = (buf + data).split(SEP)
        for raw in actions:
            lines = raw.decode().split("\r\n")
            fields = dict(line.split(": ", 1) for line in lines if ": " in line)
            action, action_id = fields.get("Action", "").lower(), fields.get("ActionID", "")
            if action == "login":
                reply = "Response: Success\r\nMessage: Authentication accepted"
            elif action == "ping":
                reply = f"Response: Success\r\nPing: Pong\r\nTimestamp: {time.time():.6f}"
            else:
                reply = "Response: Error\r\nMessage: Not supported by the replay"
            with lock:
                sock.sendall(f"{reply}\r\nActionID: {action_id}\r\n\r\n".encode())
            if action == "login":
                logged_in.set()


class Replay:
    """The replay server process around one client run."""

    def __init__(self, transcript: Path, limit: int, rate: float | None = None) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=serve, args=(str(transcript), limit, rate, child),
                                daemon=True)

    def __enter__(self) -> int:
        self.proc.start()
        if not self.conn.poll(30):
            raise RuntimeError("replay server did not start")
        return self.conn.recv()

    def sent_at(self) -> array:
        if not self.conn.poll(60):
            raise RuntimeError("replay server sent no send times")
        sent = array("d")
        sent.frombytes(self.conn.recv_bytes())
        return sent

    def __exit__(self, *exc: object) -> None:
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(5)


# -- the clients ---------------------------------------------------------------------------------

async def baseline(port: int, events: int) -> float:
    """Read and split on the blank line, nothing more; returns when the last event is counted."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"Action: Login\r\nActionID: 1\r\nUsername: hotline\r\nSecret: x\r\n\r\n")
    buf, seen = b"", 0
    try:
        while seen < events + 1:  # the first message is the banner line plus the login reply
            data = await reader.read(65536)
            if not data:
                raise EOFError("replay closed early")
            *messages, buf = (buf + data).split(SEP)
            seen += len(messages)
        return time.perf_counter()
    finally:
        writer.close()


async def pipeline(port: int, events: int, stamps: array | None = None) -> tuple[float, int]:
    """The real AmiClient -> queue -> CallTracker.feed; returns when the last event is fed, and
    how many calls the tracker closed (a check that it did real work)."""
    client = AmiClient(AmiSettings(port=port))
    tracker = CallTracker()

    async def consume() -> tuple[float, int]:
        seen = closed = 0
        while seen < events:
            item = await client.queue.get()
            deltas = tracker.feed(item)
            if deltas and deltas[-1].closed:
                closed += 1
            if isinstance(item, LinkDown):
                raise RuntimeError(f"link down: {item.reason}")
            if isinstance(item, LinkUp):
                continue
            seen += 1
            if stamps is not None:
                stamps.append(time.perf_counter())
        return time.perf_counter(), closed

    runner = asyncio.create_task(client.run())
    try:  # one deadline for the whole run: a wait_for per event would cost a task each
        return await asyncio.wait_for(consume(), 30 + events / 1000)
    except TimeoutError:
        raise RuntimeError(f"pipeline stalled (last AMI error: {client.last_error})") from None
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)


def throughput(transcript: Path, events: int, kind: str) -> tuple[float, int | None]:
    """Events/s from the first event byte sent to the last event counted or fed."""
    replay = Replay(transcript, events)
    with replay as port:
        if kind == "baseline":
            done, closed = asyncio.run(baseline(port, events)), None
        else:
            done, closed = asyncio.run(pipeline(port, events))
        first = replay.sent_at()[0]
    return events / (done - first), closed


def latency(transcript: Path, events: int, rate: float) -> dict[str, float | int]:
    stamps = array("d")
    replay = Replay(transcript, events, rate)
    with replay as port:
        _, closed = asyncio.run(pipeline(port, events, stamps))
        sent = replay.sent_at()
    delays = sorted((done - at) * 1000 for done, at in zip(stamps, sent, strict=True))
    return {
        "events": events, "calls_closed": closed, "rate_target": rate,
        "rate_achieved": round((events - 1) / (sent[-1] - sent[0]), 1),
        "p50_ms": pct(delays, 0.50), "p99_ms": pct(delays, 0.99),
        "p999_ms": pct(delays, 0.999), "max_ms": round(delays[-1], 3),
    }


def pct(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 3)


def main(transcript: Path, rate: float, seconds: float, runs: int) -> dict[str, object]:
    data = transcript.read_bytes()
    total = len(event_messages(data))
    runs_eps: dict[str, list[float]] = {"baseline": [], "pipeline": []}
    closed: int | None = None
    for i in range(runs):
        for kind in runs_eps:  # alternate, so both see the same machine state
            eps, calls = throughput(transcript, total, kind)
            runs_eps[kind].append(round(eps))
            closed = calls if calls is not None else closed
            print(f"  run {i + 1} {kind}: {runs_eps[kind][-1]:,} events/s", flush=True)
    paced = min(total, int(rate * seconds))
    print(f"  latency: {paced:,} events at {rate:,.0f}/s ...", flush=True)
    lat = latency(transcript, paced, rate)
    base, pipe = (statistics.median(runs_eps[k]) for k in ("baseline", "pipeline"))
    return {
        "transcript": str(transcript), "transcript_bytes": len(data), "events": total,
        "throughput": {
            "baseline_eps": runs_eps["baseline"], "pipeline_eps": runs_eps["pipeline"],
            "baseline_median_eps": base, "pipeline_median_eps": pipe,
            "pipeline_over_baseline": round(pipe / base, 4), "calls_closed": closed,
        },
        "latency": lat,
        "goals": {"pipeline_eps": GOAL_EPS, "p99_ms": GOAL_P99_MS,
                  "pipeline_eps_met": pipe >= GOAL_EPS, "p99_met": lat["p99_ms"] < GOAL_P99_MS},
        "python": platform.python_version(), "cpus": os.cpu_count(),
    }


def report(r: dict) -> None:
    t, lat, g = r["throughput"], r["latency"], r["goals"]
    ok = {True: "met", False: "MISSED"}
    print(f"\ntranscript {r['transcript']}: {r['events']:,} events, "
          f"{r['transcript_bytes']:,} bytes")
    rows = [
        ("baseline read+split (median)", f"{t['baseline_median_eps']:,.0f} ev/s", ""),
        ("pipeline parse+type+tracker (median)", f"{t['pipeline_median_eps']:,.0f} ev/s",
         f">= {GOAL_EPS:,} ev/s  {ok[g['pipeline_eps_met']]}"),
        ("pipeline / baseline", f"{t['pipeline_over_baseline']:.3f}", ""),
        (f"paced rate achieved (target {lat['rate_target']:,.0f})",
         f"{lat['rate_achieved']:,.0f} ev/s", ""),
        ("delay socket->tracker p50", f"{lat['p50_ms']:.3f} ms", ""),
        ("delay socket->tracker p99", f"{lat['p99_ms']:.3f} ms",
         f"< {GOAL_P99_MS:g} ms  {ok[g['p99_met']]}"),
        ("delay socket->tracker p99.9", f"{lat['p999_ms']:.3f} ms", ""),
        ("delay socket->tracker max", f"{lat['max_ms']:.3f} ms", ""),
    ]
    print(f"{'measure':<40} {'measured':>16}   goal")
    for name, value, goal in rows:
        print(f"{name:<40} {value:>16}   {goal}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--transcript", type=Path, default=DEFAULT_TRANSCRIPT)
    parser.add_argument("--rate", type=float, default=5000, help="paced events per second")
    parser.add_argument("--seconds", type=float, default=20, help="length of the paced run")
    parser.add_argument("--runs", type=int, default=3, help="throughput runs of each kind")
    args = parser.parse_args()
    if not args.transcript.exists():
        sys.exit(f"no transcript at {args.transcript}: run "
                 ".venv/bin/python bench/record_transcript.py first")
    result = main(args.transcript, args.rate, args.seconds, args.runs)
    OUT.mkdir(exist_ok=True)
    (OUT / "ami_pipeline.json").write_text(json.dumps(result, indent=2))
    report(result)
