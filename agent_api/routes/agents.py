from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from acd.agent_state import AgentState, InvalidTransition, PauseReason
from acd.desk import Desk
from acd.figures import session_status
from acd.roster import AgentInfo
from agent_api.auth import CurrentUser, Principal, current_user
from agent_api.deps import Session, get_engine
from agent_api.errors import PBX_AWAY, conflict, pbx_failed
from asterisk.ami import AmiError
from models import AgentTransition, Role
from services import branch_scope
from services.errors import NotAllowed, Refused, Violation

router = APIRouter(prefix="/agents", tags=["agents"], dependencies=[Depends(current_user)])
SUPERVISING = (Role.SUPERVISOR, Role.ADMIN)


class AgentOut(BaseModel):
    id: int
    number: str
    branch: str
    state: AgentState
    pause_reason: PauseReason | None
    time_in_state_seconds: float
    current_call: str | None
    calls_handled_today: int


class PauseIn(BaseModel):
    reason: PauseReason


class TransitionOut(BaseModel):
    at: datetime
    from_state: str
    to_state: str
    event: str
    reason: str | None
    call_linkedid: str | None


def get_desk(request: Request) -> Desk:
    return get_engine(request).desk


DeskDep = Annotated[Desk, Depends(get_desk)]


def _acting_on(desk: Desk, number: str, user: Principal,
               roles: tuple[Role, ...] = SUPERVISING) -> AgentInfo:
    """The agent itself, or a user of `roles` who sees the agent's branch, may act on an
    agent's session."""
    agent = branch_scope.agent(desk, user, number)
    if user.agent_id != agent.id and user.role not in roles:
        raise NotAllowed([Violation(
            "own_session", ("path", "number"),
            f"only agent {number} or a {' or '.join(roles)} may do this", {"agent": number})])
    return agent


def _out(desk: Desk, agent: AgentInfo, handled: int) -> AgentOut:
    return AgentOut(**session_status(desk, agent), calls_handled_today=handled)


def _handled(request: Request) -> Mapping[int, int]:
    """The calls each agent was connected to today, as the engine keeps them."""
    return get_engine(request).figures.handled_today()


async def _one(request: Request, desk: Desk, agent: AgentInfo) -> AgentOut:
    return _out(desk, agent, _handled(request).get(agent.id, 0))


@router.get("", response_model=list[AgentOut])
async def list_agents(request: Request, desk: DeskDep, user: CurrentUser) -> list[AgentOut]:
    """The agents of the user's branch; a user of headquarters sees all."""
    handled = _handled(request)
    return [_out(desk, a, handled.get(a.id, 0)) for a in branch_scope.agents(desk, user)]


@router.get("/{number}", response_model=AgentOut)
async def get_agent(number: str, request: Request, desk: DeskDep,
                    user: CurrentUser) -> AgentOut:
    return await _one(request, desk, branch_scope.agent(desk, user, number))


@router.post("/{number}/login", response_model=AgentOut, responses=PBX_AWAY)
async def login(number: str, request: Request, desk: DeskDep, user: CurrentUser) -> AgentOut:
    """Start the shift: the engine calls the agent's phone into the agent's own bridge."""
    agent = _acting_on(desk, number, user)
    try:
        await desk.login(agent)
    except InvalidTransition as exc:
        raise conflict(exc) from None
    except AmiError as exc:
        raise pbx_failed(exc) from None
    return await _one(request, desk, agent)


async def _change(request: Request, desk: Desk, user: Principal, number: str,
                  change) -> AgentOut:
    agent = _acting_on(desk, number, user)
    try:
        await change(agent)
    except InvalidTransition as exc:
        raise conflict(exc) from None
    return await _one(request, desk, agent)


@router.post("/{number}/logout", response_model=AgentOut)
async def logout(number: str, request: Request, desk: DeskDep, user: CurrentUser) -> AgentOut:
    return await _change(request, desk, user, number, desk.logout)


@router.post("/{number}/pause", response_model=AgentOut)
async def pause(number: str, body: PauseIn, request: Request, desk: DeskDep,
                user: CurrentUser) -> AgentOut:
    """Stop taking calls, with a reason code; pausing during wrap-up ends the wrap-up."""
    if body.reason == PauseReason.LOGIN:
        raise Refused([Violation("pause_reason_login", ("body", "reason"),
                                 "'login' is set by the engine, not an agent")])
    return await _change(request, desk, user, number, lambda a: desk.pause(a, body.reason))


@router.post("/{number}/unpause", response_model=AgentOut)
async def unpause(number: str, request: Request, desk: DeskDep, user: CurrentUser) -> AgentOut:
    return await _change(request, desk, user, number, desk.unpause)


@router.post("/{number}/wrap-up/end", response_model=AgentOut)
async def end_wrap_up(number: str, request: Request, desk: DeskDep,
                      user: CurrentUser) -> AgentOut:
    """The agent is done with the last call before the wrap-up time runs out."""
    return await _change(request, desk, user, number, desk.end_wrap_up)


@router.get("/{number}/transitions", response_model=list[TransitionOut])
async def transitions(number: str, desk: DeskDep, session: Session, user: CurrentUser,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AgentTransition]:
    """The agent's state changes, newest first."""
    agent = _acting_on(desk, number, user, (*SUPERVISING, Role.OPS))
    rows = await session.scalars(select(AgentTransition)
                                 .where(AgentTransition.agent_id == agent.id)
                                 .order_by(AgentTransition.id.desc()).limit(limit))
    return list(rows)
