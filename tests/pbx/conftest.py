"""The real PBX tier: a local Asterisk 22 per test on free ports, sipp as the phones, and the
engine running in the test's event loop. Missing prerequisites fail loudly, never skip."""
import asyncio
import os
import random
import shutil
import socket
from pathlib import Path

import pytest
import uvloop
from sqlalchemy import delete

from agent_api.app import create_app
from asterisk import sipp_phone as phones
from asterisk.pbx import LocalPbx
from asterisk.ports import free_port
from asterisk.settings import AgiSettings, AmiSettings, PbxSettings
from asterisk.sipp_customers import Population, write_customers_scenario
from ivr.settings import IvrSettings
from ivr.speech import build_prompts
from migrations import runner
from models import BusinessHours, make_engine, make_sessionmaker
from runtime.provision import local_pbx, pbx_layout
from runtime.settings import Settings
from services.demo import seed
from tests.conftest import RTP_BLOCK
from tests.pbx.helpers import api_client
from tests.pbx.rig import rig  # noqa: F401  (the fixture, for every PBX test)

pytestmark = pytest.mark.pbx


def pytest_asyncio_loop_factories(config, item):
    """The engine runs on the event loop it runs on in production (cli.main.run)."""
    return {"uvloop": uvloop.new_event_loop}


