"""AMI client: login, typed events in order on a queue, correlated actions, ping deadline,
reconnect with backoff, and a LinkUp announcement after every (re)login so the domain resyncs.

Why not panoramisk's Manager: it never checks its ping replies (half-open links go unnoticed),
reconnects at a fixed pace forever, re-sends queued actions after a reconnect (a re-sent
Originate places a second call) and drops the link on a synchronous Originate. The parsing here
is sans-IO (asterisk.ami_protocol) and the socket loop is a thin wrapper around it.
"""
import asyncio
import itertools
import logging
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from asterisk.ami_protocol import AmiJunk, AmiMessage, AmiParser, encode_action
from asterisk.events import AmiEvent, FullyBooted, to_event
from asterisk.settings import AmiSettings
from telemetry.metrics import Histogram

log = logging.getLogger("hotline.ami")


class AmiError(Exception):
    pass


class AmiNotConnected(AmiError):
    pass


class AmiTimeout(AmiError):
    pass


class AmiActionFailed(AmiError):
    def __init__(self, response: "AmiResponse") -> None:
        super().__init__(f"{response.action}: {response.message or 'Error'}")
        self.response = response


class AmiLoginFailed(AmiError):
    pass


@dataclass(frozen=True, slots=True)
class LinkUp:
    """Announced after every successful login: whatever the domain knew may be stale."""

    server: str
    generation: int
    banner: str


@dataclass(frozen=True, slots=True)
class LinkDown:
    server: str
    generation: int
    reason: str


@dataclass(frozen=True, slots=True)
class AmiResponse:
    action: str
    success: bool
    message: str
    fields: Mapping[str, str]
    events: tuple[AmiMessage, ...] = ()


AmiItem = AmiEvent | LinkUp | LinkDown


@dataclass
class _Pending:
    action: str
    is_list: bool
    future: asyncio.Future
    response: AmiMessage | None = None
    events: list[AmiMessage] = field(default_factory=list)

    def feed(self, message: AmiMessage) -> bool:
        """Take one message for this action; True once the action is complete."""
        if message.response is not None and self.response is None:
            self.response = message
            if self.is_list and message.response == "Success":
                return False
            return self._resolve()
        if message.fields.get("EventList") == "Complete":
            return self._resolve()
        self.events.append(message)
        return False

    def _resolve(self) -> bool:
        assert self.response is not None
        f = self.response.fields
        if not self.future.done():
            self.future.set_result(AmiResponse(
                action=self.action, success=f.get("Response") in ("Success", "Follows", "Goodbye"),
                message=f.get("Message", ""), fields=f, events=tuple(self.events),
            ))
        return True


