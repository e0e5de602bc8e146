import dataclasses
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asterisk.agi_protocol import (
    MAX_COMMAND_BYTES,
    AgiProtocolError,
    AgiReply,
    AgiRequest,
    EnvParser,
    ReplyParser,
    encode_command,
    is_hangup_line,
    parse_reply_line,
)

# What Asterisk 22 sends for exten => 4000,n,AGI(agi://127.0.0.1:4573/ivr?lang=zh,4000,,x y)
ENV = (
    b"agi_network: yes\n"
    b"agi_network_script: ivr?lang=zh&retailer=r%2042\n"
    b"agi_request: agi://127.0.0.1:4573/ivr?lang=zh&retailer=r%2042\n"
    b"agi_channel: PJSIP/retailer-00000001\n"
    b"agi_language: zh\n"
    b"agi_type: PJSIP\n"
    b"agi_uniqueid: 1700000000.1\n"
    b"agi_version: 22.0.0\n"
    b"agi_callerid: 13800138000\n"
    b"agi_calleridname: \xe5\xbc\xa0\xe4\xb8\x89: shop\n"
    b"agi_callingpres: 0\n"
    b"agi_dnid: 4000\n"
    b"agi_rdnis: unknown\n"
    b"agi_context: hotline-in\n"
    b"agi_extension: 4000\n"
    b"agi_priority: 2\n"
    b"agi_enhanced: 0.0\n"
    b"agi_accountcode: \n"
    b"agi_threadid: 139689736754944\n"
    b"agi_arg_1: 4000\n"
    b"agi_arg_2: \n"
    b"agi_arg_3: x y\n"
    b"\n"
)


def parse_env(data: bytes, chunk: int | None = None) -> AgiRequest:
    parser = EnvParser()
    chunk = chunk or len(data)
    results = [parser.feed(data[i:i + chunk]) for i in range(0, len(data), chunk)]
    assert all(r is None for r in results[:-1])
    assert results[-1] is not None
    return results[-1]


def test_env_from_asterisk():
    req = parse_env(ENV)
    assert req.script == "ivr"
    assert dict(req.params) == {"lang": "zh", "retailer": "r 42"}
    assert req.args == ("4000", "", "x y")
    assert req.channel == "PJSIP/retailer-00000001"
    assert req.uniqueid == "1700000000.1"
    assert req.callerid == "13800138000"
    assert req.calleridname == "张三: shop"
    assert (req.extension, req.context, req.language) == ("4000", "hotline-in", "zh")
    assert req.env["agi_accountcode"] == "" and req.env["agi_network"] == "yes"
    assert len(req.env) == ENV.count(b"\n") - 1


@given(st.lists(st.integers(1, len(ENV) - 1), max_size=6))
def test_env_split_anywhere_gives_the_same_request(cuts):
    parser = EnvParser()
    edges = [0, *sorted(cuts), len(ENV)]
    results = [parser.feed(ENV[a:b]) for a, b in pairwise(edges)]
    assert [r for r in results if r is not None] == [parse_env(ENV)]


def test_env_with_crlf_and_bytes_after_the_blank_line():
    parser = EnvParser()
    req = parser.feed(b"agi_network_script: ivr\r\nagi_uniqueid: 1.2\r\n\r\n200 extra")
    assert req is not None and req.script == "ivr" and req.uniqueid == "1.2"
    assert parser.rest == b"200 extra"


def test_args_in_numeric_order():
    lines = "".join(f"agi_arg_{n}: a{n}\n" for n in (10, 2, 1, 11, 3, 4, 5, 6, 7, 8, 9))
    req = parse_env(b"agi_network_script: x\n" + lines.encode() + b"\n")
    assert req.args == tuple(f"a{n}" for n in range(1, 12))


def test_script_from_agi_request_when_network_script_is_missing():
    req = parse_env(b"agi_request: agi://127.0.0.1:4573/menu/main?lang=en\n\n")
    assert req.script == "menu/main" and dict(req.params) == {"lang": "en"}
    bare = parse_env(b"agi_request: agi://127.0.0.1\n\n")
    assert bare.script == "" and dict(bare.params) == {}


def test_request_is_frozen_and_read_only():
    req = parse_env(ENV)
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.script = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        req.params["lang"] = "en"  # type: ignore[index]
    with pytest.raises(TypeError):
        req.env["agi_channel"] = "x"  # type: ignore[index]
    source = {"agi_channel": "a"}
    built = AgiRequest("s", env=source)
    source["agi_channel"] = "b"
    assert built.channel == "a"


@pytest.mark.parametrize(("channel", "endpoint"), [
    ("PJSIP/agent-8001-0000002a", "agent-8001"),
    ("PJSIP/supervisor-bj-00000001", "supervisor-bj"),
    ("PJSIP/anonymous-00000003", "anonymous"),
    ("Local/8001@agents-00000001;2", ""),
    ("PJSIP/", ""),
    ("", ""),
])
def test_the_calling_endpoint_is_read_from_the_channel_name(channel, endpoint):
    assert AgiRequest("agent-login", env={"agi_channel": channel}).endpoint == endpoint


