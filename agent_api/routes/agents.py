from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from acd.agent_state import InvalidTransition
from acd.desk import AgentInfo, Desk
from agent_api.deps import get_engine
from asterisk.ami import AmiError

router = APIRouter(prefix="/agents", tags=["agents"])


class AgentOut(BaseModel):
    id: int
    number: str
    branch: str
    state: str
    calls_handled: int


def get_desk(request: Request) -> Desk:
    return get_engine(request).desk


DeskDep = Annotated[Desk, Depends(get_desk)]


def _agent(desk: Desk, number: str) -> AgentInfo:
    agent = desk.agent_by_number(number)
    if agent is None:
        raise HTTPException(404, f"agent {number} not found")
    return agent


def _out(desk: Desk, agent: AgentInfo) -> AgentOut:
    m = desk.sessions.machine(agent.id)
    return AgentOut(id=agent.id, number=agent.number, branch=agent.branch, state=m.state,
                    calls_handled=m.calls_handled)


@router.get("", response_model=list[AgentOut])
async def list_agents(desk: DeskDep) -> list[AgentOut]:
    return [_out(desk, a) for a in sorted(desk.agents.values(), key=lambda a: a.number)]


@router.post("/{number}/login", response_model=AgentOut)
async def login(number: str, desk: DeskDep) -> AgentOut:
    """Start the shift: the engine calls the agent's phone into the agent's own bridge."""
    agent = _agent(desk, number)
    try:
        await desk.login(agent)
    except InvalidTransition as exc:
        raise HTTPException(409, str(exc)) from None
    except AmiError as exc:
        raise HTTPException(503, f"the PBX refused: {exc}") from None
    return _out(desk, agent)


@router.post("/{number}/logout", response_model=AgentOut)
async def logout(number: str, desk: DeskDep) -> AgentOut:
    agent = _agent(desk, number)
    try:
        await desk.logout(agent)
    except InvalidTransition as exc:
        raise HTTPException(409, str(exc)) from None
    return _out(desk, agent)
