"""Live monitoring: a supervisor listens to, whispers to, or barges into an agent's call on the
supervisor's own phone, changes the mode during the call, and stops. Agents and ops may not; a
supervisor of a branch monitors that branch's agents only."""
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from acd.desk import Desk
from acd.monitoring import Monitoring, MonitorRefused, Monitors
from agent_api.auth import Principal, require
from agent_api.deps import Session, get_engine
from agent_api.errors import PBX_AWAY, UNKNOWN, conflict, pbx_failed
from agent_api.routes.agents import DeskDep
from asterisk.ami import AmiError
from models import Role, User
from services import branch_scope
from services.errors import NotAllowed, Refused, Violation

router = APIRouter(prefix="/monitor", tags=["monitoring"])
Supervisor = Annotated[Principal, Depends(require(Role.SUPERVISOR, Role.ADMIN))]
Mode = Literal["listen", "whisper", "barge"]


class MonitorIn(BaseModel):
    agent: str = Field(description="the agent's number")
    mode: Mode = Field(description="listen; whisper (the agent alone hears you); barge (both)")


class ModeIn(BaseModel):
    mode: Mode


class MonitorOut(BaseModel):
    id: str
    supervisor: str
    agent: str
    mode: str
    state: str  # ringing (the supervisor's phone), or the mode once it is on


def get_monitors(request: Request) -> Monitors:
    return get_engine(request).monitors


MonitorsDep = Annotated[Monitors, Depends(get_monitors)]


def _out(desk, m: Monitoring) -> MonitorOut:
    agent = desk.agents.get(m.agent_id)
    return MonitorOut(id=m.id, supervisor=m.supervisor, agent=agent.number if agent else "",
                      mode=m.mode, state=m.state)


def _own(monitors: Monitors, desk: Desk, monitor_id: str, user: Principal) -> Monitoring:
    m = branch_scope.monitoring(monitors, desk, user, monitor_id)
    if m.user_id != user.user_id and user.role != Role.ADMIN:
        raise NotAllowed([Violation("own_monitoring", ("path", "monitor_id"),
                                    "another supervisor's monitoring")])
    return m


@router.get("", response_model=list[MonitorOut])
async def list_monitoring(monitors: MonitorsDep, desk: DeskDep, user: Supervisor
                          ) -> list[MonitorOut]:
    """Who monitors the agents of the user's branch (every agent for headquarters)."""
    return [_out(desk, m) for m in branch_scope.monitorings(monitors, desk, user)]


@router.post("", response_model=MonitorOut, responses=PBX_AWAY | UNKNOWN)
async def start_monitoring(body: MonitorIn, session: Session, monitors: MonitorsDep,
                           desk: DeskDep, user: Supervisor) -> MonitorOut:
    """Rings the supervisor's phone; once answered, it is on the agent's call in `mode`. An
    agent of another branch is refused (403, rule.branch_scope) before anything rings."""
    agent = branch_scope.agent_to_monitor(desk, user, body.agent)
    me = await session.get(User, user.user_id)
    assert me is not None  # the token's user, read (and found active) by current_user
    endpoint = me.sip_endpoint
    if not endpoint:
        raise Refused([Violation("supervisor_phone", ("body", "agent"),
                                f"user {user.username} has no phone (sip_endpoint) to ring")])
    try:
        m = await monitors.start(user.user_id, user.username, endpoint, agent.id, body.mode)
    except MonitorRefused as exc:
        if exc.rule == "already_monitoring":  # the supervisor's, not the agent's
            raise conflict(exc) from None
        raise conflict(exc, ("body", "agent"), f"agent {body.agent}: {exc}",
                       agent=body.agent) from None
    except AmiError as exc:
        raise pbx_failed(exc) from None
    return _out(desk, m)


@router.put("/{monitor_id}", response_model=MonitorOut, responses=PBX_AWAY)
async def change_mode(monitor_id: str, body: ModeIn, monitors: MonitorsDep, desk: DeskDep,
                      user: Supervisor) -> MonitorOut:
    m = _own(monitors, desk, monitor_id, user)
    try:
        await monitors.switch(m, body.mode)
    except MonitorRefused as exc:
        raise conflict(exc) from None
    except AmiError as exc:
        raise pbx_failed(exc) from None
    return _out(desk, m)


@router.delete("/{monitor_id}", status_code=204)
async def stop_monitoring(monitor_id: str, monitors: MonitorsDep, desk: DeskDep,
                          user: Supervisor) -> None:
    m = _own(monitors, desk, monitor_id, user)
    try:
        await monitors.stop(m)
    except AmiError:
        pass  # the supervisor's phone is already gone
