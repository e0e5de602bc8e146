"""Supervisors on agents' calls: the engine rings the supervisor's phone into ChanSpy on the
agent's phone leg (listen, or whisper to the agent) or into the call's conference (barge: both
hear; the engine first moves the call there), and changes the mode by redirecting the
supervisor's channel. The PBX's ChanSpy and bridge events say when it is really on."""
import logging
import uuid
from dataclasses import dataclass

from acd.sessions import AgentSessions
from asterisk import dialplan as dp
from asterisk.actions import HangUp, Originate, Pbx, Redirect
from asterisk.ami import AmiItem
from asterisk.events import (
    BridgeEnter,
    BridgeLeave,
    ChanSpyStart,
    ChanSpyStop,
    Hangup,
    Newchannel,
    OriginateResponse,
)

log = logging.getLogger("hotline.acd.monitoring")


class MonitorRefused(Exception):
    """A monitoring that cannot start or change now; `rule` names why (the API's code):
    agent_no_session, already_monitoring, no_call_to_barge, monitor_not_answered."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass
class Monitoring:
    id: str  # the supervisor's call (its uniqueid)
    user_id: int
    supervisor: str
    agent_id: int
    mode: str
    channel: str | None = None  # the supervisor's channel name, once it exists
    on: bool = False  # ChanSpy is running on the agent's leg

    @property
    def state(self) -> str:
        return self.mode if self.on else "ringing"


class Monitors:
    def __init__(self, pbx: Pbx, sessions: AgentSessions) -> None:
        self.pbx = pbx
        self.sessions = sessions
        self.active: dict[str, Monitoring] = {}

    async def start(self, user_id: int, supervisor: str, endpoint: str, agent_id: int,
                    mode: str) -> Monitoring:
        """Raises MonitorRefused when the agent has no session leg to monitor (or no call to
        barge into) or the supervisor is already on a call of this kind, AmiError when the PBX
        refuses."""
        target = self.sessions.leg_channel(agent_id)
        if target is None:
            raise MonitorRefused("agent_no_session", "the agent has no session on the PBX")
        if any(m.user_id == user_id for m in self.active.values()):
            raise MonitorRefused("already_monitoring",
                                 "the supervisor is already monitoring; change the mode or stop")
        if mode == "barge":
            await self._conference(agent_id)
        m = Monitoring(f"monitor-{uuid.uuid4().hex[:16]}", user_id, supervisor, agent_id, mode)
        self.active[m.id] = m
        try:
            await self.pbx.perform(Originate(
                f"PJSIP/{endpoint}", dp.CTX_MONITOR, mode, m.id,
                caller_id=f"monitor <{agent_id}>",
                variables={dp.VAR_MONITOR_TARGET: target, dp.VAR_MONITOR_AGENT: str(agent_id)}))
        except Exception:
            del self.active[m.id]
            raise
        log.info("monitoring", extra={"supervisor": supervisor, "agent_id": agent_id,
                                      "mode": mode})
        return m

    async def switch(self, m: Monitoring, mode: str) -> None:
        """Raises MonitorRefused until the supervisor's phone has answered, and for barging
        while the agent has no call."""
        if m.channel is None:
            raise MonitorRefused("monitor_not_answered",
                                 "the supervisor's phone has not answered yet")
        if mode == "barge":
            await self._conference(m.agent_id)
        await self.pbx.perform(Redirect(m.channel, dp.CTX_MONITOR, mode))
        m.mode, m.on = mode, False

    async def _conference(self, agent_id: int) -> None:
        try:
            await self.sessions.conference(agent_id)
        except LookupError as exc:
            raise MonitorRefused("no_call_to_barge", str(exc)) from None

    async def stop(self, m: Monitoring) -> None:
        self.active.pop(m.id, None)
        if m.channel is not None:
            await self.pbx.perform(HangUp(m.channel))

    def feed(self, item: AmiItem) -> None:
        if not self.active:
            return
        match item:
            case Newchannel(channel=ch) if ch.uniqueid in self.active:
                self.active[ch.uniqueid].channel = ch.name
            case ChanSpyStart(spyer=ch) | BridgeEnter(channel=ch) if ch.uniqueid in self.active:
                m = self.active[ch.uniqueid]
                m.channel, m.on = ch.name, True
                m.mode = ch.exten if ch.exten in dp.MONITOR_MODES else m.mode
            case ChanSpyStop(spyer=ch) | BridgeLeave(channel=ch) if ch.uniqueid in self.active:
                self.active[ch.uniqueid].on = False
            case Hangup(channel=ch) if ch.uniqueid in self.active:
                m = self.active.pop(ch.uniqueid)
                log.info("monitoring ended", extra={"supervisor": m.supervisor,
                                                    "agent_id": m.agent_id})
            case OriginateResponse(uniqueid=uid, response="Failure") if uid in self.active:
                m = self.active.pop(uid)
                log.warning("the supervisor's phone did not answer",
                            extra={"supervisor": m.supervisor})
