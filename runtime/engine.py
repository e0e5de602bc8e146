"""The engine, the composition root: AMI link, FastAGI server, ACD, dialer, call log and live
feeds in one task group."""
import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypedDict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd import pbx_state
from acd.call_control import CallControl
from acd.call_log import CallLog
from acd.desk import Desk
from acd.live_figures import LiveFigures
from acd.monitoring import Monitors
from acd.outbound import OutboundDesk
from acd.phone_login import PhoneLogin
from acd.queues import load_policies
from acd.recorder import Recorder
from acd.recording_control import RecordingControl
from acd.roster import AgentInfo, load_agent
from acd.tracker import CallTracker, calls_from_records, records_by_call
from asterisk import dialplan as dp
from asterisk.actions import AmiPbx
from asterisk.agi import AgiServer, on_live_channel
from asterisk.ami import AmiClient, AmiError, AmiItem, LinkUp
from asterisk.cdr import read_recent
from asterisk.events import Channel
from asterisk.linkedids import LinkedIds, linkedid_of
from dialer.runner import Dialer
from ivr.agi_app import IvrApp
from ivr.prompts import say_digits
from ivr.store import IvrStore
from models import make_engine, make_sessionmaker
from models.journal import Journal
from runtime.desktop_feed import DesktopFeed
from runtime.live import LiveHub
from runtime.metrics import EngineMetrics
from runtime.provision import refresh_pbx
from runtime.report_rollup import ReportRollup
from runtime.scheduled_reports import ReportScheduler
from runtime.settings import Settings
from runtime.wallboard import Wallboard
from telemetry import log_context

log = logging.getLogger("hotline.engine")
TIMER_INTERVAL = 1.0  # seconds between checks of wrap-up and overflow deadlines
BOOT_WAIT = 10.0  # seconds a resync waits for the PBX's FullyBooted


class EngineStatus(TypedDict):
    ami: dict[str, object]
    agi: dict[str, object]
    resynced_generation: int
    live_calls: int


