"""The ACD at work: callers wait in the PBX's queue (music, position announcements, and voicemail
after the maximum wait, even while the engine is away); the router picks the agent and the
caller is taken out by Redirect into that agent's bridge."""
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import AgentState, Logout
from acd.routing import AgentProfile, Assignment, OverflowStep, QueuePolicy, Router, WaitingCall
from acd.sessions import AgentSessions
from asterisk import dialplan as dp
from asterisk.ami import AmiClient, AmiError, AmiItem
from asterisk.events import Hangup, QueueCallerAbandon, QueueCallerJoin
from models import Agent, AgentSkill, Branch, BusinessType, Skill

log = logging.getLogger("hotline.acd")

HQ = "HQ"
OVERFLOW_TO_HQ_AFTER = 60.0  # seconds a branch caller waits before headquarters may answer


@dataclass(frozen=True, slots=True)
class AgentInfo:
    id: int
    number: str
    endpoint: str
    branch: str
    skills: dict[str, int]  # business type code -> level


class Desk:
    def __init__(self, ami: AmiClient, clock: Callable[[], float] = time.monotonic) -> None:
        self.ami = ami
        self.clock = clock
        self.sessions = AgentSessions(ami, clock)
        self.router = Router([])
        self.agents: dict[int, AgentInfo] = {}
        self._waiting: dict[str, str] = {}  # call id -> the caller's channel name

    async def load(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Queues and agents from the database: one queue per (branch, business type)."""
        async with sessions() as s:
            branches = list(await s.scalars(select(Branch)))
            types = list(await s.scalars(select(BusinessType)))
            rows = (await s.execute(
                select(Agent.id, Agent.number, Agent.sip_endpoint, Branch.code,
                       BusinessType.code, AgentSkill.level)
                .join(Branch, Branch.id == Agent.branch_id)
                .outerjoin(AgentSkill, AgentSkill.agent_id == Agent.id)
                .outerjoin(Skill, Skill.id == AgentSkill.skill_id)
                .outerjoin(BusinessType, BusinessType.id == Skill.business_type_id)
                .where(Agent.active))).all()
        policies = [QueuePolicy(f"{b.code}-{bt.code}", b.code, bt.code, overflow=() if
                                b.is_headquarters else (OverflowStep(OVERFLOW_TO_HQ_AFTER,
                                                                     branches=(HQ,)),))
                    for b in branches for bt in types]
        self.router = Router(policies)
        self.agents = {}
        for agent_id, number, endpoint, branch, bt, level in rows:
            info = self.agents.setdefault(agent_id, AgentInfo(agent_id, number, endpoint,
                                                              branch, {}))
            if bt is not None:
                info.skills[bt] = level

    def agent_by_number(self, number: str) -> AgentInfo | None:
        return next((a for a in self.agents.values() if a.number == number), None)

    async def login(self, agent: AgentInfo) -> AgentState:
        await self.sessions.login(agent.id, agent.endpoint)
        return self.sessions.machine(agent.id).state

    async def logout(self, agent: AgentInfo) -> AgentState:
        machine = self.sessions.machine(agent.id)
        machine.feed(Logout(), self.clock())  # refused during a call
        self.router.remove_agent(agent.id)
        leg = self.sessions.forget_leg(agent.id)
        if leg is not None:
            try:
                await self.ami.action("Hangup", {"Channel": leg})
            except AmiError:
                log.warning("agent leg already gone", extra={"agent_id": agent.id})
        return machine.state

    async def on_event(self, item: AmiItem) -> None:
        changed = False
        for transition in self.sessions.feed(item):
            self._sync(transition.agent_id)
            changed = True
        now = self.clock()
        match item:
            case QueueCallerJoin(channel=ch, queue=queue) if queue in self.router.policies:
                policy = self.router.policies[queue]
                self._waiting[ch.linkedid] = ch.name
                self.router.enqueue(WaitingCall(ch.linkedid, queue, policy.branch,
                                                policy.business_type, now))
                changed = True
            case QueueCallerAbandon(channel=ch) | Hangup(channel=ch) if ch.linkedid in self._waiting:
                self._waiting.pop(ch.linkedid, None)
                self.router.dequeue(ch.linkedid)
        if changed:  # most events change nothing the router knows
            await self._route(now)

    async def tick(self) -> None:
        """What time alone changes: wrap-ups that end, overflow steps that open."""
        now = self.clock()
        for agent_id, machine in self.sessions.machines.items():
            if machine.tick(now) is not None:
                self._sync(agent_id)
        await self._route(now)

    def _sync(self, agent_id: int) -> None:
        machine, info = self.sessions.machine(agent_id), self.agents.get(agent_id)
        if machine.is_routable and info is not None:
            self.router.add_agent(AgentProfile(agent_id, info.branch, info.skills,
                                               machine.last_idle_since or self.clock()))
        else:
            self.router.remove_agent(agent_id)

    async def _route(self, now: float) -> None:
        for decision in self.router.route(now):
            if not isinstance(decision, Assignment):
                continue  # the maximum wait is the PBX queue's own timeout, then voicemail
            channel = self._waiting.pop(decision.call_id, None)
            if channel is None:
                continue
            try:
                await self.ami.action("Setvar", {"Channel": channel, "Variable": dp.VAR_AGENT,
                                                 "Value": str(decision.agent_id)})
                await self.sessions.deliver(decision.agent_id, decision.call_id, channel)
            except AmiError:
                log.warning("delivery failed; the caller goes back to the head of the queue",
                            extra={"call_id": decision.call_id, "agent_id": decision.agent_id})
                self._waiting[decision.call_id] = channel
                self.router.requeue_front(decision.call)
                self._sync(decision.agent_id)
