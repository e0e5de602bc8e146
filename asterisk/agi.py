"""Asyncio FastAGI server: one task per call, one command in flight per call.

The session reads only while a command waits for its reply, so an unsolicited ``HANGUP`` is seen
by the next command; from then on every command fails at once, and a reply Asterisk still sends
for the command in flight is never read as the reply of a later one.
"""
import asyncio
import hmac
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from asterisk.agi_protocol import (
    MAX_HEADER_BYTES,
    AgiCommandError,
    AgiError,
    AgiHangup,
    AgiProtocolError,
    AgiReply,
    AgiRequest,
    AgiTimeout,
    EnvParser,
    ReplyParser,
    encode_command,
    is_hangup_line,
)
from asterisk.dialplan import AGI_KEY_PARAM
from telemetry import log_context
from telemetry.metrics import Histogram

__all__ = [
    "AgiCommandError", "AgiError", "AgiHangup", "AgiProtocolError", "AgiReply", "AgiRequest",
    "AgiServer", "AgiSession", "AgiTimeout", "Handler", "on_live_channel",
]

log = logging.getLogger("hotline.agi")
MSET_UNSAFE = frozenset(',"\'\\()[]{}=$')  # what MSet's argument parsing would read


class Reader(Protocol):
    async def readline(self) -> bytes: ...


class Writer(Protocol):
    def write(self, data: bytes) -> None: ...

    async def drain(self) -> None: ...

    def close(self) -> None: ...


class _Replay:
    """A reader that first hands back the bytes that were read past the headers."""

    def __init__(self, head: bytes, reader: Reader) -> None:
        self._head = head
        self._reader = reader

    async def readline(self) -> bytes:
        if not self._head:
            return await self._reader.readline()
        end = self._head.find(b"\n") + 1
        if end:
            line, self._head = self._head[:end], self._head[end:]
            return line
        line, self._head = self._head, b""
        return line + await self._reader.readline()


