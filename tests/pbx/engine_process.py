"""The engine as `hotline serve` in a process of its own, for tests of what a `kill -9` leaves:
no finally block, no flush, no goodbye to the PBX runs when it is killed."""
import asyncio
import os
import pickle
import signal
import sys
from pathlib import Path

from httpx import AsyncClient

from asterisk.ports import free_port
from services.demo import DEMO_PASSWORD

# The child reads the test's settings (pickled: their secrets must reach it as they are).
CHILD = """
import pickle, sys
from cli.main import run, serve
from runtime.logs import setup_logging
settings = pickle.load(open(sys.argv[1], "rb"))
setup_logging(settings.log_level)
run(serve(settings))
"""


class EngineProcess:
    def __init__(self, settings, folder: Path) -> None:
        self.settings = settings.model_copy(deep=True)
        self.settings.http.host, self.settings.http.port = "127.0.0.1", free_port()
        self.folder = folder
        self.base_url = f"http://127.0.0.1:{self.settings.http.port}"
        self.proc: asyncio.subprocess.Process | None = None
        self.http: AsyncClient | None = None
        self.starts = 0

    async def start(self, timeout: float = 30.0) -> AsyncClient:
        """Started, linked to the PBX and resynced: a client logged in as the administrator."""
        self.starts += 1
        path = self.folder / "engine-settings.pickle"
        path.write_bytes(pickle.dumps(self.settings))
        log = open(self.folder / f"engine-{self.starts}.log", "wb")  # kept for a failure
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, str(path), stdout=log, stderr=log,
            cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
        log.close()
        client = AsyncClient(base_url=self.base_url, timeout=10)
        async with asyncio.timeout(timeout):
            while True:
                if self.proc.returncode is not None:
                    raise AssertionError(f"the engine exited: see {log.name}")
                try:
                    health = (await client.get("/health")).json()
                    if health.get("resynced_generation"):
                        break
                except Exception:  # not listening yet
                    pass
                await asyncio.sleep(0.1)
        reply = await client.post("/auth/token", data={"username": "admin",
                                                       "password": DEMO_PASSWORD})
        client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
        self.http = client
        return client

    async def kill(self) -> None:
        """SIGKILL: as a power cut or the OOM killer would end it."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        if self.http is not None:
            await self.http.aclose()
            self.http = None

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            await self.kill()