class AmiClient:
    def __init__(self, settings: AmiSettings, queue: asyncio.Queue[AmiItem] | None = None) -> None:
        self.settings = settings
        self.server = settings.server_name
        self.queue: asyncio.Queue[AmiItem] = queue if queue is not None else asyncio.Queue()
        self.generation = 0
        self.connected = False
        self.connected_since: float | None = None
        self.last_error: str | None = None
        self.banner = ""
        self.fully_booted = asyncio.Event()
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:8]
        self._up = asyncio.Event()
        self._before_link_up: list[AmiEvent] = []
        self.round_trips = Histogram(
            "hotline_ami_action_seconds",
            "AMI actions from sent to answered (a list action: to its last event), by action",
            ("action",))

    # -- public API ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Stay connected until cancelled."""
        failures = 0
        while True:
            try:
                await self._session()
            except* (OSError, EOFError, AmiError, TimeoutError) as group:
                self._note_failure(group.exceptions[0])
            was_up = self.connected
            self._link_down()
            failures = 0 if was_up else failures + 1
            await asyncio.sleep(self._backoff(failures))

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._up.wait(), timeout)

    async def action(
        self, name: str, fields: Mapping[str, str | list[str]] | None = None, *,
        timeout: float | None = None, is_list: bool = False, check: bool = True,
    ) -> AmiResponse:
        writer = self._writer
        if writer is None or (not self.connected and name != "Login"):
            raise AmiNotConnected(name)
        action_id = f"{self._prefix}-{next(self._ids)}"
        pending = _Pending(name, is_list, asyncio.get_running_loop().create_future())
        data = encode_action(name, action_id, fields or {})
        self._pending[action_id] = pending
        sent = time.perf_counter()
        try:
            writer.write(data)
            # Not wait_for: on Python 3.11 it drops a cancellation that comes as the reply does,
            # and a ping loop cancelled so went on for ever (the engine never shut down).
            async with asyncio.timeout(
                    timeout if timeout is not None else self.settings.action_timeout):
                response = await pending.future
        except TimeoutError:
            raise AmiTimeout(f"{name}: no reply") from None
        finally:
            self._pending.pop(action_id, None)
        self.round_trips.observe(time.perf_counter() - sent, action=name)
        if check and not response.success:
            raise AmiActionFailed(response)
        return response

    async def action_list(
        self, name: str, fields: Mapping[str, str | list[str]] | None = None, *,
        timeout: float | None = None,
    ) -> AmiResponse:
        """An action answered by a list of events closed by `EventList: Complete`."""
        return await self.action(name, fields, timeout=timeout, is_list=True)

    async def originate(
        self, channel: str, *, context: str | None = None, exten: str | None = None,
        priority: int = 1, application: str | None = None, data: str | None = None,
        caller_id: str | None = None, timeout_ms: int = 30_000,
        variables: Mapping[str, str] | None = None, channel_id: str | None = None,
    ) -> str:
        """Always Async; returns the ChannelId, which becomes the new channel's Uniqueid."""
        channel_id = channel_id or f"hotline-{uuid.uuid4().hex}"
        await self.action("Originate", originate_fields(
            channel, channel_id, context=context, exten=exten, priority=priority,
            application=application, data=data, caller_id=caller_id, timeout_ms=timeout_ms,
            variables=variables))
        return channel_id

    def status(self) -> dict[str, object]:
        return {
            "server": self.server, "connected": self.connected, "generation": self.generation,
            "connected_since": self.connected_since, "last_error": self.last_error,
            "banner": self.banner,
        }

    # -- the connection -----------------------------------------------------------------------

    async def _session(self) -> None:
        s = self.settings
        async with asyncio.timeout(s.action_timeout):  # not wait_for: see action()
            reader, writer = await asyncio.open_connection(s.host, s.port)
        self._writer = writer
        parser = AmiParser()
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self._read_loop(reader, parser))
                await self._login()
                self.banner = parser.banner or ""
                self.generation += 1
                self.connected = True
                self.connected_since = time.time()
                self.last_error = None
                self._up.set()
                log.info("ami link up",
                         extra={"server": self.server, "generation": self.generation})
                self.queue.put_nowait(LinkUp(self.server, self.generation, self.banner))
                for event in self._before_link_up:  # sent with the login reply: after LinkUp
                    self.queue.put_nowait(event)
                self._before_link_up.clear()
                tg.create_task(self._ping_loop())
        finally:
            writer.close()
            self._writer = None

    async def _login(self) -> None:
        s = self.settings
        try:
            await self.action(
                "Login",
                {"Username": s.username, "Secret": s.secret.get_secret_value(), "Events": "on"},
            )
        except AmiActionFailed as exc:
            raise AmiLoginFailed(f"login refused for user {s.username!r}") from exc

    async def _read_loop(self, reader: asyncio.StreamReader, parser: AmiParser) -> None:
        while data := await reader.read(65536):
            for item in parser.feed(data):
                if isinstance(item, AmiJunk):
                    log.warning("ami junk skipped",
                                extra={"reason": item.reason, "raw": item.raw[:80]})
                else:
                    self._dispatch(item)
        raise EOFError("AMI connection closed by the PBX")

    def _dispatch(self, message: AmiMessage) -> None:
        action_id = message.action_id
        pending = self._pending.get(action_id) if action_id else None
        if action_id and pending is not None:  # pending implies an action id
            if pending.feed(message):
                self._pending.pop(action_id, None)
            return
        if message.event is None:
            return  # the late reply of an action that timed out
        try:
            event = to_event(message, self.server)
        except Exception:
            log.exception("ami event not typed", extra={"event": message.event})
            return
        if isinstance(event, FullyBooted):
            self.fully_booted.set()
        if self.connected:
            self.queue.put_nowait(event)
        else:
            self._before_link_up.append(event)

    async def _ping_loop(self) -> None:
        s = self.settings
        while True:
            await asyncio.sleep(s.ping_interval)
            try:
                await self.action("Ping", timeout=s.ping_timeout)
            except AmiTimeout:
                raise AmiTimeout(
                    f"no ping reply within {s.ping_timeout}s: link presumed dead") from None

    def _note_failure(self, exc: BaseException) -> None:
        self.last_error = f"{type(exc).__name__}: {exc}"
        level = logging.WARNING if self.connected else logging.INFO
        log.log(level, "ami link failed", extra={"server": self.server, "error": self.last_error})

    def _link_down(self) -> None:
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(AmiNotConnected(pending.action))
        self._pending.clear()
        self._before_link_up.clear()
        self.fully_booted.clear()
        self._up.clear()
        if self.connected:
            self.connected = False
            self.connected_since = None
            self.queue.put_nowait(LinkDown(self.server, self.generation, self.last_error or ""))

    def _backoff(self, failures: int) -> float:
        s = self.settings
        delay = min(s.reconnect_max, s.reconnect_min * (2 ** min(failures, 16)))
        return delay * random.uniform(0.5, 1.0)


def originate_fields(
    channel: str, channel_id: str, *, context: str | None = None, exten: str | None = None,
    priority: int | str = 1, application: str | None = None, data: str | None = None,
    caller_id: str | None = None, timeout_ms: int = 30_000,
    variables: Mapping[str, str] | None = None,
) -> dict[str, str | list[str]]:
    """An Originate's fields: always Async, correlated by the ChannelId given."""
    fields: dict[str, str | list[str]] = {
        "Channel": channel, "Async": "true", "ChannelId": channel_id,
        "Timeout": str(timeout_ms),
    }
    if application:
        fields["Application"] = application
        if data is not None:
            fields["Data"] = data
    else:
        fields.update({"Context": context or "", "Exten": exten or "",
                       "Priority": str(priority)})
    if caller_id:
        fields["CallerID"] = caller_id
    if variables:
        fields["Variable"] = [f"{k}={v}" for k, v in variables.items()]
    return fields