class AgiSession:
    """One call's FastAGI conversation, over any reader/writer pair (a socket, or memory in tests).

    ``timeout`` of a command: None takes the session's ``command_timeout``; ``math.inf`` waits
    for ever (EXEC of Dial or Bridge lasts as long as the call).

    One command per round trip: Asterisk (22.10) reads the socket through a stdio buffer after
    poll(), so a second command written with the first waits there until more bytes arrive.
    """

    def __init__(self, request: AgiRequest, reader: Reader, writer: Writer, *,
                 command_timeout: float = 60.0, turns: Histogram | None = None) -> None:
        self.request = request
        self.turns = turns
        self._asked_at = time.perf_counter()  # the request read, or the last reply
        self.command_timeout = command_timeout
        self.hung_up = False
        self.closed = False
        self._reader = reader
        self._writer = writer
        self._lock = asyncio.Lock()
        self._log_fields = {"agi_script": request.script, "agi_uniqueid": request.uniqueid}

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._writer.close()

    async def command(self, command: str, *args: str | int,
                      timeout: float | None = None) -> AgiReply:
        line = encode_command(command, *args)  # a ValueError leaves the session as it was
        limit = self.command_timeout if timeout is None else timeout
        async with self._lock:
            if self.hung_up:
                raise AgiHangup("channel hung up")
            if self.closed:
                raise AgiHangup("AGI session closed")
            if self.turns is not None:
                self.turns.observe(time.perf_counter() - self._asked_at,
                                   script=self.request.script)
            try:
                async with asyncio.timeout(None if math.isinf(limit) else limit):
                    self._writer.write(line)
                    await self._writer.drain()
                    reply = await self._read_reply()
                    self._asked_at = time.perf_counter()
            except TimeoutError:
                # A late reply would be read as the next command's: this session is over.
                self.close()
                log.warning("AGI %s: no reply within %s s, session closed", command, limit,
                            extra=self._log_fields)
                raise AgiTimeout(f"no reply to {command} within {limit} s") from None
            except ConnectionError as exc:
                self.hung_up = True
                self.close()
                raise AgiHangup("connection to Asterisk lost") from exc
            except AgiHangup:
                raise
            except BaseException:  # protocol error or cancellation: the stream is out of step
                self.close()
                raise
        if reply.code == 511:
            self.hung_up = True
            raise AgiHangup(reply.message or "511 on a dead channel")
        if reply.code != 200:
            raise AgiCommandError(reply)
        return reply

    async def _read_reply(self) -> AgiReply:
        parser = ReplyParser()
        while True:
            try:
                raw = await self._reader.readline()
            except ValueError as exc:  # longer than the stream's limit
                raise AgiProtocolError("AGI reply line too long") from exc
            if not raw.endswith(b"\n"):  # EOF, perhaps after a partial line
                self.hung_up = True
                self.close()
                raise AgiHangup("Asterisk closed the AGI connection")
            line = raw.decode("utf-8", "replace")
            if not parser.pending and is_hangup_line(line):
                self.hung_up = True
                log.info("AGI channel hung up", extra=self._log_fields)
                raise AgiHangup("channel hung up")
            reply = parser.feed(line)
            if reply is not None and reply.code >= 200:  # 100 Trying is provisional
                return reply

    def _wait_limit(self, timeout: float | None, wait_ms: int) -> float:
        """Timeout for a command that itself waits ``wait_ms`` for the caller."""
        if timeout is not None:
            return timeout
        return math.inf if wait_ms < 0 else self.command_timeout + wait_ms / 1000

    @staticmethod
    def _check_failure(reply: AgiReply, what: str) -> None:
        if reply.result == "-1":
            raise AgiHangup(f"{what} failed (result -1: hangup or error)")

    async def answer(self) -> None:
        self._check_failure(await self.command("ANSWER"), "ANSWER")

    async def hangup(self) -> None:
        await self.command("HANGUP")

    async def set_variable(self, name: str, value: str) -> None:
        await self.command("SET VARIABLE", name, value)

    async def set_variables(self, values: Mapping[str, str]) -> None:
        """Several variables in one round trip (MSet), in order. MSet splits its argument at
        commas and reads quotes, backslashes and brackets: a value holding one of those is set
        on its own."""
        plain = {n: v for n, v in values.items() if not MSET_UNSAFE.intersection(n + v)}
        if plain:
            await self.exec("MSet", ",".join(f"{n}={v}" for n, v in plain.items()))
        for name, value in values.items():
            if name not in plain:
                await self.set_variable(name, value)

    async def get_variable(self, name: str) -> str | None:
        reply = await self.command("GET VARIABLE", name)
        return reply.data if reply.result == "1" else None

    async def stream_file(self, name: str, escape_digits: str = "", *,
                          timeout: float | None = None) -> str:
        """Play a prompt; the escape digit pressed, or ''. -1 (hangup, or a missing file)
        raises AgiHangup."""
        reply = await self.command("STREAM FILE", name, escape_digits, timeout=timeout)
        self._check_failure(reply, "STREAM FILE")
        return reply.digit

    async def get_data(self, prompt: str, timeout_ms: int, max_digits: int, *,
                       timeout: float | None = None) -> tuple[str, bool]:
        """Play a prompt and collect digits: (digits, timed_out)."""
        reply = await self.command("GET DATA", prompt, timeout_ms, max_digits,
                                   timeout=self._wait_limit(timeout, timeout_ms))
        self._check_failure(reply, "GET DATA")
        return reply.result, reply.data == "timeout"

    async def wait_for_digit(self, timeout_ms: int, *, timeout: float | None = None) -> str:
        reply = await self.command("WAIT FOR DIGIT", timeout_ms,
                                   timeout=self._wait_limit(timeout, timeout_ms))
        self._check_failure(reply, "WAIT FOR DIGIT")
        return reply.digit

    async def exec(self, app: str, options: str = "", *,
                   timeout: float | None = None) -> AgiReply:
        return await self.command("EXEC", app, options, timeout=timeout)

    async def gosub(self, context: str, args: Sequence[str], *, exten: str = "s",
                    priority: int = 1, timeout: float | None = None) -> None:
        """Run a dialplan subroutine with its arguments (ARG1, ARG2, ...) and wait for its
        Return. -1 (the subroutine not found, or the caller gone) raises AgiHangup."""
        reply = await self.command("GOSUB", context, exten, priority, ",".join(args),
                                   timeout=timeout)
        self._check_failure(reply, f"GOSUB {context}")

    async def verbose(self, msg: str, level: int = 1) -> None:
        await self.command("VERBOSE", msg, level)


Handler = Callable[[AgiSession], Awaitable[None]]


def on_live_channel(handler: Handler, exists: Callable[[str, str], Awaitable[bool]]) -> Handler:
    """The handler, only for a channel the PBX has now with the request's uniqueid (`exists`
    asks the PBX): a request that names a channel of its own invention is dropped."""
    async def checked(session: AgiSession) -> None:
        request = session.request
        if not await exists(request.channel, request.uniqueid):
            log.warning("AGI %s for channel %r (uniqueid %r), which the PBX does not have: "
                        "dropped", request.script, request.channel, request.uniqueid,
                        extra={"agi_script": request.script, "agi_uniqueid": request.uniqueid})
            return
        await handler(session)
    return checked


