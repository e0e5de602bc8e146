import asyncio
import logging
import threading
import time

import pytest

from asterisk.agi import (
    AgiCommandError,
    AgiHangup,
    AgiProtocolError,
    AgiRequest,
    AgiServer,
    AgiSession,
    AgiTimeout,
    on_live_channel,
)

REQUEST = AgiRequest("ivr", env={"agi_uniqueid": "1700000000.1", "agi_channel": "PJSIP/r-1"})


class MemoryWriter:
    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed, "write after close"
        self.data += data

    async def drain(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    @property
    def lines(self) -> list[str]:
        return self.data.decode().splitlines()


def session(*replies: str, timeout: float = 1.0):
    reader = asyncio.StreamReader()
    for reply in replies:
        reader.feed_data(reply.encode())
    writer = MemoryWriter()
    return AgiSession(REQUEST, reader, writer, command_timeout=timeout), reader, writer


async def written(writer: MemoryWriter, count: int) -> None:
    """Wait until the session has written ``count`` commands."""
    for _ in range(100):
        if len(writer.lines) >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"expected {count} commands, got {writer.lines}")


# --- the session over memory ---------------------------------------------------------------

async def test_helpers_send_commands_and_read_replies():
    s, _, writer = session(
        "200 result=0\n",
        "200 result=1234 (timeout)\n",
        "200 result= (timeout)\n",
        "200 result=56\n",
        "200 result=49 endpos=8000\n",
        "200 result=0 endpos=8000\n",
        "200 result=35\n",
        "200 result=1\n",
        "200 result=1 (Zhang San)\n",
        "200 result=0\n",
        "200 result=0\n",
        "200 result=1\n",
        "200 result=1\n",
    )
    await s.answer()
    assert await s.get_data("custom/card", 3000, 4) == ("1234", True)
    assert await s.get_data("custom/card", 3000, 4) == ("", True)
    assert await s.get_data("custom/card", 3000, 4) == ("56", False)
    assert await s.stream_file("custom/menu", "12") == "1"
    assert await s.stream_file("custom/bye") == ""
    assert await s.wait_for_digit(5000) == "#"
    await s.set_variable("HOTLINE_STEP", "menu one")
    assert await s.get_variable("CALLERID(name)") == "Zhang San"
    assert await s.get_variable("UNSET") is None
    assert (await s.exec("Playback", "beep")).result == "0"
    await s.verbose("step menu", 3)
    await s.hangup()
    assert writer.lines == [
        "ANSWER",
        "GET DATA custom/card 3000 4",
        "GET DATA custom/card 3000 4",
        "GET DATA custom/card 3000 4",
        "STREAM FILE custom/menu 12",
        'STREAM FILE custom/bye ""',
        "WAIT FOR DIGIT 5000",
        'SET VARIABLE HOTLINE_STEP "menu one"',
        "GET VARIABLE CALLERID(name)",
        "GET VARIABLE UNSET",
        "EXEC Playback beep",
        'VERBOSE "step menu" 3',
        "HANGUP",
    ]
    assert not s.hung_up and not s.closed


async def test_several_variables_go_in_one_mset_but_a_value_mset_would_misread():
    s, _, writer = session("200 result=0\n", "200 result=1\n", "200 result=1\n")
    await s.set_variables({"HOTLINE_STEP": "done", "HOTLINE_IVR_PATH": "menu:1>card:110100001",
                           "HOTLINE_NOTE": "a,b", "HOTLINE_QUOTE": 'say "hi"',
                           "HOTLINE_QUEUE": "BJ-order"})
    assert writer.lines == [
        "EXEC MSet HOTLINE_STEP=done,HOTLINE_IVR_PATH=menu:1>card:110100001,"
        "HOTLINE_QUEUE=BJ-order",
        "SET VARIABLE HOTLINE_NOTE a,b",
        'SET VARIABLE HOTLINE_QUOTE "say \\"hi\\""',
    ]


