"""The agent-session model on the real PBX: the agent's phone is called at login and waits in
its own holding bridge; a waiting caller is delivered to it by Redirect and bridged with it;
the leg dropping is seen."""
import asyncio
import time

import pytest

from acd.agent_state import AgentState
from acd.sessions import AgentSessions
from asterisk.actions import AmiPbx, HangUp
from asterisk.ami import AmiClient, AmiError
from asterisk.config import SipEndpoint
from asterisk.events import BridgeEnter, Hangup, QueueCallerJoin
from asterisk.pbx import LocalPbx
from models.security import new_sip_secret

pytestmark = pytest.mark.pbx


class Watch:
    """Feeds the sessions in order and keeps every event, for the test to wait on."""

    def __init__(self, ami: AmiClient, sessions: AgentSessions) -> None:
        self.ami, self.sessions, self.seen = ami, sessions, []

    async def run(self) -> None:
        while True:
            item = await self.ami.queue.get()
            self.seen.append((time.monotonic(), item))
            self.sessions.feed(item)

    async def wait(self, predicate, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, item in self.seen:
                if predicate(item):
                    return at, item
            await asyncio.sleep(0.01)
        kinds = [(type(i).__name__, getattr(getattr(i, "channel", None), "name", ""),
                  getattr(i, "name", ""), getattr(i, "bridge_num_channels", ""))
                 for _, i in self.seen]
        raise AssertionError(f"the PBX never reported it: {kinds[-40:]}")


@pytest.fixture
async def linked(settings, softphones):
    endpoint = SipEndpoint("agent-8001", new_sip_secret(),
                           contact=f"sip:agent@127.0.0.1:{await softphones()}")
    pbx = LocalPbx(settings.pbx, settings.ami, settings.agi, endpoints=(endpoint,))
    await pbx.up()
    ami = AmiClient(settings.ami)
    sessions = AgentSessions(AmiPbx(ami), clock=time.monotonic)
    watch = Watch(ami, sessions)
    try:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(ami.run()), tg.create_task(watch.run())]
            await ami.wait_connected(5)
            yield sessions, watch
            for task in tasks:
                task.cancel()
    finally:
        await pbx.down()


async def deliver(sessions: AgentSessions, agent_id: int, call_id: str, channel: str) -> None:
    """What the desk does with a waiting caller: reserve the agent, redirect the caller to the
    agent's leg, and free the agent again when the PBX refuses."""
    sessions.reserve(agent_id, call_id)
    try:
        await sessions.connect(agent_id, call_id, channel)
    except AmiError:
        sessions.release(agent_id, call_id)
        raise


async def test_login_delivery_by_redirect_and_a_dropped_leg(linked, sipp):
    sessions, watch = linked
    await sessions.login(7, "agent-8001")
    await watch.wait(lambda e: sessions.machine(7).state == AgentState.AVAILABLE)
    # A caller waits (no engine runs here: the dialplan's fallback queue holds the caller).
    caller = asyncio.create_task(sipp.call("4000", hold_ms=20_000, timeout=40))
    _, joined = await watch.wait(lambda e: isinstance(e, QueueCallerJoin))
    sent = time.monotonic()
    await deliver(sessions, 7, joined.channel.linkedid, joined.channel.name)
    at, entered = await watch.wait(lambda e: isinstance(e, BridgeEnter)
                                   and e.channel.name == joined.channel.name
                                   and e.bridge_num_channels == 2)
    await watch.wait(lambda e: sessions.machine(7).state == AgentState.ON_CALL)
    connect_ms = (at - sent) * 1000
    # A figure, not a bound: bench/connect_latency.py measures it (a busy machine took 120 ms).
    print(f"connect latency (Redirect sent -> caller in the agent's bridge): {connect_ms:.1f} ms")
    # The agent's phone leg drops: the agent stops receiving calls and the caller is released.
    leg = next(u for u, a in sessions._legs.items() if a == 7)
    await sessions.pbx.perform(HangUp(leg))
    await watch.wait(lambda e: isinstance(e, Hangup) and e.channel.name == joined.channel.name)
    assert sessions.machine(7).state == AgentState.SESSION_LOST
    await caller


async def test_a_failed_redirect_frees_the_agent(linked):
    sessions, watch = linked
    await sessions.login(7, "agent-8001")
    await watch.wait(lambda e: sessions.machine(7).state == AgentState.AVAILABLE)
    with pytest.raises(AmiError):
        await deliver(sessions, 7, "gone-call", "PJSIP/nobody-00000001")
    assert sessions.machine(7).state == AgentState.AVAILABLE
