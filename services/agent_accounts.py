"""Agents as an administrator keeps them: number, name, branch, PIN, skills with levels, and
whether they work. Each change is in the audit log; the engine learns of it at once."""
import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from models import Agent, AgentSkill, Branch, Skill
from models.security import hash_pin, new_sip_secret
from services import audit
from services.errors import Conflict, NotAllowed, NotFound, Refused, Violation
from services.principal import Principal


class Presence(Protocol):
    """What the desk knows of an agent now."""

    def on_a_call(self, agent_id: int) -> bool: ...

    def logged_in(self, agent_id: int) -> bool: ...


@dataclass(frozen=True, slots=True)
class SkillLevel:
    skill: str  # Skill.code, e.g. "order-zh"
    level: int  # 1..10


@dataclass(frozen=True, slots=True)
class AgentFields:
    """A new agent (every field but `active`), or a change (only those named in `given`)."""
    number: str | None = None
    name: str | None = None
    branch: str | None = None
    pin: str | None = None
    skills: Sequence[SkillLevel] | None = None
    sip_endpoint: str | None = None
    active: bool | None = None
    given: frozenset[str] = frozenset()


def view(agent: Agent) -> dict[str, Any]:
    """The agent as the audit log and the API show it (never the PIN)."""
    return {"number": agent.number, "name": agent.name, "branch": agent.branch.code,
            "sip_endpoint": agent.sip_endpoint, "active": agent.active,
            "skills": {s.skill.code: s.level for s in sorted(agent.skills,
                                                             key=lambda s: s.skill.code)}}


async def listed(session: AsyncSession, viewer: Principal) -> list[Agent]:
    stmt = select(Agent).options(joinedload(Agent.branch)).order_by(Agent.number)
    if not viewer.sees_all_branches:
        stmt = stmt.where(Agent.branch_id == viewer.branch_id)
    return list(await session.scalars(stmt))


async def get(session: AsyncSession, viewer: Principal, number: str) -> Agent:
    agent = await session.scalar(select(Agent).options(joinedload(Agent.branch))
                                 .where(Agent.number == number))
    if agent is None or not viewer.may_see_branch(agent.branch_id):
        raise NotFound(f"no agent {number}")
    return agent


async def create(session: AsyncSession, actor: Principal, new: AgentFields) -> Agent:
    assert new.number and new.name and new.branch and new.pin is not None
    branch = await _branch(session, actor, new.branch)
    endpoint = new.sip_endpoint or f"agent-{new.number}"
    await _unique(session, None, number=new.number, sip_endpoint=endpoint)
    agent = Agent(number=new.number, name=new.name, branch=branch, sip_endpoint=endpoint,
                  pin_hash=await asyncio.to_thread(hash_pin, new.pin), sip_secret=new_sip_secret())
    agent.skills = []
    await _set_skills(session, agent, new.skills or ())
    session.add(agent)
    await session.flush()
    audit.record(session, actor, "create", "agent", agent.number, branch_id=branch.id,
                 after=view(agent))
    await session.commit()
    return agent


async def change(session: AsyncSession, actor: Principal, number: str, ch: AgentFields,
                 presence: Presence) -> Agent:
    agent = await get(session, actor, number)
    if not actor.administers(agent.branch_id):
        raise NotAllowed(f"agent {number} is not of a branch you administer")
    before = view(agent)
    if "branch" in ch.given and ch.branch != agent.branch.code:
        if presence.on_a_call(agent.id):
            raise Conflict([Violation("agent_on_call", ("body", "branch"),
                                      f"agent {number} is on a call: move it afterwards")])
        agent.branch = await _branch(session, actor, ch.branch or "")
    if "active" in ch.given and ch.active is False and presence.logged_in(agent.id):
        raise Conflict([Violation("agent_logged_in", ("body", "active"),
                                  f"agent {number} is logged in: log it out first")])
    if "name" in ch.given and ch.name:
        agent.name = ch.name
    if "active" in ch.given and ch.active is not None:
        agent.active = ch.active
    if "skills" in ch.given:
        await _set_skills(session, agent, ch.skills or ())
    if "pin" in ch.given and ch.pin:
        agent.pin_hash = await asyncio.to_thread(hash_pin, ch.pin)
    await session.flush()
    after = view(agent)
    if "pin" in ch.given:
        before["pin"], after["pin"] = "(old)", "(new)"  # said, never shown
    audit.record(session, actor, "update", "agent", agent.number, branch_id=agent.branch_id,
                 before=before, after=after)
    await session.commit()
    return agent


async def new_secret(session: AsyncSession, actor: Principal, number: str) -> Agent:
    """The agent's phone account gets a new generated SIP secret: the old one is refused once
    the PBX has the accounts anew. The audit log says so, never showing either."""
    agent = await get(session, actor, number)
    if not actor.administers(agent.branch_id):
        raise NotAllowed(f"agent {number} is not of a branch you administer")
    agent.sip_secret = new_sip_secret()
    audit.record(session, actor, "update", "agent", agent.number, branch_id=agent.branch_id,
                 before={"sip_secret": "(old)"}, after={"sip_secret": "(new)"})
    await session.commit()
    return agent


async def _branch(session: AsyncSession, actor: Principal, code: str) -> Branch:
    branch = await session.scalar(select(Branch).where(Branch.code == code))
    if branch is None:
        raise Refused([Violation("unknown_branch", ("body", "branch"), f"no branch {code!r}")])
    if not actor.administers(branch.id):
        raise NotAllowed(f"branch {code} is not one you administer")
    return branch


async def _set_skills(session: AsyncSession, agent: Agent,
                      wanted: Sequence[SkillLevel]) -> None:
    """The agent's skills become `wanted`: levels changed in place, the rest added or removed."""
    codes = [w.skill for w in wanted]
    known = {s.code: s for s in await session.scalars(select(Skill).where(Skill.code.in_(codes)))}
    problems = [Violation("unknown_skill", ("body", "skills", i, "skill"), f"no skill {w.skill!r}")
                for i, w in enumerate(wanted) if w.skill not in known]
    problems += [Violation("skill_twice", ("body", "skills", i, "skill"),
                           f"skill {w.skill!r} is given twice")
                 for i, w in enumerate(wanted) if w.skill in codes[:i]]
    if problems:
        raise Refused(problems)
    levels = {w.skill: w.level for w in wanted}
    kept = [s for s in agent.skills if s.skill.code in levels]
    for s in kept:
        s.level = levels.pop(s.skill.code)
    agent.skills = kept + [AgentSkill(skill=known[code], level=level)
                           for code, level in levels.items()]


async def _unique(session: AsyncSession, agent_id: int | None, **wanted: str) -> None:
    for name, value in wanted.items():
        holder = await session.scalar(select(Agent.id).where(getattr(Agent, name) == value))
        if holder is not None and holder != agent_id:
            raise Conflict([Violation(f"{name}_taken", ("body", name),
                                      f"{name} {value!r} is taken")])
