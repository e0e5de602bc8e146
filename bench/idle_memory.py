"""Idle engine memory: `hotline serve` linked to a local PBX, RSS after it settles.

    .venv/bin/python bench/idle_memory.py [--settle 5]
"""
import argparse
import asyncio
import json
import os
import socket
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from asterisk.pbx import LocalPbx
from asterisk.ports import free_port
from asterisk.settings import AgiSettings, AmiSettings, PbxSettings
from migrations import runner

GOAL_MB = 150


def memory_mb(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines())
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}


async def main(settle: float) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    ports = {"sip": free_port(socket.SOCK_DGRAM), "ami": free_port(), "agi": free_port(),
             "http": free_port()}
    agi = AgiSettings(port=ports["agi"])  # its key, for the engine's process too
    pbx = LocalPbx(PbxSettings(run_dir=work / "pbx", sip_port=ports["sip"]),
                   AmiSettings(port=ports["ami"]), agi)
    db_url = f"sqlite+aiosqlite:///{work}/hotline.db"
    await runner.upgrade(db_url)
    await pbx.up()
    env = os.environ | {
        "HOTLINE_DB__URL": db_url, "HOTLINE_PBX__RUN_DIR": str(work / "pbx"),
        "HOTLINE_PBX__SIP_PORT": str(ports["sip"]), "HOTLINE_AMI__PORT": str(ports["ami"]),
        "HOTLINE_AGI__PORT": str(ports["agi"]), "HOTLINE_HTTP__PORT": str(ports["http"]),
        "HOTLINE_AGI__SECRET": agi.secret.get_secret_value(),
        "HOTLINE_LOG_LEVEL": "WARNING",
    }
    engine = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("hotline")), "serve", env=env)
    try:
        health = f"http://127.0.0.1:{ports['http']}/health"
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(health, timeout=1) as reply:
                    if json.load(reply)["status"] == "ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("engine not healthy in 20 s")
            await asyncio.sleep(0.2)
        await asyncio.sleep(settle)
        mem = memory_mb(engine.pid)
    finally:
        engine.terminate()
        await engine.wait()
        await pbx.down()
    return {"rss_mb": round(mem["VmRSS"], 1), "peak_rss_mb": round(mem["VmHWM"], 1),
            "goal_mb": GOAL_MB, "settle_s": settle}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settle", type=float, default=5.0)
    result = asyncio.run(main(parser.parse_args().settle))
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "idle_memory.json").write_text(json.dumps(result, indent=2))
    print(f"idle engine RSS {result['rss_mb']} MB (peak {result['peak_rss_mb']} MB), "
          f"goal < {GOAL_MB} MB")
