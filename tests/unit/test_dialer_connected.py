"""An answered outbound call is connected once: a supervisor barging in moves it into a second
bridge, which must not count a second connection for the pacer or move the connect time."""
from types import SimpleNamespace

from asterisk.events import BridgeEnter, Channel
from dialer.dials import Dial
from dialer.runner import Dialer
from dialer.settings import DialerSettings

CUSTOMER = Channel(name="PJSIP/trunk-00000001", uniqueid="out-1", linkedid="out-1", state=6,
                   caller_num="139", caller_name="", connected_num="", connected_name="",
                   context="hotline-connect", exten="8001", language="zh")


class Pacer:
    def __init__(self) -> None:
        self.connections = 0

    def connected(self) -> None:
        self.connections += 1


def entered(bridge: str) -> BridgeEnter:
    return BridgeEnter(server="s", timestamp=None, channel=CUSTOMER, bridge_id=bridge,
                       bridge_type="basic", bridge_num_channels=2)


async def test_a_call_moved_into_a_conference_is_not_connected_again():
    now = [100.0]
    dialer = Dialer(None, None, None, DialerSettings(), lambda number: "", "4000",
                    clock=lambda: now[0])
    pacer = dialer.pacers[1] = Pacer()
    dial = dialer.dials["out-1"] = Dial(SimpleNamespace(id=1), 7, 3, 1, "139", "out-1",
                                        "PJSIP/139@trunk", started=90.0, agent_id=8001)
    await dialer.on_event(entered("two-party"))
    connected_at = dial.times["connected_at"]
    now[0] += 30
    await dialer.on_event(entered("barge-8001"))
    assert (pacer.connections, dial.connected, dial.times["connected_at"]) == (
        1, 100.0, connected_at)
    assert dialer.outcomes.pending() == 1