@pytest.mark.parametrize("data", [
    b"hello world\n",
    b"GET / HTTP/1.1\n",
    b"agi_network_script: ivr\nHost: example\n\n",
    b"agi_channel:no-space\n",
    b"\x00\xff\xfe garbage\n",
    b"agi_network: yes\nagi_channel: x\n\n",  # no script at all
])
def test_garbage_headers_are_refused(data):
    with pytest.raises(AgiProtocolError):
        EnvParser().feed(data)


def test_non_utf8_values_are_replaced_not_fatal():
    req = parse_env(b"agi_network_script: ivr\nagi_calleridname: \xff\xfeX\n\n")
    assert req.calleridname == "\ufffd\ufffdX"


def test_header_size_is_bounded_with_or_without_newlines():
    parser = EnvParser(max_header_bytes=100)
    parser.feed(b"agi_network_script: ivr\n")
    with pytest.raises(AgiProtocolError):
        for _ in range(10):
            parser.feed(b"agi_x: 0123456789\n")
    with pytest.raises(AgiProtocolError):
        EnvParser(max_header_bytes=100).feed(b"agi_x: " + b"y" * 200)
    assert EnvParser().feed(b"agi_network_script: ivr\nagi_x: " + b"y" * 8000 + b"\n\n")


@pytest.mark.parametrize("line, expected", [
    ("200 result=1 (timeout) endpos=1234", AgiReply(200, "1", "timeout", {"endpos": "1234"})),
    ("200 result=0", AgiReply(200, "0")),
    ("200 result=-1", AgiReply(200, "-1")),
    ("200 result=1 (some value with spaces)", AgiReply(200, "1", "some value with spaces")),
    ("200 result=1 (a (nested) value)", AgiReply(200, "1", "a (nested) value")),
    ("200 result=1 ()", AgiReply(200, "1", "")),
    ("200 result= (timeout)", AgiReply(200, "", "timeout")),
    ("200 result=", AgiReply(200, "")),
    ("200 result=1234#", AgiReply(200, "1234#")),
    ("200 result=49 endpos=8640", AgiReply(200, "49", extra={"endpos": "8640"})),
    ("200 result=1 (digit) digit=* endpos=20",
     AgiReply(200, "1", "digit", {"digit": "*", "endpos": "20"})),
    ("200 result=-1 Gosub label not found", AgiReply(200, "-1", message="Gosub label not found")),
    ('200 result=1 (speech) endpos=0 results=1 score0=900 text0="ni hao" grammar0=g',
     AgiReply(200, "1", "speech", {"endpos": "0", "results": "1", "score0": "900",
                                   "text0": "ni hao", "grammar0": "g"})),
    ("200 result=0\r\n", AgiReply(200, "0")),
    ("510 Invalid or unknown command", AgiReply(510, message="Invalid or unknown command")),
    ("511 Command Not Permitted on a dead channel or intercepted",
     AgiReply(511, message="Command Not Permitted on a dead channel or intercepted")),
    ("520 Invalid command syntax.  Proper usage not available.",
     AgiReply(520, message="Invalid command syntax.  Proper usage not available.")),
    ("503 result=-2 Memory allocation failure",
     AgiReply(503, message="result=-2 Memory allocation failure")),
    ("100 result=0 Trying...", AgiReply(100, message="result=0 Trying...")),
])
def test_reply_forms(line, expected):
    parser = ReplyParser()
    assert parser.feed(line) == expected
    assert not parser.pending


def test_multi_line_usage_520_is_one_reply():
    parser = ReplyParser()
    lines = [
        "520-Invalid command syntax.  Proper usage follows:",
        " Usage: GET DATA <file to be streamed> [timeout] [max digits]",
        "",
        "200 result=0 looks like a reply but is usage text",
        "520 End of proper usage.",
    ]
    assert [parser.feed(line + "\n") for line in lines[:-1]] == [None] * 4
    assert parser.pending
    reply = parser.feed(lines[-1])
    assert reply is not None and reply.code == 520 and not parser.pending
    assert reply.message.splitlines() == [
        "Invalid command syntax.  Proper usage follows:",
        " Usage: GET DATA <file to be streamed> [timeout] [max digits]",
        "",
        "200 result=0 looks like a reply but is usage text",
        "End of proper usage.",
    ]
    assert parser.feed("200 result=0") == AgiReply(200, "0")


def test_usage_without_final_newline_runs_into_the_end_line():
    parser = ReplyParser()
    assert parser.feed("520-Invalid command syntax.  Proper usage follows:") is None
    reply = parser.feed("Returns the digits received.520 End of proper usage.")
    assert reply is not None and reply.code == 520
    assert reply.message.splitlines()[-2:] == ["Returns the digits received.",
                                               "End of proper usage."]


def test_value_with_a_line_break_is_one_reply():
    parser = ReplyParser()
    assert parser.feed("200 result=1 (first line") is None
    assert parser.pending
    assert parser.feed("second) line)") == AgiReply(200, "1", "first line\nsecond) line")


