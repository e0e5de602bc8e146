"""Call control as pure code over a recording AMI: what may not redirect a caller or an agent's leg
while the PBX is still moving it (the PBX would refuse, or leave the caller alone in a bridge)."""
import dataclasses

import pytest

from acd.agent_state import AgentState
from acd.call_control import CallControl
from acd.sessions import CallControlRefused
from asterisk import dialplan as dp
from tests.unit.test_desk import (  # noqa: F401 (fixtures)
    available,
    channel,
    clock,
    desk,
    enter,
    join,
    leave,
    redirected_to,
    start,
)

CALLER = channel(1)
LEG_1 = channel(2, name="PJSIP/agent-8001-00000001", uniqueid="leg.1", context=dp.CTX_SESSION)
LEG_5 = channel(3, name="PJSIP/agent-8005-00000002", uniqueid="leg.5", context=dp.CTX_SESSION)


@pytest.fixture
async def on_a_call(desk, clock):  # noqa: F811
    """Agent 1 on a call with CALLER, agent 5 available; both with a phone leg."""
    for agent_id, leg in ((1, LEG_1), (5, LEG_5)):
        available(desk, agent_id, clock[0])
        desk.sessions._legs[leg.uniqueid] = agent_id
        desk.sessions._leg_names[agent_id] = leg.name
    await desk.on_event(join(1))
    await desk.on_event(enter(CALLER))
    assert desk.sessions.machine(1).state == AgentState.ON_CALL
    return CallControl(desk, "customers", "4000")


async def test_a_caller_on_its_way_back_from_hold_is_not_redirected_again(desk, on_a_call):  # noqa: F811
    control, agent = on_a_call, desk.agents[1]
    await control.hold(agent)
    await desk.on_event(leave(CALLER))
    await control.hold(agent, resume=True)  # the PBX moves the caller back ...
    for attempt in (control.hold(agent), control.consult(agent, "start", phone="supervisor-1"),
                    control.transfer_to_queue(agent, "BJ-order")):
        with pytest.raises(CallControlRefused) as refused:
            await attempt
        assert refused.value.rule == "call_returning"
    await desk.on_event(enter(CALLER))  # ... and it is with the agent again
    await control.hold(agent)
    assert redirected_to(desk)[-2:] == [(CALLER.name, "1"), (CALLER.name, "s")]


async def test_a_consulted_agent_is_free_again_only_once_its_leg_is_back_in_its_bridge(
        desk, on_a_call):  # noqa: F811
    control, agent = on_a_call, desk.agents[1]
    await control.consult(agent, "start", to_agent="8005")
    consulted = desk.sessions.machine(5)
    assert consulted.state == AgentState.RESERVED
    await desk.on_event(leave(CALLER))  # on hold
    await control.consultations.on_event(
        enter(dataclasses.replace(LEG_5, context=dp.CTX_CONSULT), bridge="consult"))
    assert consulted.state == AgentState.ON_CALL
    await control.consult(agent, "return")
    assert consulted.state == AgentState.ON_CALL  # its leg is still on the way
    assert redirected_to(desk)[-1] == (LEG_5.name, "5")
    await control.consultations.on_event(
        dataclasses.replace(enter(LEG_5), bridge_name=f"{dp.AGENT_BRIDGE_PREFIX}5"))
    assert consulted.state == AgentState.AVAILABLE  # no wrap-up of its own: the call was not its