async def test_hangup_mid_command_never_lets_the_late_reply_answer_a_later_command():
    s, reader, writer = session()
    pending = asyncio.create_task(s.get_data("custom/card", 3000, 4))
    await written(writer, 1)
    reader.feed_data(b"HANGUP\n200 result=-1\n")
    with pytest.raises(AgiHangup):
        await pending
    assert s.hung_up
    with pytest.raises(AgiHangup):
        await s.get_variable("X")
    with pytest.raises(AgiHangup):
        await s.answer()
    assert writer.lines == ["GET DATA custom/card 3000 4"]  # nothing written after HANGUP
    assert await reader.readline() == b"200 result=-1\n"  # the late reply was never consumed


async def test_hangup_between_commands_is_seen_by_the_next_one():
    s, reader, writer = session("200 result=0\n", "HANGUP\n", "511 Command Not Permitted\n")
    await s.answer()
    with pytest.raises(AgiHangup):
        await s.stream_file("custom/menu")
    with pytest.raises(AgiHangup):
        await s.verbose("still there?")
    assert writer.lines == ["ANSWER", 'STREAM FILE custom/menu ""']
    assert await reader.readline() == b"511 Command Not Permitted\n"


async def test_timeout_poisons_the_session():
    s, reader, writer = session()
    started = time.monotonic()
    with pytest.raises(AgiTimeout):
        await s.command("ANSWER", timeout=0.05)
    assert 0.04 < time.monotonic() - started < 0.5
    assert s.closed and writer.closed
    reader.feed_data(b"200 result=0\n")  # the late reply of ANSWER
    with pytest.raises(AgiHangup):
        await s.get_variable("X")
    assert writer.lines == ["ANSWER"]
    assert await reader.readline() == b"200 result=0\n"


async def test_default_timeout_is_the_command_timeout():
    s, _, _ = session(timeout=0.05)
    with pytest.raises(AgiTimeout):
        await s.answer()


async def test_get_data_waits_longer_than_the_command_timeout_by_its_own_timeout():
    s, reader, _ = session(timeout=0.05)
    pending = asyncio.create_task(s.get_data("custom/card", 100, 4))
    await asyncio.sleep(0.1)  # past command_timeout, within command_timeout + 100 ms
    reader.feed_data(b"200 result=12\n")
    assert await pending == ("12", False)


async def test_511_is_a_hangup():
    s, _, writer = session("511 Command Not Permitted on a dead channel or intercepted\n")
    with pytest.raises(AgiHangup):
        await s.stream_file("custom/menu")
    assert s.hung_up
    with pytest.raises(AgiHangup):
        await s.answer()
    assert len(writer.lines) == 1


@pytest.mark.parametrize("helper", [
    lambda s: s.stream_file("custom/menu", "1"),
    lambda s: s.get_data("custom/card", 3000, 4),
    lambda s: s.wait_for_digit(3000),
    lambda s: s.answer(),
])
async def test_result_minus_one_is_a_hangup(helper):
    s, _, _ = session("200 result=-1 endpos=0\n")
    with pytest.raises(AgiHangup):
        await helper(s)


async def test_510_and_520_are_command_errors_and_the_session_goes_on():
    s, _, _ = session(
        "510 Invalid or unknown command\n",
        "520-Invalid command syntax.  Proper usage follows:\n",
        " Usage: GET DATA <file> [timeout] [max digits]\n",
        "520 End of proper usage.\n",
        "200 result=0\n",
    )
    with pytest.raises(AgiCommandError) as unknown:
        await s.command("FROB")
    assert unknown.value.reply.code == 510
    with pytest.raises(AgiCommandError) as usage:
        await s.command("GET DATA")
    assert usage.value.reply.code == 520 and "Usage: GET DATA" in usage.value.reply.message
    await s.answer()
    assert not s.closed and not s.hung_up


async def test_provisional_100_is_not_the_reply():
    s, _, _ = session("100 result=0 Trying...\n", "200 result=0 Gosub complete\n")
    reply = await s.command("GOSUB", "sub-menu", "s", 1)
    assert (reply.code, reply.result, reply.message) == (200, "0", "Gosub complete")


async def test_eof_is_a_hangup():
    s, reader, writer = session()
    reader.feed_eof()
    with pytest.raises(AgiHangup):
        await s.answer()
    assert s.hung_up and writer.closed