class AgiServer:
    """Routes each call to the handler of its script (``agi://host:port/<script>?k=v``). With a
    `key`, only a request whose URL carries it (``?key=...``, compared in constant time) is
    answered; any other is dropped, logged, before a handler sees it."""

    def __init__(self, routes: Mapping[str, Handler], *, host: str = "127.0.0.1",
                 port: int = 4573, header_timeout: float = 5.0, command_timeout: float = 60.0,
                 max_header_bytes: int = MAX_HEADER_BYTES, key: str | None = None) -> None:
        self.routes = dict(routes)
        self._key = None if key is None else key.encode()
        self.host = host
        self.port = port
        self.header_timeout = header_timeout
        self.command_timeout = command_timeout
        self.max_header_bytes = max_header_bytes
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # The engine's turn: how long Asterisk waited for each next command (the PBX's own
        # time, a prompt played or keys awaited, is not in it).
        self.turns = Histogram(
            "hotline_agi_turn_seconds",
            "FastAGI: from a request (or the reply to a command) to the engine's next command,"
            " by script", ("script",))
        self._closing = False
        self._stopped = asyncio.Event()

    async def start(self) -> int:
        if self._server is not None:
            raise RuntimeError("AgiServer already started")
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("FastAGI listening on %s:%d", self.host, self.port)
        return self.port

    @property
    def listening(self) -> bool:
        return self._server is not None and self._server.is_serving()

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        try:
            await self._stopped.wait()
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop listening, cancel every call's task and wait for them all."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        self._stopped.set()

    async def __aenter__(self) -> "AgiServer":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._closing:
            writer.close()
            return
        task = asyncio.create_task(self._run(reader, writer), name="agi-connection")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: "asyncio.Task[None]") -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("AGI connection task failed", exc_info=task.exception())

    async def _run(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await self._read_request(reader, writer.get_extra_info("peername"))
            if head is not None:
                request, rest = head
                await self._dispatch(request, _Replay(rest, reader) if rest else reader, writer)
        finally:
            writer.close()

    async def _read_request(self, reader: asyncio.StreamReader,
                            peer: Any) -> tuple[AgiRequest, bytes] | None:
        """The request, and any bytes that came after it (an early HANGUP)."""
        parser = EnvParser(self.max_header_bytes)
        fields = {"agi_peer": str(peer)}
        try:
            async with asyncio.timeout(self.header_timeout):
                while True:
                    # Chunks, not lines: a line without end must not grow past the limit.
                    chunk = await reader.read(4096)
                    if not chunk:  # EOF: never loop on it
                        log.info("AGI client %s closed before its headers ended", peer,
                                 extra=fields)
                        return None
                    request = parser.feed(chunk)
                    if request is not None:
                        return request, parser.rest
        except TimeoutError:
            log.warning("AGI client %s sent no complete headers within %s s, dropped", peer,
                        self.header_timeout, extra=fields)
        except AgiProtocolError as exc:
            log.warning("AGI client %s dropped: %s", peer, exc, extra=fields)
        except ConnectionError as exc:
            log.info("AGI client %s lost before its headers ended: %r", peer, exc, extra=fields)
        return None

    async def _dispatch(self, request: AgiRequest, reader: Reader, writer: Writer) -> None:
        fields = {"agi_script": request.script, "agi_uniqueid": request.uniqueid}
        if self._key is not None and not hmac.compare_digest(
                request.params.get(AGI_KEY_PARAM, "").encode(), self._key):
            log.warning("AGI request for %r without the engine's key (channel %r): dropped",
                        request.script, request.channel, extra=fields)
            return
        handler = self.routes.get(request.script)
        if handler is None:
            # Closing ends the AGI; Asterisk carries on in the dialplan (AGISTATUS=SUCCESS).
            log.warning("unknown AGI script %r (uniqueid %s)", request.script,
                        request.uniqueid, extra=fields)
            return
        session = AgiSession(request, reader, writer, command_timeout=self.command_timeout,
                             turns=self.turns)
        with log_context.bound(call=request.uniqueid or None):  # in each of its log lines
            log.info("AGI %s started (uniqueid %s)", request.script, request.uniqueid,
                     extra=fields)
            try:
                await handler(session)
            except AgiHangup as exc:
                log.info("AGI %s ended: %s (uniqueid %s)", request.script, exc,
                         request.uniqueid, extra=fields)
            except Exception:
                log.exception("AGI handler for %s failed (uniqueid %s)", request.script,
                              request.uniqueid, extra=fields)
            finally:
                session.close()