@pytest.fixture(scope="session", autouse=True)
def prerequisites():
    root = PbxSettings().root
    problems = []
    if not (root / "usr/sbin/asterisk").exists():
        problems.append(f"no PBX root at {root} (run bin/setup)")
    if shutil.which("sipp") is None:
        problems.append("sipp is not installed (Debian package sip-tester)")
    if os.geteuid() != 0:
        problems.append("the local PBX needs root (mount namespace and chroot)")
    if problems:
        pytest.fail("PBX tier prerequisites missing: " + "; ".join(problems), pytrace=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    rtp = random.randrange(*RTP_BLOCK, 100)  # this worker's own (tests/conftest.py)
    return Settings(
        data_dir=tmp_path,
        pbx=PbxSettings(run_dir=tmp_path / "pbx", sip_port=free_port(socket.SOCK_DGRAM),
                        rtp_start=rtp, rtp_end=rtp + 99),
        # Pings as in production: a tighter timeout takes a starved event loop (a busy
        # machine) for a dead link. A PBX that dies closes the socket, which is seen at once.
        ami=AmiSettings(port=free_port(), reconnect_min=0.05, reconnect_max=0.5),
        agi=AgiSettings(port=free_port(), header_timeout=1.0),
        db={"url": f"sqlite+aiosqlite:///{tmp_path}/hotline.db"},
    )


@pytest.fixture(scope="session")
def prompts() -> Path:
    """The prompt catalogue, built once (bin/setup has usually built it already)."""
    folder = IvrSettings().prompts_dir
    build_prompts(folder)
    return folder


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated and seeded once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("demo") / "hotline.db"

    async def build() -> None:
        url = f"sqlite+aiosqlite:///{path}"
        await runner.upgrade(url)
        db = make_engine(url)
        sessions = make_sessionmaker(db)
        await seed(sessions)
        async with sessions() as s, s.begin():
            await s.execute(delete(BusinessHours))
        await db.dispose()
    loop = asyncio.new_event_loop()  # a private loop: the tests' own loops come later
    try:
        loop.run_until_complete(build())
    finally:
        loop.close()
    return path


@pytest.fixture
async def database(settings: Settings, demo_database: Path):
    """Migrated, with the demo's branches, agents, retailers and orders; every branch open
    around the clock, so no test depends on the hour it runs at (a test of closed hours adds a
    holiday)."""
    shutil.copyfile(demo_database, settings.data_dir / "hotline.db")
    db = make_engine(settings.db.url)
    yield make_sessionmaker(db)
    await db.dispose()


@pytest.fixture
async def pbx(settings: Settings, database, prompts: Path):
    endpoints, queues = await pbx_layout(database)
    local = local_pbx(settings, endpoints, queues)
    await local.up()
    yield local
    await local.down()
    assert local.pid() is None


@pytest.fixture
async def engine(settings: Settings, pbx: LocalPbx):
    """The engine as `hotline serve` runs it (lifespan and all), linked to this test's PBX."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        engine = app.state.engine
        await engine.ami.wait_connected(timeout=5)
        async with asyncio.timeout(10):
            await engine.resynced.wait()
        engine.http = await api_client(app)
        yield engine


class Sipp:
    """A SIP phone. Scenarios are sipp's built-in ones or files in tests/pbx/scenarios."""

    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.target = f"127.0.0.1:{settings.pbx.sip_port}"
        self.workdir = workdir

    async def call(self, number: str, *, hold_ms: int = 1000, timeout: float = 20.0,
                   calls: int = 1, rate: float = 10, caller: str = "13800010001",
                   script: list[phones.Action] = (), secret: str | None = None) -> int:
        """Calls `number`, does the script (keys, speech, pauses), then hangs up after hold_ms
        unless the PBX hangs up first. With a secret, the caller is a phone with an account
        (named `caller`) and answers the PBX's challenge."""
        scenario = phones.write_scenario(self.workdir, list(script), hold_ms, secret is not None)
        credentials = ["-au", caller, "-ap", secret] if secret is not None else []
        args = ["sipp", "-sf", str(scenario), "-s", number, "-key", "caller", caller, self.target,
                *credentials,
                "-i", "127.0.0.1",
                "-p", str(free_port(socket.SOCK_DGRAM)), "-mp", str(free_port(socket.SOCK_DGRAM)),
                "-m", str(calls), "-r", str(rate),
                "-timeout", f"{int(timeout)}s", "-timeout_error", "-nostdin"]
        proc = await asyncio.create_subprocess_exec(
            *args, cwd=self.workdir, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        try:
            _, err = await asyncio.wait_for(proc.communicate(), timeout + 5)
        finally:
            if proc.returncode is None:  # timed out or cancelled: the phone goes too
                proc.kill()
                await proc.wait()
        if proc.returncode != 0:
            raise AssertionError(f"sipp failed ({proc.returncode}): {err.decode()[-500:]}")
        return proc.returncode

    def start(self, number: str, hold_ms: int) -> "asyncio.Task[int]":
        return asyncio.create_task(self.call(number, hold_ms=hold_ms, timeout=hold_ms / 1000 + 15))


@pytest.fixture
async def softphones(tmp_path: Path):
    """`start(tone=None, calls=1)` -> the port of a softphone that answers `calls` calls and
    stays on each until the PBX hangs up (sipp's uas; with a tone, one that plays it from the
    answer). All are stopped after the test."""
    procs = []

    async def start(tone: phones.Tone | None = None, calls: int = 1) -> int:
        port = free_port(socket.SOCK_DGRAM)
        scenario = (["-sf", str(phones.write_answering_scenario(tmp_path, tone)),
                     "-mp", str(free_port(socket.SOCK_DGRAM))] if tone else ["-sn", "uas"])
        with open(tmp_path / f"softphone-{port}.log", "wb") as log:  # kept for a failure
            procs.append(await asyncio.create_subprocess_exec(
                "sipp", *scenario, "-i", "127.0.0.1", "-p", str(port), "-m", str(calls), "-nostdin",
                cwd=tmp_path, stdout=log, stderr=asyncio.subprocess.STDOUT))
        return port

    yield start
    for proc in procs:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


@pytest.fixture
async def customers(tmp_path):
    """`start(population)` -> the contact of a sipp server answering as the customers."""
    procs = []

    async def start(population: Population) -> str:
        port = free_port(socket.SOCK_DGRAM)
        procs.append(await asyncio.create_subprocess_exec(
            "sipp", "-sf", str(write_customers_scenario(tmp_path, population)),
            "-i", "127.0.0.1", "-p", str(port), "-mp", str(free_port(socket.SOCK_DGRAM)),
            "-m", "100000", "-nostdin", "-trace_err", cwd=tmp_path,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))
        return f"sip:customers@127.0.0.1:{port}"

    yield start
    for proc in procs:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


@pytest.fixture
def sipp(settings: Settings, tmp_path: Path) -> Sipp:
    return Sipp(settings, tmp_path)
