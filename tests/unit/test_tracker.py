from dataclasses import replace
from pathlib import Path

from acd.tracker import CallTracker, LiveCall
from asterisk.ami_protocol import AmiParser
from asterisk.events import (
    BridgeEnter,
    BridgeLeave,
    Channel,
    Hangup,
    Newchannel,
    Newstate,
    QueueCallerJoin,
    VarSet,
    to_event,
)

TRANSCRIPT = (Path(__file__).parent / "transcripts" / "fallback_call.ami").read_bytes()


def recorded_events():
    return [to_event(m, "local") for m in AmiParser().feed(TRANSCRIPT) if m.event]


def merged(deltas):
    fields = {}
    for d in deltas:
        fields.update(d.fields)
    return fields


def test_recorded_fallback_call_is_on_record_with_the_pbx_times():
    tracker = CallTracker(clock=lambda: 0.0)
    events = recorded_events()
    deltas = [d for ev in events for d in tracker.feed(ev)]
    row = merged(deltas)
    first = next(e for e in events if isinstance(e, Newchannel))
    up = next(e for e in events if isinstance(e, Newstate) and e.channel.state == 6)
    hangup = next(e for e in events if isinstance(e, Hangup))
    assert row["offered_at"] == first.timestamp
    assert row["answered_at"] == up.timestamp
    assert row["ended_at"] == hangup.timestamp
    assert row["direction"] == "inbound" and row["dialed_number"] == "4000"
    assert row["caller_number"] == "sipp"
    assert row["queue"] == "hotline-fallback"
    assert row["outcome"] == "abandoned"  # answered, queued, never reached an agent
    assert deltas[-1].closed and tracker.calls == {}
    assert {d.linkedid for d in deltas} == {first.channel.linkedid}
    kinds = [d.event.kind for d in deltas]
    assert kinds[0] == "Newchannel" and kinds[-1] == "Hangup" and "QueueCallerJoin" in kinds


def ch(uid, linkedid=None, state=0, context="hotline-inbound", name=None):
    return Channel(name=name or f"PJSIP/x-{uid}", uniqueid=uid, linkedid=linkedid or uid,
                   state=state, caller_num="1390000", caller_name="", connected_num="",
                   connected_name="", context=context, exten="4000", language="zh")


def test_connected_call_is_completed_and_engine_variables_fill_the_row():
    t = CallTracker()
    out = []
    out += t.feed(Newchannel(server="s", timestamp=1.0, channel=ch("1")))
    out += t.feed(Newstate(server="s", timestamp=2.0, channel=ch("1", state=6)))
    out += t.feed(VarSet(server="s", timestamp=2.5, channel=ch("1"), variable="HOTLINE_CARD",
                         value="310101"))
    out += t.feed(VarSet(server="s", timestamp=2.6, channel=ch("1"), variable="HOTLINE_AGENT",
                         value="7"))
    out += t.feed(VarSet(server="s", timestamp=2.6, channel=ch("1"), variable="UNRELATED",
                         value="x"))
    out += t.feed(BridgeEnter(server="s", timestamp=3.0, channel=ch("1"), bridge_id="b",
                              bridge_type="basic", bridge_num_channels=2))
    out += t.feed(Hangup(server="s", timestamp=9.0, channel=ch("1"), cause=16,
                         cause_text="Normal Clearing"))
    row = merged(out)
    assert row["card_number"] == "310101" and row["agent_id"] == 7
    assert row["connected_at"] == 3.0 and row["ended_at"] == 9.0
    assert row["outcome"] == "completed" and row["hangup_cause"] == 16
    assert all(d.event.kind != "VarSet" or d.event.data["variable"] != "UNRELATED" for d in out)