class Engine:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.telephony = False  # until run() says
        self.ami = AmiClient(settings.ami)
        a = settings.agi
        self.journal = Journal(sessions)
        self.ivr = IvrApp(IvrStore(sessions, self.journal, settings.ivr,
                                   settings.ami.server_name, settings.menu_prompts_dir),
                          settings.ivr, settings.voicemail_dir)
        self.linkedids = LinkedIds()
        self.tracker = CallTracker(hotline_number=settings.pbx.hotline_number)
        self.call_log = CallLog(sessions)
        self.hub = LiveHub()
        self.feed = DesktopFeed(self.hub, sessions, settings.ami.server_name, self.journal)
        self.recorder = Recorder(sessions, settings.recordings_dir, settings.ami.server_name)
        self.pbx = pbx = AmiPbx(self.ami)
        self.desk = Desk(pbx, self.journal, settings.ami.server_name,
                         notify=self.feed.on_notice, recorder=self.recorder,
                         on_turn=lambda turn: self.dialer.call_kept(turn))
        self.figures = LiveFigures(settings.ami.server_name, lambda: self.desk.router.policies)
        self.call_log.observe(self.figures.calls_changed)
        self.journal.observe(self.figures.journaled)
        self.monitors = Monitors(pbx, self.desk.sessions)
        self.call_control = CallControl(self.desk, settings.dialer.trunk,
                                        settings.pbx.hotline_number)
        self.recording_control = RecordingControl(pbx, self.desk.sessions, self.recorder)
        self.dialer = Dialer(pbx, OutboundDesk(self.desk), sessions, settings.dialer,
                             self._abandon_message, settings.pbx.hotline_number,
                             pbx_records=settings.cdr_file)
        self.wallboard = Wallboard(self)
        self.reports = ReportScheduler(settings.reports, settings.smtp, sessions,
                                       settings.reports_dir)
        self.report_rollup = ReportRollup(settings.db.url)
        login = PhoneLogin(self.desk, sessions, settings.ivr.pbx_prompts_dir,
                           settings.auth.phone_login.throttle())
        routes = self.ivr.routes() | {
            dp.AGI_SCRIPT_AGENT_LOGIN: on_live_channel(login.handle, pbx.has_channel)}
        self.agi = AgiServer(routes, host=a.host, port=a.port,
                             header_timeout=a.header_timeout, command_timeout=a.command_timeout,
                             key=a.secret.get_secret_value())
        self.sessions = sessions
        self.started = asyncio.Event()
        self.resynced = asyncio.Event()  # set at each resync, for whoever waits for one
        self._watchers: list[Callable[[AmiItem], None]] = []
        self.resynced_generation = 0
        self.resynced_at: float | None = None
        self.metrics = EngineMetrics(self)
        self.stopping = False  # set as the engine begins to stop: no longer ready

    async def run(self, telephony: bool = True) -> None:
        """Everything, or without telephony only what serves the API from the database: the
        desk's state as loaded, the writers and the live feeds."""
        self.telephony = telephony
        await self.desk.load(self.sessions)
        await self.figures.load(self.sessions)  # before the writers are handed anything
        if telephony:
            await self.agi.start()
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self.call_log.run())
                tg.create_task(self.journal.run())
                tg.create_task(self.feed.run())
                tg.create_task(self.recorder.run())
                tg.create_task(self.desk.run())
                tg.create_task(self.ivr.store.run())
                tg.create_task(self.metrics.probe())
                tg.create_task(self.reports.run())  # with or without telephony
                tg.create_task(self.report_rollup.run())
                if telephony:
                    tg.create_task(self.ami.run())
                    tg.create_task(self.agi.serve_forever())
                    tg.create_task(self._dispatch())
                    tg.create_task(self._timers())
                    tg.create_task(self.dialer.run())
                self.started.set()
        finally:
            if telephony:
                await self.agi.close()

    async def agent_changed(self, agent_id: int) -> None:
        """An administrator created, changed or retired an agent: the desk knows at once, and
        the PBX has the phones' accounts anew (a new agent's phone may register)."""
        self.desk.update_agent(await load_agent(self.sessions, agent_id), agent_id)
        await self._refresh_pbx()

    async def phones_changed(self) -> None:
        """A supervisor's phone added, moved or retired: the PBX has the accounts anew."""
        await self._refresh_pbx()

    async def organisation_changed(self) -> None:
        """An administrator changed the menu (business types), a queue's settings, or the
        branches: the PBX has its queues and prompts first, then the desk routes with the new
        queues and the IVR reads the organisation anew for the next call."""
        await self._refresh_pbx()
        self.desk.use_policies(await load_policies(self.sessions))
        self.ivr.store.forget()

    async def _refresh_pbx(self) -> None:
        if not self.telephony:
            return
        try:
            await refresh_pbx(self.settings, self.sessions, self.pbx)
        except AmiError as exc:  # the files are written: the PBX reads them when it comes back
            log.warning("the PBX's configuration not reloaded", extra={"error": str(exc)})

    async def hang_up_caller(self, agent: AgentInfo, by: str) -> None:
        """The agent (or a supervisor, `by`) ends the agent's call; the session stays up. The
        call's events say who, as they say every call control below."""
        call_id, surveyed = await self.call_control.hang_up_caller(agent)
        self._note(call_id, "AgentHangup", by, survey=surveyed)

    async def transfer(self, agent: AgentInfo, by: str, *, queue: str | None = None,
                       to_agent: str | None = None, number: str | None = None) -> None:
        """Blind transfer of the agent's caller to a queue, a named agent or an outside
        number (exactly one)."""
        control = self.call_control
        if queue is not None:
            call_id = await control.transfer_to_queue(agent, queue)
        elif to_agent is not None:
            call_id = await control.transfer_to_agent(agent, to_agent)
        else:
            assert number is not None  # the route asks for exactly one
            call_id = await control.transfer_out(agent, number)
        self._note(call_id, "Transfer", by, **{k: v for k, v in (
            ("to_queue", queue), ("to_agent", to_agent), ("to_number", number)) if v})

    async def hold(self, agent: AgentInfo, by: str, resume: bool = False) -> None:
        """The agent's caller on hold (music), or back with the agent."""
        call_id = await self.call_control.hold(agent, resume)
        self._note(call_id, "Resume" if resume else "Hold", by)

    async def consult(self, agent: AgentInfo, by: str, step: str, *, phone: str | None = None,
                      to_agent: str | None = None) -> None:
        """A consultation's step (`start` with `phone` or `to_agent`, `three_way`,
        `complete`, `return`)."""
        call_id = await self.call_control.consult(agent, step, phone=phone, to_agent=to_agent)
        target = to_agent or phone
        self._note(call_id, "Consult", by, step=step, **({"to": target} if target else {}))

    async def mute(self, agent: AgentInfo, muted: bool, by: str) -> None:
        call_id = await self.call_control.mute(agent, muted)
        self._note(call_id, "Mute" if muted else "Unmute", by)

    async def send_digits(self, agent: AgentInfo, digits: str, by: str) -> None:
        call_id = await self.call_control.send_digits(agent, digits)
        self._note(call_id, "Digits", by, digits=digits)

    def _note(self, call_id: str, event: str, by: str, **fields: object) -> None:
        self.call_log.submit(self.tracker.note(self.settings.ami.server_name, call_id, event,
                                               {"by": by, **fields}))

    def watch(self, watcher: Callable[[AmiItem], None]) -> Callable[[], None]:
        """`watcher` sees every event from the PBX, in order, before the engine acts on it
        (a monitor, a test); the function returned stops it."""
        self._watchers.append(watcher)
        return lambda: self._watchers.remove(watcher)

    async def _dispatch(self) -> None:
        while True:
            item = self.linkedids.pin(await self.ami.queue.get())
            log_context.call_id.set(linkedid_of(item))  # this task's log lines name the call
            for watcher in self._watchers:
                watcher(item)
            if isinstance(item, LinkUp):
                await self._resync(item)
            self.call_log.submit(self.tracker.feed(item))
            try:
                self.recorder.feed(item)
                self.monitors.feed(item)
                await self.desk.on_event(item)
                await self.call_control.consultations.on_event(item)
                await self.dialer.on_event(item)
            except Exception:  # one bad event must not stop the engine's dispatcher
                log.exception("acd failed on an event", extra={"event": type(item).__name__})

    def _abandon_message(self, number: str) -> str:
        """What an abandoned outbound call hears: who called and the number to call back."""
        lang = self.settings.dialer.language
        keys = ["outbound-abandoned", *say_digits("".join(filter(str.isdigit, number)), lang),
                "outbound-goodbye"]
        return "&".join(f"{self.settings.ivr.pbx_prompts_dir}/{lang}/{key}" for key in keys)

    async def _timers(self) -> None:
        while True:
            await asyncio.sleep(TIMER_INTERVAL)
            try:
                await self.desk.tick()
            except Exception:
                log.exception("acd timers failed")

    async def _resync(self, up: LinkUp) -> None:
        """What happened while the link was down is read back from the PBX itself."""
        try:  # a PBX still booting has not registered every module's actions (QueueStatus)
            async with asyncio.timeout(BOOT_WAIT):
                await self.ami.fully_booted.wait()
        except TimeoutError:
            log.warning("the PBX did not report FullyBooted; resyncing anyway")
        try:
            listed = await self.pbx.live_channels()
        except AmiError:
            log.warning("resync failed; waiting for the next link", exc_info=True)
            return
        now = time.time()
        channels = self.linkedids.resync(c.channel for c in listed)
        live = [(ch, now - c.seconds_up) for ch, c in zip(channels, listed)]
        await self._take_up_calls(up.server, live)
        await self.recorder.sweep(pbx_state.first_channels(ch for ch, _ in live))
        try:
            by_uniqueid = {ch.uniqueid: ch for ch, _ in live}
            await self.desk.resync(pbx_state.session_members(channels),
                                   pbx_state.queue_entries(await self.pbx.queued_callers(),
                                                           by_uniqueid),
                                   {c.linkedid: c.queue for c in self.tracker.calls.values()
                                    if c.queue})
        except AmiError:
            log.warning("acd resync failed; waiting for the next link", exc_info=True)
            return
        self.resynced_generation, self.resynced_at = up.generation, now
        self.resynced.set()
        log.info("resynced", extra={"server": up.server, "generation": up.generation,
                                    "live_channels": len(live)})

    async def _take_up_calls(self, server: str, live: list[tuple[Channel, float]]) -> None:
        """Calls as the call log holds them, ended at the PBX's recorded end if they ended
        meanwhile; and rows, from the PBX's records, for calls that came and went unseen."""
        records = records_by_call(await asyncio.to_thread(read_recent, self.settings.cdr_file))
        ended = {call_id: max(r.end for r in parts) for call_id, parts in records.items()}
        seen = {linkedid for _, linkedid in self.tracker.calls}
        on_record = await self.call_log.open_calls(server)
        self.call_log.submit(self.tracker.resync(server, live, on_record, ended))
        seen |= {c.linkedid for c in on_record} | {ch.linkedid for ch, _ in live}
        unseen = await self.call_log.unrecorded(server, set(records) - seen)
        self.call_log.submit(calls_from_records(server, {k: records[k] for k in unseen}))

    def status(self) -> EngineStatus:
        return {
            "ami": self.ami.status(),
            "agi": {"listening": self.agi.port},
            "resynced_generation": self.resynced_generation,
            "live_calls": len(self.tracker.calls),
        }


@asynccontextmanager
async def running_engine(settings: Settings, telephony: bool = True) -> AsyncIterator[Engine]:
    """The database and the engine on it, running until the block ends."""
    db = make_engine(settings.db.url, echo=settings.db.echo, pool_size=settings.db.pool_size)
    engine = Engine(settings, make_sessionmaker(db))
    try:
        async with asyncio.TaskGroup() as tg:
            running = tg.create_task(engine.run(telephony))
            await engine.started.wait()
            # What is loaded by now lives as long as the process: kept out of the cyclic
            # collector, whose full passes over it stalled every request for ~100 ms.
            gc.collect()
            gc.freeze()
            yield engine
            engine.stopping = True
            running.cancel()
    finally:
        await db.dispose()
