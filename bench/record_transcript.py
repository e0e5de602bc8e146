"""Record a real AMI transcript for bench/ami_pipeline.py: a local PBX (no engine, so every call
takes the fallback queue with hold music), sipp placing calls, and a raw socket that writes every
AMI byte to bench/out/transcript.ami.

    .venv/bin/python bench/record_transcript.py [--events 100000] [--rate 50] [--hold-ms 1000]
                                                [--calls 2500] [--force]
"""
import argparse
import asyncio
import contextlib
import random
import re
import shutil
import socket
import tempfile
import time
from pathlib import Path

from asterisk.pbx import LocalPbx
from asterisk.ports import free_port
from asterisk.settings import AgiSettings, AmiSettings, PbxSettings
from asterisk.sipp_phone import write_scenario

OUT = Path(__file__).parent / "out"
DEFAULT_TRANSCRIPT = OUT / "transcript.ami"
MAX_BATCHES = 4  # bounded: each batch is sized from the events per call seen so far


def event_messages(data: bytes) -> list[bytes]:
    """The transcript's complete Event messages, each with its closing blank line (banner,
    responses and an unterminated tail dropped)."""
    if data.startswith(b"Asterisk Call Manager/"):
        data = data[data.index(b"\r\n") + 2:]
    messages = data.split(b"\r\n\r\n")[:-1]
    return [m + b"\r\n\r\n" for m in messages if m.startswith(b"Event:")]


async def record(sock_reader: asyncio.StreamReader, path: Path, stats: dict[str, int]) -> None:
    with path.open("wb") as out:
        while data := await sock_reader.read(65536):
            out.write(data)
            stats["bytes"] += len(data)
            stats["events"] += data.count(b"Event: ")  # a live estimate; recounted at the end


async def sipp(target: str, workdir: Path, calls: int, rate: float,
               hold_ms: int) -> tuple[int, int]:
    """Place `calls` calls; returns (successful, failed) as sipp reports them."""
    scenario = write_scenario(workdir, [], hold_ms)
    timeout = int(calls / rate + hold_ms / 1000 + 60)
    proc = await asyncio.create_subprocess_exec(
        "sipp", "-sf", str(scenario), "-s", "4000", "-key", "caller", "1380001", target,
        "-i", "127.0.0.1", "-p", str(free_port(socket.SOCK_DGRAM)),
        "-mp", str(free_port(socket.SOCK_DGRAM)), "-m", str(calls), "-r", str(rate),
        "-l", str(int(rate * (hold_ms / 1000 + 5))), "-timeout", f"{timeout}s", "-nostdin",
        cwd=workdir, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout + 10)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    text = out.decode(errors="replace")

    def stat(name: str) -> int:
        found = re.findall(rf"{name}\s*\|\s*\d+\s*\|\s*(\d+)", text)
        return int(found[-1]) if found else 0

    return stat("Successful call"), stat("Failed call")


async def main(path: Path, goal: int, rate: float, hold_ms: int, first_batch: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="hotline-rec-"))
    rtp = random.randrange(30000, 39000, 1000)
    pbx_settings = PbxSettings(run_dir=work / "pbx", sip_port=free_port(socket.SOCK_DGRAM),
                               rtp_start=rtp, rtp_end=rtp + 999)
    ami = AmiSettings(port=free_port())
    pbx = LocalPbx(pbx_settings, ami, AgiSettings(port=free_port()))
    stats = {"bytes": 0, "events": 0}
    calls = failed = 0
    started = time.monotonic()
    await pbx.up()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", ami.port)
        writer.write(f"Action: Login\r\nActionID: rec\r\nUsername: {ami.username}\r\n"
                     f"Secret: {ami.secret.get_secret_value()}\r\n\r\n".encode())
        recorder = asyncio.create_task(record(reader, path, stats))
        batch = first_batch
        for _ in range(MAX_BATCHES):
            ok, bad = await sipp(f"127.0.0.1:{pbx_settings.sip_port}", work, batch, rate, hold_ms)
            calls, failed = calls + ok, failed + bad
            await asyncio.sleep(2)  # let the last hangups reach AMI
            print(f"  {calls} calls ({failed} failed), ~{stats['events']} events so far",
                  flush=True)
            if stats["events"] >= goal or calls == 0:
                break
            per_call = stats["events"] / calls
            batch = int((goal - stats["events"]) / per_call * 1.1) + 50
        writer.close()
        recorder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await recorder
    finally:
        await pbx.down()
        shutil.rmtree(work, ignore_errors=True)
    events = len(event_messages(path.read_bytes()))
    print(f"recorded {path}: {events} events, {path.stat().st_size} bytes, {calls} calls "
          f"({failed} failed) in {time.monotonic() - started:.0f} s")
    if events < goal:
        raise SystemExit(f"only {events} events (< {goal}): run again with --force and more calls")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_TRANSCRIPT)
    parser.add_argument("--events", type=int, default=100_000, help="at least this many events")
    parser.add_argument("--rate", type=float, default=50, help="calls per second")
    parser.add_argument("--hold-ms", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=2500, help="calls in the first batch")
    parser.add_argument("--force", action="store_true", help="record anew even if one exists")
    args = parser.parse_args()
    if args.out.exists() and not args.force:
        existing = len(event_messages(args.out.read_bytes()))
        if existing >= args.events:
            print(f"reusing {args.out}: {existing} events, {args.out.stat().st_size} bytes "
                  "(--force to record anew)")
            raise SystemExit(0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(args.out, args.events, args.rate, args.hold_ms, args.calls))