async def test_garbage_reply_closes_the_session():
    s, _, writer = session("this is not AGI\n", "200 result=0\n")
    with pytest.raises(AgiProtocolError):
        await s.answer()
    assert writer.closed
    with pytest.raises(AgiHangup):
        await s.answer()


async def test_an_injected_argument_is_refused_before_anything_is_written():
    s, _, writer = session("200 result=0\n")
    with pytest.raises(ValueError):
        await s.set_variable("X", "1\nEXEC System rm")
    assert writer.data == b"" and not s.closed
    await s.answer()


async def test_one_command_in_flight_at_a_time():
    s, reader, writer = session()
    first = asyncio.create_task(s.command("ANSWER"))
    second = asyncio.create_task(s.command("VERBOSE", "x"))
    await written(writer, 1)
    for _ in range(5):
        await asyncio.sleep(0)
    assert writer.lines == ["ANSWER"]
    reader.feed_data(b"200 result=0\n")
    await written(writer, 2)
    reader.feed_data(b"200 result=1\n")
    assert (await first).result == "0" and (await second).result == "1"


async def test_cancelled_command_closes_the_session():
    s, _, writer = session()
    pending = asyncio.create_task(s.answer())
    await written(writer, 1)
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    assert writer.closed


# --- the server on a real socket -----------------------------------------------------------

def env(script: str = "ivr?lang=zh", uniqueid: str = "1700000000.1") -> bytes:
    return (
        "agi_network: yes\n"
        f"agi_network_script: {script}\n"
        f"agi_request: agi://127.0.0.1/{script}\n"
        "agi_channel: PJSIP/retailer-00000001\n"
        f"agi_uniqueid: {uniqueid}\n"
        "agi_callerid: 13800138000\n"
        "agi_arg_1: 4000\n"
        "\n"
    ).encode()


ASTERISK_REPLIES = {"ANSWER": "200 result=0", "GET DATA": "200 result=1234"}


