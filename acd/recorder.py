"""Call recordings as the PBX makes them: MixMonitor on the customer's channel from the moment
the call reaches an agent. The PBX's own events say which file a call records to, when it is
paused and when the call ends; then the file is measured (duration, size, SHA-256) and its row
completed. A call that should have been recorded and has no usable file is flagged missing."""
import asyncio
import hashlib
import logging
import time
import wave
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from asterisk import dialplan as dp
from asterisk.ami import AmiItem
from asterisk.config import RECORDINGS_DIR
from asterisk.events import BridgeEnter, Hangup, MixMonitorMute, VarSet
from models import Recording, RecordingPolicy, RecordingStatus, database_unreachable
from models.write_behind import RETRY_SECONDS

log = logging.getLogger("hotline.acd.recorder")
SETTLE_SECONDS = 0.3  # the file is finished when its size holds this long after the call
FINISH_TIMEOUT = 15.0  # the PBX has this long to close the file


def file_name(linkedid: str, at: float) -> str:
    """A call's recording under the recordings folder, as the dialplan names it."""
    return time.strftime("%Y/%m/%d", time.localtime(at)) + f"/{linkedid}.wav"


@dataclass
class Take:
    """One call's recording while the call lasts."""

    linkedid: str
    channel: str  # the customer's channel, which MixMonitor is on
    agent_id: int | None
    queue: str | None
    policy: RecordingPolicy
    file: str | None = None
    starting: bool = False  # asked to start; the PBX has not said its file yet
    started_at: float | None = None
    connected: bool = False  # the customer reached the agent's bridge
    muted_since: float | None = None
    paused_seconds: float = 0.0
    pauses: list[dict[str, object]] = field(default_factory=list)

    @property
    def muted(self) -> bool:
        return self.muted_since is not None


@dataclass(frozen=True, slots=True)
class Measured:
    duration: float
    size: int
    sha256: str


def measure(path: Path) -> Measured | None:
    """The finished file's figures, or None when it is absent or not a readable WAV."""
    try:
        with wave.open(str(path), "rb") as w:
            duration = w.getnframes() / w.getframerate()
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 16), b""):
                digest.update(chunk)
        return Measured(round(duration, 2), path.stat().st_size, digest.hexdigest())
    except (OSError, EOFError, wave.Error):
        return None


async def settled(path: Path, timeout: float = FINISH_TIMEOUT) -> bool:
    """Whether the file exists and has stopped growing (the PBX closes it after the call)."""
    deadline, last = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        size = path.stat().st_size if path.exists() else -1
        if size >= 0 and size == last:
            return True
        last = size
        await asyncio.sleep(SETTLE_SECONDS)
    return path.exists()


