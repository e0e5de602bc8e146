"""A PostgreSQL cluster of its own on a free loopback port, in a temp folder (as bin/pg-throwaway
makes one), for what must stop and start the server: the DB tier's restart tests and
bench/chaos.py. Never the shared server on 5432."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from asterisk.ports import free_port


class ThrowawayCluster:
    """initdb'd by `create()` and served (trust, user postgres, database `hotline`); `stop(mode)`
    and `start()` as pg_ctl does them; `remove()` stops it if it runs and deletes its folder."""

    def __init__(self) -> None:
        self.bin = max(Path("/usr/lib/postgresql").glob("*/bin"),
                       key=lambda p: int(p.parent.name))
        self.folder = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        self.data, self.port = self.folder / "data", free_port()
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/hotline"

    def _run(self, tool: str, *args: str) -> None:
        as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_owner, str(self.bin / tool), *args], check=True,
                       stdout=subprocess.DEVNULL)

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-A", "trust", "-U", "postgres", "-D", str(self.data))
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  "hotline")

    def start(self) -> None:
        self._run("pg_ctl", "-s", "-w", "-D", str(self.data), "-l", str(self.folder / "log"),
                  "-o", f"-h 127.0.0.1 -p {self.port} -k {self.folder}", "start")

    def stop(self, mode: str = "fast") -> None:
        """`immediate`: the postmaster and its backends quit at once, as in a crash."""
        self._run("pg_ctl", "-s", "-w", "-D", str(self.data), "-m", mode, "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
