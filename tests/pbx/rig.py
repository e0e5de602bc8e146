"""A PBX with sipp softphones for some agents and an engine that can be restarted, optionally
served over HTTP by uvicorn (for WebSocket clients and the browser)."""
import asyncio
import contextlib
import time

import pytest
from sqlalchemy import select

from agent_api.app import create_app
from asterisk.dialplan import CTX_CONNECT, CTX_CONNECT_RECORDED, CTX_SESSION
from asterisk.events import BridgeEnter, QueueCallerJoin
from models import Agent, Branch, BusinessType, QueueSettings
from runtime.provision import local_pbx, pbx_layout
from tests.pbx.engine_process import EngineProcess
from tests.pbx.helpers import api_client, served

CONNECT_CONTEXTS = (CTX_CONNECT, CTX_CONNECT_RECORDED)


class Rig:
    """A PBX with sipp softphones for some agents, and an engine that can be restarted."""

    def __init__(self, settings, database) -> None:
        self.settings, self.database = settings, database
        self.events: list = []
        self._new_event = asyncio.Event()
        self.engine = None
        self.pbx = None  # the LocalPbx, once started
        self._stack: contextlib.AsyncExitStack | None = None
        self.base_url = ""
        self.http = None  # the engine's API, logged in as the administrator
        self.process: EngineProcess | None = None
        self.pbx = None

    async def start_engine(self, serve: bool = False) -> None:
        """The engine in the app's lifespan; with `serve`, uvicorn runs it on self.base_url."""
        self._stack = contextlib.AsyncExitStack()
        app = create_app(self.settings)
        if serve:
            self.base_url = await self._stack.enter_async_context(served(app))
        else:
            await self._stack.enter_async_context(app.router.lifespan_context(app))
        engine = app.state.engine
        engine.watch(self._seen)
        await engine.ami.wait_connected(timeout=5)
        async with asyncio.timeout(10):
            await engine.resynced.wait()
        engine.http = self.http = await api_client(app)
        self.engine = engine

    async def start_engine_process(self) -> None:
        """The engine in a process of its own (`kill_engine` ends it with SIGKILL)."""
        if self.process is None:
            self.process = EngineProcess(self.settings, self.settings.data_dir)
        self.http = await self.process.start()

    async def kill_engine(self) -> None:
        await self.process.kill()
        self.http = None

    def _seen(self, item) -> None:
        self.events.append((time.monotonic(), item))
        self._new_event.set()

    async def _until(self, found, timeout: float, what: str):
        """What `found()` returns once it is truthy, looked for again at each PBX event."""
        try:
            async with asyncio.timeout(timeout):
                while not (result := found()):
                    self._new_event.clear()
                    await self._new_event.wait()
        except TimeoutError:
            raise AssertionError(what) from None
        return result

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://")

    async def stop_engine(self) -> None:
        await self._stack.aclose()
        self.engine = None

    async def agent(self, number: str) -> dict:
        return (await self.http.get(f"/agents/{number}")).json()

    async def post(self, path: str, **kw) -> dict:
        reply = await self.http.post(path, **kw)
        assert reply.status_code in (200, 201, 204), (reply.status_code, reply.text)
        return reply.json() if reply.content else {}

    async def wait_state(self, number: str, state: str | tuple[str, ...],
                         timeout: float = 15.0) -> dict:
        """Until the agent is in `state` (or one of them)."""
        states = (state,) if isinstance(state, str) else state
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            agent = await self.agent(number)
            if agent["state"] in states:
                return agent
            await asyncio.sleep(0.05)
        raise AssertionError(f"agent {number} never {state}: {agent}")

    async def login(self, *numbers: str) -> None:
        for n in numbers:
            await self.post(f"/agents/{n}/login")
        for n in numbers:
            await self.wait_state(n, "available")

    async def sip_secret(self, number: str) -> str:
        async with self.database() as s:
            return await s.scalar(select(Agent.sip_secret).where(Agent.number == number))

    async def agent_id(self, number: str) -> int:
        async with self.database() as s:
            return await s.scalar(select(Agent.id).where(Agent.number == number))

    async def joined(self, caller: str, timeout: float = 30.0) -> tuple[float, int]:
        """When the caller was bridged with an agent's leg, and whose, as the PBX's own
        BridgeEnter events tell (an agent's leg has its agent's id as its extension)."""
        def bridged() -> tuple[float, int] | None:
            entered = [(at, e) for at, e in self.events if isinstance(e, BridgeEnter)]
            for at, e in entered:
                if e.channel.caller_num == caller and e.channel.context in CONNECT_CONTEXTS:
                    legs = [leg.channel.exten for _, leg in entered
                            if leg.bridge_id == e.bridge_id and leg.channel.context == CTX_SESSION]
                    if legs:
                        return at, int(legs[0])
            return None
        return await self._until(bridged, timeout, f"{caller} never reached an agent's leg")

    async def queued(self, caller: str, timeout: float = 30.0) -> float:
        def joined() -> float | None:
            return next((at for at, e in self.events if isinstance(e, QueueCallerJoin)
                         and e.channel.caller_num == caller), None)
        return await self._until(joined, timeout, f"{caller} never joined a queue")


@pytest.fixture
async def rig(settings, database, prompts, softphones):
    """`await rig(agents with softphones, queue settings)`: PBX up, engine started."""
    state = {}

    async def start(numbers: tuple[str, ...] = (), queue_settings: dict | None = None,
                    serve: bool = False, tones: dict | None = None,
                    extra_phones: dict | None = None, trunks: dict | None = None,
                    killable: bool = False, phone_calls: int = 1) -> Rig:
        """`tones`: agent number -> the Tone its phone plays; `extra_phones`: endpoint name ->
        Tone for other phones on the PBX (supervisors'); `trunks`: endpoint name -> contact,
        for calls the PBX places (customers); `killable`: the engine runs in a process of its
        own; `phone_calls`: how many calls each agent's phone answers."""
        async with database() as s, s.begin():
            for queue, values in (queue_settings or {}).items():
                branch, bt = queue.split("-")
                s.add(QueueSettings(
                    branch=await s.scalar(select(Branch).where(Branch.code == branch)),
                    business_type=await s.scalar(select(BusinessType)
                                                 .where(BusinessType.code == bt)), **values))
        tones = tones or {}
        phones = {f"agent-{n}":
                  f"sip:agent@127.0.0.1:{await softphones(tones.get(n), phone_calls)}"
                  for n in numbers}
        for name, tone in (extra_phones or {}).items():
            phones[name] = f"sip:phone@127.0.0.1:{await softphones(tone)}"
        # The engine renders the phones' accounts again after an administrator's change: the
        # sipp phones' addresses are settings, so they survive it.
        settings.pbx.static_contacts = {**phones, **(trunks or {})}
        endpoints, queues = await pbx_layout(database, settings.pbx.static_contacts)
        state["pbx"] = pbx = local_pbx(settings, endpoints, queues)
        await pbx.up()
        state["rig"] = r = Rig(settings, database)
        r.pbx = pbx
        if killable:
            await r.start_engine_process()
        else:
            await r.start_engine(serve)
        return r

    yield start
    if state.get("rig") and state["rig"].engine is not None:
        await state["rig"].stop_engine()
    if state.get("rig") and state["rig"].process is not None:
        await state["rig"].process.stop()
    if state.get("pbx"):
        await state["pbx"].down()