def test_outbound_busy_and_unanswered_inbound():
    t = CallTracker()
    t.feed(Newchannel(server="s", timestamp=1.0, channel=ch("9", context="")))
    t.feed(VarSet(server="s", timestamp=1.0, channel=ch("9"), variable="__HOTLINE_DIRECTION",
                  value="outbound"))
    busy = t.feed(Hangup(server="s", timestamp=2.0, channel=ch("9"), cause=17, cause_text="Busy"))
    assert merged(busy)["outcome"] == "busy"
    t.feed(Newchannel(server="s", timestamp=1.0, channel=ch("5")))
    gone = t.feed(Hangup(server="s", timestamp=4.0, channel=ch("5"), cause=16, cause_text=""))
    assert merged(gone)["outcome"] == "abandoned"


def test_call_closes_only_when_its_last_channel_is_gone():
    t = CallTracker()
    t.feed(Newchannel(server="s", timestamp=1.0, channel=ch("1")))
    t.feed(Newchannel(server="s", timestamp=1.1, channel=ch("2", linkedid="1")))
    first = t.feed(Hangup(server="s", timestamp=5.0, channel=ch("1"), cause=16, cause_text=""))
    assert not first[-1].closed and first[-1].fields["ended_at"] == 5.0
    last = t.feed(Hangup(server="s", timestamp=6.0, channel=ch("2", linkedid="1"), cause=16,
                         cause_text=""))
    assert last[-1].closed and last[-1].fields.get("ended_at") is None


def test_events_of_unknown_calls_are_ignored():
    t = CallTracker()
    hangup = Hangup(server="s", timestamp=1.0, channel=ch("77"), cause=16, cause_text="")
    assert t.feed(hangup) == []


def test_resync_closes_vanished_calls_and_adopts_unknown_ones():
    t = CallTracker(clock=lambda: 100.0)
    t.feed(Newchannel(server="s", timestamp=1.0, channel=ch("1")))
    t.feed(Newchannel(server="s", timestamp=2.0, channel=ch("2")))
    deltas = t.resync("s", [(ch("2"), 2.0), (ch("3", state=6), 50.0)])
    by_id = {d.linkedid: d for d in deltas}
    assert by_id["1"].closed and by_id["1"].fields["ended_at"] == 100.0
    assert by_id["1"].fields["outcome"] == "abandoned"
    assert by_id["3"].fields["offered_at"] == 50.0 and by_id["3"].event.kind == "FoundOnResync"
    assert "2" not in by_id and set(t.calls) == {("s", "2"), ("s", "3")}
    # A call on another server is untouched by this server's resync.
    t.feed(Newchannel(server="other", timestamp=1.0, channel=ch("8")))
    t.resync("s", [])
    assert ("other", "8") in t.calls


def test_a_caller_found_in_the_fallback_queue_is_an_inbound_call_to_the_hotline_answered():
    """Came while the engine was away: the PBX answered and queued it in its own fallback
    queue, where the channel is on extension s; a resync finds it there."""
    t = CallTracker(clock=lambda: 100.0, hotline_number="4000")
    waiting = replace(ch("5", state=6, context="hotline-fallback"), exten="s")
    (found,) = t.resync("s", [(waiting, 90.0)])
    assert found.fields["direction"] == "inbound" and found.fields["dialed_number"] == "4000"
    assert found.fields["offered_at"] == found.fields["answered_at"] == 90.0
    assert found.fields["queue"] == "hotline-fallback"
    (ended,) = t.feed(Hangup(server="s", timestamp=120.0, channel=waiting, cause=16,
                             cause_text=""))
    assert ended.fields["outcome"] == "abandoned"
    # In the IVR's keypad read: the engine's AGI took the call before its AMI link was back.
    reading = replace(ch("6", state=6, context="hotline-ivr-collect"), exten="s")
    (found,) = t.resync("s", [(reading, 95.0)])
    assert found.fields["direction"] == "inbound" and found.fields["dialed_number"] == "4000"
    assert "queue" not in found.fields


