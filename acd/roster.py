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
    wrap_up_until: float | None = None  # in wrap-up: when its queue's wrap-up time ends


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
    wrap_up = {p.name: p.wrap_up_seconds for p in policies}
    last_states = {}
    for agent_id, state, reason, call_id, at, queue in states:
        until = None
        if state == AgentState.WRAP_UP and queue in wrap_up:
            until = _seconds(at) + wrap_up[queue]
        last_states[agent_id] = LastState(AgentState(state), PauseReason(reason) if reason
                                          else None, call_id, until)
    return policies, _agents(rows), last_states


def _seconds(at: datetime) -> float:
    """A stored time as epoch seconds (SQLite hands it back without its zone)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()
