"""Call control of an agent's current call: the agent (or a supervisor of its branch) acts on
the PBX; each action is in the call's events."""
from fastapi import APIRouter, Request

from acd.desk import NoCallToControl
from agent_api.auth import CurrentUser
from agent_api.deps import get_engine
from agent_api.errors import pbx_failed
from agent_api.routes.agents import DeskDep, _acting_on
from asterisk.ami import AmiError
from services.errors import Conflict, Violation

router = APIRouter(prefix="/agents/{number}/call", tags=["call control"])


@router.post("/hangup", status_code=204)
async def hang_up(number: str, request: Request, desk: DeskDep, user: CurrentUser) -> None:
    """The caller is hung up; the agent's session stays up (wrap-up, then the next call)."""
    agent = _acting_on(desk, number, user)
    try:
        await get_engine(request).hang_up_caller(agent, user.username)
    except NoCallToControl:
        raise Conflict([Violation("no_call", ("path", "number"),
                                  f"agent {number} has no call", {"agent": number})]) from None
    except AmiError as exc:
        raise pbx_failed(exc) from None