def test_a_caller_who_hangs_up_in_the_ivr_abandoned_and_one_served_there_completed():
    for last_step, expected in (("menu", "abandoned"), ("done", "completed")):
        t = CallTracker()
        t.feed(Newchannel(server="s", timestamp=1.0, channel=ch("1")))
        t.feed(Newstate(server="s", timestamp=1.1, channel=ch("1", state=6)))
        t.feed(VarSet(server="s", timestamp=2.0, channel=ch("1"), variable="HOTLINE_STEP",
                      value=last_step))
        out = t.feed(Hangup(server="s", timestamp=3.0, channel=ch("1"), cause=16, cause_text=""))
        assert merged(out)["outcome"] == expected


def test_an_agent_leg_alone_in_its_holding_bridge_is_not_connected():
    t = CallTracker()
    leg = ch("9", context="hotline-session")
    t.feed(Newchannel(server="s", timestamp=1.0, channel=leg))
    out = t.feed(BridgeEnter(server="s", timestamp=1.1, channel=leg, bridge_id="hold",
                             bridge_type="base", bridge_num_channels=1))
    assert "connected_at" not in merged(out)


def test_a_caller_in_the_bridge_first_is_connected_when_the_agents_leg_comes_in():
    t = CallTracker()
    caller, leg = ch("1"), ch("2", context="hotline-session")
    for c in (caller, leg):
        t.feed(Newchannel(server="s", timestamp=1.0, channel=c))
    assert t.feed(BridgeEnter(server="s", timestamp=3.0, channel=caller, bridge_id="b",
                              bridge_type="basic", bridge_num_channels=1))[0].fields == {}
    out = t.feed(BridgeEnter(server="s", timestamp=3.1, channel=leg, bridge_id="b",
                             bridge_type="basic", bridge_num_channels=2))
    assert {d.linkedid: d.fields.get("connected_at") for d in out} == {"1": 3.1, "2": 3.1}
    # Both leave; a bridge of the same id later holds a new caller alone: not connected.
    t.feed(BridgeLeave(server="s", timestamp=5.0, channel=caller, bridge_id="b",
                       bridge_num_channels=1))
    t.feed(BridgeLeave(server="s", timestamp=5.0, channel=leg, bridge_id="b",
                       bridge_num_channels=0))
    t.feed(Newchannel(server="s", timestamp=6.0, channel=ch("3")))
    out = t.feed(BridgeEnter(server="s", timestamp=7.0, channel=ch("3"), bridge_id="b",
                             bridge_type="basic", bridge_num_channels=1))
    assert [d.fields for d in out] == [{}]


def test_calls_from_the_pbx_records_group_by_the_customers_channel_and_skip_garbage(tmp_path):
    from acd.tracker import calls_from_records, records_by_call
    from asterisk.cdr import read_records
    path = tmp_path / "Master.csv"
    path.write_text(
        '"L1","U1","PJSIP/anonymous-1","","1330","4000","","Queue","100.0","100.5","130.0",'
        '"ANSWERED"\n'
        'not,a,record\n'
        '"A1","U2","PJSIP/anonymous-2","PJSIP/agent-8001-1","1331","4000","","Bridge","90.0",'
        '"90.2","x","ANSWERED"\n'  # a time that does not parse
        '"A1","U3","PJSIP/anonymous-3","PJSIP/agent-8001-1","1332","4000","","Bridge","200.0",'
        '"200.1","260.0","ANSWERED"\n'
        '"OLD","U4","PJSIP/anonymous-4","","1333","4000","","Queue","1.0","0","2.0","ANSWERED"\n')
    by_call = records_by_call(read_records(path, since=50.0))
    assert set(by_call) == {"U1", "U3"}  # the customer's own call, not the agent leg's linkedid
    rows = {d.linkedid: d.fields for d in calls_from_records("local", by_call)}
    assert rows["U1"]["outcome"] == "abandoned" and rows["U1"]["queue"] == "hotline-fallback"
    assert rows["U1"]["direction"] == "inbound" and rows["U1"]["dialed_number"] == "4000"
    assert rows["U3"]["outcome"] == "completed" and rows["U3"]["connected_at"] == 200.1
    assert read_records(tmp_path / "absent.csv", 0.0) == []


