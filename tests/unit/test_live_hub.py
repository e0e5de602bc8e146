"""The live hub: numbered events per topic, replay after a reconnect, reset when it cannot,
sticky screen-pops, and a slow client cut off instead of growing without bound."""
import pytest

from acd.agent_state import AgentState
from acd.notices import AgentChanged, CallOffered
from runtime import live
from runtime.desktop_feed import POP, DesktopFeed
from runtime.live import CutOff, LiveHub


def test_events_are_numbered_per_topic_and_replayed_after_a_given_number():
    hub = LiveHub()
    for i in range(5):
        hub.publish("agent:1", "state", {"i": i})
    hub.publish("agent:2", "state", {})
    assert [e.seq for e in hub.missed("agent:1", hub.epoch, 2)] == [3, 4, 5]
    assert [e.data["i"] for e in hub.missed("agent:1", hub.epoch, 2)] == [2, 3, 4]
    assert hub.missed("agent:1", hub.epoch, 5) == []
    assert hub.last_seq("agent:2") == 1


@pytest.mark.parametrize("epoch, after", [("other", 1), (None, 1), ("same", None), ("same", 9)])
def test_a_client_from_another_epoch_or_without_a_number_or_ahead_is_reset(epoch, after):
    hub = LiveHub()
    hub.publish("agent:1", "state", {})
    assert hub.missed("agent:1", hub.epoch if epoch == "same" else epoch, after) is None


def test_a_client_further_behind_than_the_ring_is_reset(monkeypatch):
    monkeypatch.setattr(live, "RETAINED", 3)
    hub = LiveHub()
    for _ in range(5):
        hub.publish("agent:1", "state", {})
    assert hub.missed("agent:1", hub.epoch, 1) is None  # 2 is gone
    assert [e.seq for e in hub.missed("agent:1", hub.epoch, 2)] == [3, 4, 5]


async def test_a_subscriber_gets_live_events_in_order_and_a_slow_one_is_cut_off(monkeypatch):
    monkeypatch.setattr(live, "SUBSCRIBER_BACKLOG", 2)
    hub = LiveHub()
    fast, slow = hub.subscribe("agent:1"), hub.subscribe("agent:1")
    hub.publish("agent:1", "a", {})
    assert (await fast.next()).kind == "a"
    hub.publish("agent:1", "b", {})
    assert (await fast.next()).kind == "b"
    hub.publish("agent:1", "c", {})  # slow has a and b waiting: cut off
    assert hub.subscribers("agent:1") == 1
    assert [(await slow.next()).kind for _ in range(2)] == ["a", "b"]
    with pytest.raises(CutOff):
        await slow.next()
    fast.close()
    assert hub.subscribers("agent:1") == 0


def _change(before, after, call="1.1", wrap=None):
    return AgentChanged(7, before, after, "x", None, call, wrap)


def test_the_feed_turns_desk_notices_into_agent_events_and_forgets_the_pop_after_wrap_up():
    hub = LiveHub()
    feed = DesktopFeed(hub, sessions=None, server="local")
    S = AgentState
    feed.on_notice(_change(S.AVAILABLE, S.RESERVED))
    feed.on_notice(CallOffered(7, "1.1", "BJ-order", "BJ", "order", "zh", 42, "A", "139", 3.0))
    hub.publish("agent:7", POP, {"call_id": "1.1"}, sticky=POP)  # what _pop does when ready
    feed.on_notice(_change(S.RESERVED, S.ON_CALL))
    feed.on_notice(_change(S.ON_CALL, S.WRAP_UP, wrap=10.0))
    assert [e.kind for e in hub.missed("agent:7", hub.epoch, 0)] == [
        "state", "call_offered", POP, "state", "call_connected", "state", "call_ended"]
    assert [e.kind for e in hub.sticky("agent:7")] == [POP]  # kept through the wrap-up
    ended = hub.missed("agent:7", hub.epoch, 6)[0]
    assert ended.data == {"call_id": "1.1", "wrap_up_seconds": 10.0,
                          "prompt": "set a disposition for the call, then end the wrap-up"}
    feed.on_notice(_change(S.WRAP_UP, S.AVAILABLE, call=None))
    assert hub.sticky("agent:7") == []


def test_a_reservation_that_fails_is_told_as_withdrawn():
    hub = LiveHub()
    feed = DesktopFeed(hub, sessions=None, server="local")
    feed.on_notice(_change(AgentState.AVAILABLE, AgentState.RESERVED))
    feed.on_notice(_change(AgentState.RESERVED, AgentState.AVAILABLE))
    kinds = [e.kind for e in hub.missed("agent:7", hub.epoch, 0)]
    assert kinds == ["state", "state", "call_withdrawn"]
