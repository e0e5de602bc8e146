"""Who works the call center, as the desk needs it: the queues, each active agent with its
skills, and the state each agent was last in (what a restarted engine resumes)."""
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import AgentState, PauseReason
from acd.queues import load_policies
from acd.routing import LANG_PREFIX, QueuePolicy
from models import Agent, AgentSkill, AgentTransition, Branch, BusinessType, Call, Skill


@dataclass(frozen=True, slots=True)
class AgentInfo:
    id: int
    number: str
    endpoint: str
    branch: str
    skills: dict[str, int]  # business type code or "lang:<code>" -> level


@dataclass(frozen=True, slots=True)
class LastState:
    """An agent's last stored transition: what a restarted engine resumes."""

    state: AgentState
    reason: PauseReason | None
    call_id: str | None = None
    at: float = 0.0
    wrap_up_seconds: float | None = None  # the call's queue's

    def wrap_up_until(self, now: float) -> float | None:
        """For an agent found without its call after a restart: when the call's wrap-up ends,
        from the stored end of the call, else (the engine died before it stored it) from now."""
        if self.call_id is None or self.wrap_up_seconds is None:
            return None
        if self.state == AgentState.WRAP_UP:
            return self.at + self.wrap_up_seconds
        return now + self.wrap_up_seconds if self.state == AgentState.ON_CALL else None


def _agents_query(*where):
    return (select(Agent.id, Agent.number, Agent.sip_endpoint, Branch.code,
                   BusinessType.code, Skill.language, AgentSkill.level)
            .join(Branch, Branch.id == Agent.branch_id)
            .outerjoin(AgentSkill, AgentSkill.agent_id == Agent.id)
            .outerjoin(Skill, Skill.id == AgentSkill.skill_id)
            .outerjoin(BusinessType, BusinessType.id == Skill.business_type_id)
            .where(Agent.active, *where))


def _agents(rows) -> dict[int, AgentInfo]:
    agents: dict[int, AgentInfo] = {}
    for agent_id, number, endpoint, branch, bt, language, level in rows:
        info = agents.setdefault(agent_id, AgentInfo(agent_id, number, endpoint, branch, {}))
        if bt is not None:
            info.skills[bt] = level
        elif language is not None:
            info.skills[LANG_PREFIX + language] = level
    return agents


async def load_agent(sessions: async_sessionmaker[AsyncSession], agent_id: int
                     ) -> AgentInfo | None:
    """One agent as the desk needs it; None when it is inactive or gone."""
    async with sessions() as s:
        return _agents((await s.execute(_agents_query(Agent.id == agent_id))).all()).get(
            agent_id)


async def load_roster(sessions: async_sessionmaker[AsyncSession],
                      ) -> tuple[list[QueuePolicy], dict[int, AgentInfo], dict[int, LastState]]:
    policies = await load_policies(sessions)
    async with sessions() as s:
        rows = (await s.execute(_agents_query())).all()
        last = (select(AgentTransition.agent_id, func.max(AgentTransition.id).label("id"))
                .group_by(AgentTransition.agent_id).subquery())
        states = (await s.execute(
            select(AgentTransition.agent_id, AgentTransition.to_state, AgentTransition.reason,
                   AgentTransition.call_linkedid, AgentTransition.at, Call.queue)
            .join(last, last.c.id == AgentTransition.id)
            .outerjoin(Call, Call.linkedid == AgentTransition.call_linkedid))).all()
    wrap_up = {p.name: float(p.wrap_up_seconds) for p in policies}
    last_states = {
        agent_id: LastState(AgentState(state), PauseReason(reason) if reason else None, call_id,
                            _seconds(at), wrap_up.get(queue or ""))
        for agent_id, state, reason, call_id, at, queue in states}
    return policies, _agents(rows), last_states


def _seconds(at: datetime) -> float:
    """A stored time as epoch seconds (SQLite hands it back without its zone)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()