def test_a_connected_call_whose_recorded_end_is_only_its_bridge_ends_at_the_resync():
    """The customer's own record stops as it enters the agent's bridge; the rest is the agent
    leg's record, not written while the leg lives. An end before connected_at is no end."""
    t = CallTracker(clock=lambda: 100.0)
    on_record = LiveCall("s", "9", "9", "inbound", 10.0, answered_at=10.0, connected_at=50.0)
    (gone,) = t.resync("s", [], [on_record], ended={"9": 49.9})
    assert gone.fields["ended_at"] == 100.0 and gone.fields["outcome"] == "completed"
    t = CallTracker(clock=lambda: 100.0)
    on_record = LiveCall("s", "9", "9", "inbound", 10.0, answered_at=10.0, queued_at=20.0)
    (gone,) = t.resync("s", [], [on_record], ended={"9": 30.0})
    assert gone.fields["ended_at"] == 30.0  # hung up in the queue: the record has the end


def test_a_customer_bridged_with_an_agent_leg_ends_in_the_legs_record(tmp_path):
    """As Asterisk 22 writes them: the agent's leg, up since the login, is the older party, so
    the customer's own record ends when it enters the leg's bridge and the rest of the call,
    to the customer's hangup, is the leg's record with the customer as its dstchannel."""
    from acd.tracker import records_by_call
    from asterisk.cdr import read_records
    path = tmp_path / "Master.csv"
    path.write_text(
        '"agent-8-x","9.11","PJSIP/anonymous-0b","","1390","4000","","Bridge","326.5","326.5",'
        '"334.7","ANSWERED"\n'
        '"agent-8-x","agent-8-x","PJSIP/agent-81003-02","PJSIP/anonymous-0b","8","4000",'
        '"","BridgeWait","325.9","325.9","339.1","ANSWERED"\n'
        '"agent-8-x","agent-8-x","PJSIP/agent-81003-02","","8","","","BridgeWait","339.1",'
        '"339.1","355.6","ANSWERED"\n')
    by_call = records_by_call(read_records(path, since=0.0))
    assert max(r.end for r in by_call["9.11"]) == 339.1  # the hangup, not the bridge
    assert max(r.end for r in by_call["agent-8-x"]) == 355.6  # the leg's own call


def test_ended_calls_count_by_how_they_ended_and_queue_waits_are_observed():
    t = CallTracker()

    def call(uid: str, *, step: str | None = None, queued: float | None = None,
             connected: float | None = None, answered: bool = True, end: float = 40.0):
        t.feed(Newchannel(server="s", timestamp=1.0, channel=ch(uid)))
        if answered:
            t.feed(Newstate(server="s", timestamp=1.0, channel=ch(uid, state=6)))
        if step:
            t.feed(VarSet(server="s", timestamp=2.0, channel=ch(uid), variable="HOTLINE_STEP",
                          value=step))
        if queued is not None:
            t.feed(QueueCallerJoin(server="s", timestamp=queued, channel=ch(uid),
                                   queue="BJ-order", position=1))
        if connected is not None:
            t.feed(BridgeEnter(server="s", timestamp=connected, channel=ch(uid), bridge_id=uid,
                               bridge_type="basic", bridge_num_channels=2))
        t.feed(Hangup(server="s", timestamp=end, channel=ch(uid), cause=16, cause_text=""))

    call("1", step="done", queued=10.0, connected=22.0)
    call("2", step="done", queued=10.0, end=70.0)
    call("3", step="menu")
    call("4", step="voicemail")
    call("5", step="done")
    call("6", answered=False)
    assert t.ended.values == {("inbound", "answered"): 1, ("inbound", "abandoned_queue"): 1,
                       ("inbound", "abandoned_ivr"): 1, ("inbound", "voicemail"): 1,
                       ("inbound", "self_service"): 1, ("inbound", "abandoned_ringing"): 1}
    waits = t.queue_waits
    assert waits.count(queue="BJ-order", result="answered") == 1
    assert waits.count(queue="BJ-order", result="abandoned") == 1
    assert [series[-2] for series in waits.series.values()] == [12.0, 60.0]
