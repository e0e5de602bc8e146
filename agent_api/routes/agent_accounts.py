"""Agents as an administrator keeps them (number, name, branch, PIN, skills), and the skills to
choose from. A change reaches the engine's desk before the reply."""
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from agent_api.auth import CurrentUser, require
from agent_api.deps import Session, get_engine
from models import Agent, Role, Skill
from services import agent_accounts as accounts
from services.principal import Principal

Administrator = Annotated[Principal, Depends(require(Role.ADMIN, Role.BRANCH_ADMIN))]
NUMBER, PIN, ENDPOINT = r"^[0-9]{3,8}$", r"^[0-9]{4,8}$", r"^[A-Za-z0-9._-]{1,64}$"

router = APIRouter(tags=["administration"])


class SkillLevelIn(BaseModel):
    skill: str = Field(max_length=64, description="a skill's code, e.g. order-zh")
    level: int = Field(ge=1, le=10)


class AgentIn(BaseModel):
    number: str = Field(pattern=NUMBER)
    name: str = Field(min_length=1, max_length=100)
    branch: str = Field(min_length=1, max_length=16)
    pin: str = Field(pattern=PIN, description="4 to 8 digits: the phone login's PIN")
    skills: list[SkillLevelIn] = Field(default_factory=list, max_length=50)
    sip_endpoint: str | None = Field(None, pattern=ENDPOINT, description="default agent-NUMBER")


class AgentPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=100)
    branch: str | None = Field(None, min_length=1, max_length=16)
    pin: str | None = Field(None, pattern=PIN)
    skills: list[SkillLevelIn] | None = Field(None, max_length=50)
    active: bool | None = None


class AgentAccountOut(BaseModel):
    id: int
    number: str
    name: str
    branch: str
    sip_endpoint: str
    sip_secret: str | None = Field(description="the phone's SIP password (digest auth)")
    active: bool
    skills: dict[str, int]


class SkillOut(BaseModel):
    code: str
    name: str
    business_type: str | None
    language: str | None


def account_out(agent: Agent) -> AgentAccountOut:
    return AgentAccountOut(id=agent.id, sip_secret=agent.sip_secret, **accounts.view(agent))


def _fields(body: AgentIn | AgentPatch) -> accounts.AgentFields:
    data = body.model_dump(exclude={"skills"})
    skills = None if body.skills is None else [accounts.SkillLevel(s.skill, s.level)
                                               for s in body.skills]
    return accounts.AgentFields(**data, skills=skills, given=frozenset(body.model_fields_set))


@router.get("/agent-accounts", response_model=list[AgentAccountOut])
async def list_accounts(session: Session, admin: Administrator) -> list[AgentAccountOut]:
    return [account_out(a) for a in await accounts.listed(session, admin)]


@router.post("/agent-accounts", response_model=AgentAccountOut, status_code=201)
async def create_account(body: AgentIn, session: Session, admin: Administrator,
                         request: Request) -> AgentAccountOut:
    """A new agent, ready to log in at once."""
    agent = await accounts.create(session, admin, _fields(body))
    await get_engine(request).agent_changed(agent.id)
    return account_out(agent)


@router.patch("/agent-accounts/{number}", response_model=AgentAccountOut)
async def change_account(number: str, body: AgentPatch, session: Session, admin: Administrator,
                         request: Request) -> AgentAccountOut:
    """An agent on a call is not moved to another branch; a logged-in one is not retired."""
    engine = get_engine(request)
    agent = await accounts.change(session, admin, number, _fields(body), engine.desk)
    await engine.agent_changed(agent.id)
    return account_out(agent)


@router.post("/agent-accounts/{number}/sip-secret", response_model=AgentAccountOut)
async def rotate_sip_secret(number: str, session: Session, admin: Administrator,
                            request: Request) -> AgentAccountOut:
    """A new SIP secret for the agent's phone, live on the PBX before the reply: the phone
    must register again with it, the old one is refused."""
    agent = await accounts.new_secret(session, admin, number)
    await get_engine(request).agent_changed(agent.id)
    return account_out(agent)


@router.get("/skills", response_model=list[SkillOut])
async def list_skills(session: Session, user: CurrentUser) -> list[SkillOut]:
    rows = await session.scalars(select(Skill).options(selectinload(Skill.business_type))
                                 .order_by(Skill.code))
    return [SkillOut(code=s.code, name=s.name, language=s.language,
                     business_type=s.business_type.code if s.business_type else None)
            for s in rows]