async def fake_asterisk(port: int, script: str = "ivr?lang=zh",
                        uniqueid: str = "1700000000.1") -> list[str]:
    """Play Asterisk's side of one call; return the commands received until the server closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(env(script, uniqueid))
    commands = []
    try:
        while line := await reader.readline():
            command = line.decode().strip()
            commands.append(command)
            reply = next((r for c, r in ASTERISK_REPLIES.items() if command.startswith(c)),
                         "510 Invalid or unknown command")
            writer.write(reply.encode() + b"\n")
    finally:
        writer.close()
    return commands


def ivr_routes(seen: list):
    async def ivr(session: AgiSession) -> None:
        await session.answer()
        seen.append((session.request, await session.get_data("custom/card", 3000, 4)))

    return {"ivr": ivr}


async def open_quietly(port: int, data: bytes = b""):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if data:
        writer.write(data)
    return reader, writer


async def test_full_session_over_tcp():
    seen: list = []
    async with AgiServer(ivr_routes(seen), port=0) as server:
        assert server.port > 0
        commands = await asyncio.wait_for(fake_asterisk(server.port), 1.0)
    assert commands == ["ANSWER", "GET DATA custom/card 3000 4"]
    request, result = seen[0]
    assert result == ("1234", False)
    assert (request.script, dict(request.params), request.args) == ("ivr", {"lang": "zh"},
                                                                     ("4000",))


class ThreadedServer:
    """The server on its own loop and thread: if it stalled its loop, the clients on the test's
    loop would time out and fail instead of the whole test run hanging."""

    def __init__(self, server: AgiServer) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> int:
        self.thread.start()
        return asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(2)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(2)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(2)
        self.loop.close()


@pytest.fixture
def threaded():
    seen: list = []
    runner = ThreadedServer(AgiServer(ivr_routes(seen), port=0, header_timeout=0.2))
    port = runner.start()
    yield port, seen
    runner.stop()


async def test_bad_clients_never_stall_a_good_call(threaded, caplog):
    port, seen = threaded
    caplog.set_level(logging.INFO, logger="hotline.agi")
    _, closes_at_once = await open_quietly(port)
    closes_at_once.close()
    garbage = await open_quietly(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    binary = await open_quietly(port, b"\x00\xff\xfe\xfd" * 10)
    too_long = await open_quietly(port, b"agi_x: " + b"y" * 20000)
    never_finishes = await open_quietly(port, b"agi_network: yes\nagi_network_script: ivr\n")
    await asyncio.sleep(0.02)

    started = time.monotonic()
    commands = await asyncio.wait_for(fake_asterisk(port), 1.0)
    assert commands == ["ANSWER", "GET DATA custom/card 3000 4"]
    assert time.monotonic() - started < 0.5
    assert seen[0][1] == ("1234", False)

    # garbage is dropped at once; a client that never ends its headers after header_timeout
    for reader, _ in (garbage, too_long):
        assert await asyncio.wait_for(reader.read(), 0.15) == b""
    assert await asyncio.wait_for(never_finishes[0].read(), 1.0) == b""
    assert await asyncio.wait_for(binary[0].read(), 1.0) == b""
    assert time.monotonic() - started >= 0.15
    for _, writer in (garbage, binary, too_long, never_finishes):
        writer.close()

    messages = [r.getMessage() for r in caplog.records if r.name == "hotline.agi"]
    assert sum("closed before its headers ended" in m for m in messages) == 1
    assert sum("no complete headers within" in m for m in messages) == 2
    assert sum(" dropped: " in m for m in messages) == 2


async def test_a_failing_handler_is_logged_and_the_server_goes_on(caplog):
    async def boom(session: AgiSession) -> None:
        await session.answer()
        raise RuntimeError("handler bug")

    seen: list = []
    async with AgiServer({"boom": boom, **ivr_routes(seen)}, port=0) as server:
        with caplog.at_level(logging.INFO, logger="hotline.agi"):
            assert await asyncio.wait_for(fake_asterisk(server.port, "boom", "9.9"), 1) == [
                "ANSWER"]
        assert await asyncio.wait_for(fake_asterisk(server.port), 1.0) == [
            "ANSWER", "GET DATA custom/card 3000 4"]
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert (failure.agi_script, failure.agi_uniqueid) == ("boom", "9.9")
    assert failure.exc_info and isinstance(failure.exc_info[1], RuntimeError)


KEY = "the-engines-agi-key-42"


async def test_only_a_request_with_the_engines_key_reaches_a_handler(caplog):
    seen: list = []
    async with AgiServer(ivr_routes(seen), port=0, key=KEY) as server:
        with caplog.at_level(logging.WARNING, logger="hotline.agi"):
            for script in ("ivr", "ivr?key=", "ivr?key=not-the-key", f"ivr?key={KEY}x",
                           f"ivr?lang=zh&key={KEY[:-1]}"):
                assert await asyncio.wait_for(fake_asterisk(server.port, script), 1.0) == []
        assert seen == []
        assert await asyncio.wait_for(fake_asterisk(server.port, f"ivr?key={KEY}"), 1.0) == [
            "ANSWER", "GET DATA custom/card 3000 4"]
    assert len(seen) == 1
    dropped = [r for r in caplog.records if "without the engine's key" in r.getMessage()]
    assert len(dropped) == 5 and all(KEY not in r.getMessage() for r in dropped)


async def test_a_handler_on_live_channels_drops_a_channel_the_pbx_does_not_have(caplog):
    seen: list = []
    asked: list = []

    async def exists(channel: str, uniqueid: str) -> bool:
        asked.append((channel, uniqueid))
        return uniqueid == "1700000000.1"

    routes = {"ivr": on_live_channel(ivr_routes(seen)["ivr"], exists)}
    async with AgiServer(routes, port=0) as server:
        with caplog.at_level(logging.WARNING, logger="hotline.agi"):
            assert await asyncio.wait_for(fake_asterisk(server.port, "ivr", "9.9"), 1.0) == []
        assert await asyncio.wait_for(fake_asterisk(server.port, "ivr"), 1.0) == [
            "ANSWER", "GET DATA custom/card 3000 4"]
    assert asked == [("PJSIP/retailer-00000001", "9.9"),
                     ("PJSIP/retailer-00000001", "1700000000.1")]
    assert len(seen) == 1
    assert any("which the PBX does not have" in r.getMessage() for r in caplog.records)


async def test_unknown_script_closes_the_connection(caplog):
    async with AgiServer({}, port=0) as server:
        with caplog.at_level(logging.WARNING, logger="hotline.agi"):
            assert await asyncio.wait_for(fake_asterisk(server.port, "nope"), 1.0) == []
    assert any("unknown AGI script" in r.getMessage() and r.agi_script == "nope"
               for r in caplog.records)


async def test_a_hangup_ends_the_handler_quietly(caplog):
    ended = asyncio.Event()

    async def ivr(session: AgiSession) -> None:
        try:
            await session.stream_file("custom/menu")
        finally:
            ended.set()

    async with AgiServer({"ivr": ivr}, port=0) as server:
        reader, writer = await open_quietly(server.port, env())
        assert await reader.readline() == b'STREAM FILE custom/menu ""\n'
        writer.write(b"HANGUP\n200 result=-1 endpos=0\n")
        await asyncio.wait_for(ended.wait(), 1.0)
        assert await asyncio.wait_for(reader.read(), 1.0) == b""
        writer.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_hangup_sent_right_after_the_headers_is_not_lost():
    outcome: list = []

    async def ivr(session: AgiSession) -> None:
        try:
            await session.answer()
        except AgiHangup:
            outcome.append(session.hung_up)

    async with AgiServer({"ivr": ivr}, port=0) as server:
        reader, writer = await open_quietly(server.port, env() + b"HANG")
        await asyncio.sleep(0.02)
        writer.write(b"UP\n")
        assert await asyncio.wait_for(reader.read(), 1.0) == b"ANSWER\n"
        writer.close()
    assert outcome == [True]


async def test_close_cancels_every_session_and_leaves_no_task_behind():
    entered, cancelled = asyncio.Event(), asyncio.Event()

    async def forever(session: AgiSession) -> None:
        await session.answer()
        entered.set()
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    server = AgiServer({"ivr": forever}, port=0, header_timeout=30)
    port = await server.start()
    call = asyncio.create_task(fake_asterisk(port))
    _, half = await open_quietly(port, b"agi_network: yes\n")
    await asyncio.wait_for(entered.wait(), 1.0)
    assert len(server._tasks) == 2

    await asyncio.wait_for(server.close(), 1.0)
    assert cancelled.is_set() and not server._tasks
    assert await asyncio.wait_for(call, 1.0) == ["ANSWER"]
    half.close()
    assert asyncio.all_tasks() == {asyncio.current_task()}
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)


async def test_serve_forever_returns_on_close_and_closes_on_cancel():
    seen: list = []
    server = AgiServer(ivr_routes(seen), port=0)
    serving = asyncio.create_task(server.serve_forever())
    while not server.port:
        await asyncio.sleep(0.01)
    assert await asyncio.wait_for(fake_asterisk(server.port), 1.0)
    await server.close()
    await asyncio.wait_for(serving, 1.0)

    again = AgiServer(ivr_routes(seen), port=0)
    await again.start()
    serving = asyncio.create_task(again.serve_forever())
    await asyncio.sleep(0)
    serving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await serving
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", again.port)


async def test_an_agi_sessions_lines_name_its_call_and_its_turns_are_observed(json_lines):
    async def ivr(session: AgiSession) -> None:
        await session.answer()
        logging.getLogger("hotline.test").info("inside the IVR")
        await session.get_data("custom/card", 3000, 4)

    async with AgiServer({"ivr": ivr}, port=0) as server:
        await fake_asterisk(server.port, uniqueid="1700000000.7")
        logging.getLogger("hotline.test").info("after the call")
        assert server.turns.count(script="ivr") == 2  # ANSWER and GET DATA
    lines = {line["msg"]: line for line in json_lines()}
    assert lines["inside the IVR"]["call_id"] == "1700000000.7"
    started = next(line for msg, line in lines.items() if msg.startswith("AGI ivr started"))
    assert started["call_id"] == "1700000000.7"
    assert "call_id" not in lines["after the call"]
