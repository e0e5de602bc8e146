"""A caller bridged with an agent's older leg takes the leg's linkedid in the PBX's events; the
engine reads every event with the linkedid the channel was created with."""
import dataclasses

from asterisk.events import BridgeEnter, Channel, Hangup, Newchannel, VarSet
from asterisk.linkedids import LinkedIds

LEG = Channel(name="PJSIP/agent-8001-00000001", uniqueid="leg-1", linkedid="leg-1", state=6,
              caller_num="8001", caller_name="", connected_num="", connected_name="",
              context="hotline-session", exten="8001", language="")
CALLER = dataclasses.replace(LEG, name="PJSIP/anonymous-00000002", uniqueid="1.2",
                             linkedid="1.2", caller_num="139", context="hotline-connect")


def bridged(ch: Channel) -> Channel:
    return dataclasses.replace(ch, linkedid=LEG.linkedid)


def enter(ch: Channel) -> BridgeEnter:
    return BridgeEnter(server="s", timestamp=None, channel=ch, bridge_id="b", bridge_type="basic",
                       bridge_num_channels=2)


def test_a_bridged_callers_events_keep_its_own_linkedid_to_the_hangup():
    ids = LinkedIds()
    for ch in (LEG, CALLER):
        assert ids.pin(Newchannel(server="s", timestamp=None, channel=ch)).channel == ch
    assert ids.pin(enter(bridged(CALLER))).channel == CALLER
    var = VarSet(server="s", timestamp=None, channel=bridged(CALLER), variable="HOTLINE_X",
                 value="1")
    assert ids.pin(var).channel.linkedid == "1.2" and ids.pin(var).value == "1"
    hangup = Hangup(server="s", timestamp=None, channel=bridged(CALLER), cause=16, cause_text="")
    assert ids.pin(hangup).channel.linkedid == "1.2"
    # Forgotten with its hangup: a later event of that uniqueid is read as the PBX sends it.
    assert ids.pin(hangup).channel.linkedid == LEG.linkedid


def test_an_unchanged_event_is_passed_through_as_it_is():
    ids = LinkedIds()
    ids.pin(Newchannel(server="s", timestamp=None, channel=LEG))
    event = enter(LEG)
    assert ids.pin(event) is event


def test_after_a_restart_a_caller_found_with_an_agent_legs_linkedid_gets_its_own_back():
    other = dataclasses.replace(CALLER, uniqueid="1.3", linkedid="1.0", name="Local/x;2",
                                context="hotline-acd")
    ids = LinkedIds()
    live = ids.resync([LEG, bridged(CALLER), other])
    assert [ch.linkedid for ch in live] == ["leg-1", "1.2", "1.0"]
    assert ids.pin(enter(bridged(CALLER))).channel.linkedid == "1.2"


def test_a_resync_keeps_what_it_knew_of_live_channels_and_forgets_the_gone():
    ids = LinkedIds()
    ids.pin(Newchannel(server="s", timestamp=None, channel=CALLER))
    gone = dataclasses.replace(CALLER, uniqueid="1.9", linkedid="1.9")
    ids.pin(Newchannel(server="s", timestamp=None, channel=gone))
    ids.resync([bridged(CALLER)])  # the leg itself is not listed: still known as the caller's
    assert ids.pin(enter(bridged(CALLER))).channel.linkedid == "1.2"
    assert ids.pin(enter(bridged(gone))).channel.linkedid == LEG.linkedid
