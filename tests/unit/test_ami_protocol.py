from pathlib import Path

import pytest

from asterisk.ami_protocol import AmiJunk, AmiMessage, AmiParser, encode_action
from asterisk.events import Hangup, Newchannel, OtherEvent, VarSet, to_event

TRANSCRIPT = (Path(__file__).parent / "transcripts" / "fallback_call.ami").read_bytes()


def parse_all(data: bytes, chunk: int) -> list:
    parser = AmiParser()
    out = []
    for i in range(0, len(data), chunk):
        out += parser.feed(data[i:i + chunk])
    return out


def test_recorded_call_parses_whole():
    messages = parse_all(TRANSCRIPT, 65536)
    assert not [m for m in messages if isinstance(m, AmiJunk)]
    events = [m.event for m in messages if m.event]
    assert events.count("Newchannel") == 1 and events.count("Hangup") == 1
    assert messages[0].response == "Success" and messages[0].action_id == "rec-1"


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 13, 100, 4096])
def test_split_packets_give_the_same_messages(chunk):
    whole = parse_all(TRANSCRIPT, len(TRANSCRIPT))
    assert parse_all(TRANSCRIPT, chunk) == whole


def test_banner_is_read_once():
    parser = AmiParser()
    assert parser.feed(b"Asterisk Call Man") == []
    assert parser.feed(b"ager/11.0.0\r\nResponse: Success\r\n\r\n")[0].response == "Success"
    assert parser.banner == "Asterisk Call Manager/11.0.0"


def test_list_response_ends_with_complete_event():
    data = (
        b"Asterisk Call Manager/11.0.0\r\n"
        b"Response: Success\r\nActionID: a-1\r\nEventList: start\r\n"
        b"Message: Channels will follow\r\n\r\n"
        b"Event: CoreShowChannel\r\nActionID: a-1\r\nChannel: PJSIP/x-1\r\nUniqueid: 1.1\r\n\r\n"
        b"Event: CoreShowChannelsComplete\r\nActionID: a-1\r\nEventList: Complete\r\n"
        b"ListItems: 1\r\n\r\n"
    )
    messages = AmiParser().feed(data)
    assert [m.event or m.response for m in messages] == [
        "Success", "CoreShowChannel", "CoreShowChannelsComplete"]
    assert messages[-1].fields["EventList"] == "Complete"


def test_junk_is_reported_and_parsing_goes_on():
    data = (b"Asterisk Call Manager/11.0.0\r\nthis is not a header\r\n\r\n"
            b"Foo: bar\r\n\r\n\x00\xff\r\n\r\nEvent: Ok\r\nA: b\r\n\r\n")
    out = AmiParser().feed(data)
    assert [type(m) for m in out] == [AmiJunk, AmiJunk, AmiJunk, AmiMessage]
    assert out[-1].event == "Ok"


def test_oversized_message_is_dropped_not_buffered_forever():
    parser = AmiParser()
    parser.feed(b"Asterisk Call Manager/11.0.0\r\n")
    out = parser.feed(b"Event: Big\r\nX: " + b"x" * (2 << 20))
    assert isinstance(out[0], AmiJunk)
    assert parser.feed(b"\r\n\r\nEvent: After\r\n\r\n")[-1].event == "After"


def test_repeated_headers_keep_first_and_all():
    msg = AmiParser().feed(b"Asterisk Call Manager/1\r\nResponse: Success\r\nOutput: a\r\n"
                           b"Output: b\r\nEmpty:\r\n\r\n")[0]
    assert msg.fields["Output"] == "a" and msg.get_all("Output") == ["a", "b"]
    assert msg.fields["Empty"] == ""


def test_events_are_typed_from_the_recording():
    events = [to_event(m, "pbx1") for m in parse_all(TRANSCRIPT, 65536) if m.event]
    new = next(e for e in events if isinstance(e, Newchannel))
    assert new.server == "pbx1" and new.channel.name.startswith("PJSIP/anonymous-")
    assert new.channel.uniqueid == new.channel.linkedid and new.channel.exten == "4000"
    assert new.channel.caller_num == "sipp" and new.timestamp > 1.7e9
    hangup = next(e for e in events if isinstance(e, Hangup))
    assert (hangup.cause, hangup.cause_text) == (0, "Unknown")  # as this PBX sent it
    assert hangup.channel.connected_num == ""  # "<unknown>" is no number
    assert any(isinstance(e, VarSet) and e.variable == "__HOTLINE_DIRECTION" for e in events)
    assert any(isinstance(e, OtherEvent) and e.name == "MusicOnHoldStart" for e in events)


def test_event_with_bad_numbers_still_types():
    msg = AmiParser().feed(b"Asterisk Call Manager/1\r\nEvent: Hangup\r\nCause: x\r\n"
                           b"ChannelState: ?\r\nTimestamp: soon\r\n\r\n")[0]
    ev = to_event(msg, "s")
    assert ev.cause == 0 and ev.channel.state == -1 and ev.timestamp is None


def test_encode_action_and_header_injection():
    data = encode_action("Originate", "id-1", {"Channel": "PJSIP/a", "Variable": ["A=1", "B=2"]})
    assert data == (b"Action: Originate\r\nActionID: id-1\r\nChannel: PJSIP/a\r\n"
                    b"Variable: A=1\r\nVariable: B=2\r\n\r\n")
    with pytest.raises(ValueError):
        encode_action("Originate", "id-2", {"Channel": "PJSIP/a\r\nAction: Command"})