class Recorder:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], folder: Path,
                 server: str = "local", clock: Callable[[], float] = time.time) -> None:
        self.sessions = sessions
        self.folder = folder
        self.server = server
        self.clock = clock
        self.takes: dict[str, Take] = {}  # linkedid -> its recording, while the call lasts
        self._jobs: asyncio.Queue[tuple[str, Take]] = asyncio.Queue()

    # what the ACD tells it ------------------------------------------------------------------

    def expect(self, linkedid: str, channel: str, agent_id: int | None, queue: str | None,
               policy: RecordingPolicy) -> None:
        """A call delivered to an agent under this policy (ALWAYS: it must end with a file)."""
        take = self.takes.get(linkedid)
        if take is None:
            self.takes[linkedid] = Take(linkedid, channel, agent_id, queue, policy)
        else:
            take.channel, take.agent_id = channel, agent_id

    def take_of(self, channel: str) -> Take | None:
        return next((t for t in self.takes.values() if t.channel == channel), None)

    # the PBX's events -------------------------------------------------------------------------

    def feed(self, item: AmiItem) -> None:
        take: Take | None
        match item:
            case VarSet(channel=ch, variable=dp.VAR_RECORDING_FILE, value=path) if path:
                take = self.takes.get(ch.linkedid) or self.takes.setdefault(
                    ch.linkedid, Take(ch.linkedid, ch.name, None, None, RecordingPolicy.ON_DEMAND,
                                      connected=True))
                if take.file is None:
                    take.file = path.removeprefix(RECORDINGS_DIR + "/")
                    take.started_at = self.clock()
                    self._jobs.put_nowait(("open", take))
            case BridgeEnter(channel=ch) if ch.linkedid in self.takes:
                self.takes[ch.linkedid].connected |= ch.name == self.takes[ch.linkedid].channel
            case MixMonitorMute(channel=ch, muted=muted):
                take = self.takes.get(ch.linkedid)
                if take is not None and take.file and muted != take.muted:
                    self._mute(take, muted)
                    self._jobs.put_nowait(("update", take))
            case Hangup(channel=ch) if ch.linkedid in self.takes:
                take = self.takes[ch.linkedid]
                if ch.name == take.channel:
                    del self.takes[ch.linkedid]
                    if take.muted:
                        self._mute(take, False)
                    self._jobs.put_nowait(("finish", take))

    def _mute(self, take: Take, muted: bool) -> None:
        now = self.clock()
        if muted:
            take.muted_since = now
        else:
            take.paused_seconds += now - (take.muted_since or now)
            take.muted_since = None
        take.pauses.append({"at": _iso(now), "muted": muted})

    # after a restart: recordings whose call ended while the engine was away ---------------------

    async def sweep(self, live: Mapping[str, str]) -> None:
        """`live`: each live call's customer channel (its first) by linkedid. A recording whose
        call ended meanwhile (on record, or followed here until the PBX died with the call and
        never told its end) is finished now; one whose call goes on is followed to its end."""
        for linkedid in [call for call in self.takes if call not in live]:  # died with the PBX
            self._jobs.put_nowait(("finish", self.takes.pop(linkedid)))
        async with self.sessions() as s:
            rows = (await s.execute(select(Recording.linkedid, Recording.file, Recording.agent_id,
                                           Recording.queue, Recording.policy)
                                    .where(Recording.pbx_server == self.server,
                                           Recording.status == RecordingStatus.RECORDING))).all()
        for linkedid, file, agent_id, queue, policy in rows:
            if linkedid in self.takes:
                continue
            take = Take(linkedid, live.get(linkedid, ""), agent_id, queue, policy, file=file,
                        connected=True)
            if linkedid in live:
                self.takes[linkedid] = take
            else:
                self._jobs.put_nowait(("finish", take))

    # rows and files, off the event path --------------------------------------------------------

    async def run(self) -> None:
        """Rows in the order of the events; each finished call measured in a task of its own
        (waiting for the PBX to close a file must not hold up the next call's)."""
        async with asyncio.TaskGroup() as finishing:
            while True:
                job, take = await self._jobs.get()
                if job == "finish":
                    finishing.create_task(self._done(partial(self._finish, take), take))
                else:
                    await self._done(partial(self._save, take, RecordingStatus.RECORDING), take)

    async def _done(self, work: Callable[[], Awaitable[None]], take: Take) -> None:
        """The job done, tried again while the database is unreachable (a restart): the rows
        come in order once it is back."""
        try:
            while True:
                try:
                    return await work()
                except (SQLAlchemyError, OSError) as exc:
                    if not database_unreachable(exc):
                        log.exception("recording row not written",
                                      extra={"linkedid": take.linkedid})
                        return
                    log.warning("database unreachable; recording row deferred",
                                extra={"linkedid": take.linkedid})
                    await asyncio.sleep(RETRY_SECONDS)
        finally:
            self._jobs.task_done()

    async def drain(self) -> None:
        """Wait until every job queued so far is done."""
        await self._jobs.join()

    async def _finish(self, take: Take) -> None:
        if not take.connected:  # the customer never reached the agent: nothing to keep
            await self._discard(take)
            return
        measured = None
        if take.file is not None:
            path = self.folder / take.file
            if await settled(path):
                measured = await asyncio.to_thread(measure, path)
        if measured is None and take.file is None and take.policy != RecordingPolicy.ALWAYS:
            return  # not recorded, and not meant to be
        if measured is None:
            problem = ("no recording was started" if take.file is None
                       else "the recording file is missing or unreadable")
            log.warning("recording missing", extra={"linkedid": take.linkedid, "problem": problem})
            await self._save(take, RecordingStatus.MISSING, problem=problem)
        else:
            await self._save(take, RecordingStatus.COMPLETE, measured)
            log.info("recording complete", extra={"linkedid": take.linkedid, "file": take.file,
                                                  "seconds": measured.duration})

    async def _discard(self, take: Take) -> None:
        if take.file is not None:
            await settled(self.folder / take.file)
            (self.folder / take.file).unlink(missing_ok=True)
        async with self.sessions() as s, s.begin():
            await s.execute(delete(Recording).where(Recording.pbx_server == self.server,
                                                    Recording.linkedid == take.linkedid))

    async def _save(self, take: Take, status: RecordingStatus, measured: Measured | None = None,
                    problem: str | None = None) -> None:
        async with self.sessions() as s, s.begin():
            row = await s.scalar(select(Recording).where(Recording.pbx_server == self.server,
                                                         Recording.linkedid == take.linkedid))
            if row is None:
                row = Recording(pbx_server=self.server, linkedid=take.linkedid, policy=take.policy,
                                started_at=_at(take.started_at or self.clock()))
                s.add(row)
            row.status = status
            row.file = take.file
            row.agent_id = take.agent_id if take.agent_id is not None else row.agent_id
            row.queue = take.queue or row.queue
            if take.pauses:
                row.paused_seconds, row.pauses = round(take.paused_seconds, 2), list(take.pauses)
            row.problem = problem
            if status != RecordingStatus.RECORDING:
                row.ended_at = _at(self.clock())
            if measured is not None:
                row.duration_seconds, row.size_bytes, row.sha256 = (
                    measured.duration, measured.size, measured.sha256)


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _iso(ts: float) -> str:
    return _at(ts).isoformat()