def test_blank_lines_between_replies_are_skipped():
    parser = ReplyParser()
    assert parser.feed("\n") is None and not parser.pending


@pytest.mark.parametrize("line", [
    "HANGUP", "garbage", "20 result=1", "2000 result=1", "abc result=1",
    "200 foo=1", "200", "200result=1",
])
def test_bad_reply_lines_raise(line):
    with pytest.raises(AgiProtocolError):
        ReplyParser().feed(line)


def test_unclosed_parenthesis_in_a_single_line_raises():
    with pytest.raises(AgiProtocolError):
        parse_reply_line("200 result=1 (never closed")


def test_runaway_multi_line_reply_is_bounded():
    parser = ReplyParser()
    parser.feed("520-Invalid command syntax.  Proper usage follows:")
    with pytest.raises(AgiProtocolError):
        for _ in range(100):
            parser.feed("x" * 1000)


@pytest.mark.parametrize("result, digit", [
    ("49", "1"), ("35", "#"), ("42", "*"), ("0", ""), ("-1", ""), ("", ""), ("1234#", ""),
])
def test_digit(result, digit):
    assert AgiReply(200, result).digit == digit


def test_result_int():
    assert AgiReply(200, "-1").result_int == -1
    assert AgiReply(200, "").result_int is None


@pytest.mark.parametrize("line, hangup", [
    ("HANGUP", True), ("HANGUP\n", True), (b"HANGUP\r\n", True),
    ("200 result=0", False), ("HANGUPX", False), ("", False),
])
def test_is_hangup_line(line, hangup):
    assert is_hangup_line(line) is hangup


@pytest.mark.parametrize("parts, wire", [
    (("ANSWER",), b"ANSWER\n"),
    (("STREAM FILE", "welcome", ""), b'STREAM FILE welcome ""\n'),
    (("STREAM", "FILE", "welcome", "12#"), b"STREAM FILE welcome 12#\n"),
    (("GET DATA", "custom/menu", 3000, 4), b"GET DATA custom/menu 3000 4\n"),
    (("SET VARIABLE", "NAME", "Zhang San"), b'SET VARIABLE NAME "Zhang San"\n'),
    (("VERBOSE", 'say "hi"', 1), b'VERBOSE "say \\"hi\\"" 1\n'),
    (("VERBOSE", "C:\\path", 1), b'VERBOSE "C:\\\\path" 1\n'),
    (("VERBOSE", "a\tb"), b'VERBOSE "a\tb"\n'),
    (("SET VARIABLE", "X", "张三"), "SET VARIABLE X 张三\n".encode()),
])
def test_encode_command(parts, wire):
    assert encode_command(*parts) == wire


@pytest.mark.parametrize("parts", [
    ("VERBOSE", "hi\nHANGUP"),
    ("VERBOSE", "hi\rHANGUP"),
    ("VERBOSE", "hi\0"),
    ("SET VARIABLE", "X\n", "1"),
    ("ANSWER\nHANGUP",),
    ("EXEC", "Dial", "PJSIP/1\r\nEXEC System rm"),
])
def test_encode_command_refuses_line_breaks(parts):
    with pytest.raises(ValueError):
        encode_command(*parts)


@pytest.mark.parametrize("name", ["", "GET-DATA", '"ANSWER"', "ANSWER ", "EXEC;", "1ANSWER"])
def test_encode_command_refuses_odd_command_names(name):
    with pytest.raises(ValueError):
        encode_command(name)


def test_encode_command_refuses_lines_res_agi_would_cut():
    fits = "x" * (MAX_COMMAND_BYTES - len("VERBOSE \n"))
    assert len(encode_command("VERBOSE", fits)) == MAX_COMMAND_BYTES
    with pytest.raises(ValueError):
        encode_command("VERBOSE", fits + "x")


def asterisk_parse_args(line: str) -> list[str]:
    """res_agi.c parse_args(), transcribed: how Asterisk splits a command line."""
    argv: list[list[str]] = []
    quoted = escaped = False
    whitespace = True
    for ch in line:
        if ch == '"' and not escaped:
            quoted = not quoted
            if quoted and whitespace:
                argv.append([])
                whitespace = False
            continue
        if ch in " \t" and not quoted and not escaped:
            whitespace = True
            continue
        if ch == "\\" and not escaped:
            escaped = True
            continue
        if whitespace:
            argv.append([])
            whitespace = False
        argv[-1].append(ch)
        escaped = False
    return ["".join(arg) for arg in argv]


ARG_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\0"),
                   max_size=30)


@given(st.lists(ARG_TEXT, max_size=8))
def test_every_argument_reaches_asterisk_intact(args):
    wire = encode_command("SET VARIABLE", *args)
    assert wire.endswith(b"\n") and wire.count(b"\n") == 1
    assert asterisk_parse_args(wire.decode()[:-1]) == ["SET", "VARIABLE", *args]


@given(ARG_TEXT, st.sampled_from("\r\n\0"), ARG_TEXT)
def test_no_argument_can_smuggle_a_second_command(head, bad, tail):
    with pytest.raises(ValueError):
        encode_command("VERBOSE", head + bad + tail)
