"""The desk's timers: time alone (no PBX event) opens an overflow step and delivers the call."""
from acd.agent_state import Login, SessionUp
from acd.desk import OVERFLOW_TO_HQ_AFTER, AgentInfo, Desk
from acd.routing import OverflowStep, QueuePolicy, Router
from asterisk.events import Channel, QueueCallerJoin


class RecordingAmi:
    def __init__(self) -> None:
        self.actions: list[tuple[str, dict]] = []

    async def action(self, name, fields=None, **_):
        self.actions.append((name, dict(fields or {})))


def caller() -> Channel:
    return Channel(name="PJSIP/anonymous-00000001", uniqueid="1.1", linkedid="1.1", state=6,
                   caller_num="139", caller_name="", connected_num="", connected_name="",
                   context="hotline-acd", exten="s", language="zh")


async def test_a_waiting_call_overflows_to_headquarters_on_the_timer_alone():
    clock = [1000.0]
    ami = RecordingAmi()
    desk = Desk(ami, clock=lambda: clock[0])
    desk.router = Router([QueuePolicy("BJ-order", "BJ", "order",
                                      overflow=(OverflowStep(OVERFLOW_TO_HQ_AFTER,
                                                             branches=("HQ",)),))])
    desk.agents = {5: AgentInfo(5, "8005", "agent-8005", "HQ", {"order": 5})}
    machine = desk.sessions.machine(5)
    machine.feed(Login(), clock[0])
    machine.feed(SessionUp(), clock[0])
    desk._sync(5)
    await desk.on_event(QueueCallerJoin(server="s", timestamp=None, channel=caller(),
                                        queue="BJ-order", position=1))
    assert ami.actions == []  # a headquarters agent may not take a Beijing call yet
    clock[0] += OVERFLOW_TO_HQ_AFTER - 0.5
    await desk.tick()
    assert ami.actions == []
    clock[0] += 0.5
    await desk.tick()
    assert [name for name, _ in ami.actions] == ["Setvar", "Redirect"]
    assert ami.actions[1][1] == {"Channel": "PJSIP/anonymous-00000001",
                                 "Context": "hotline-connect", "Exten": "5", "Priority": "1"}
    assert machine.state == "reserved"
