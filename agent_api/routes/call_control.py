"""Call control of an agent's current call: the agent (or a supervisor of its branch) acts on
the PBX; each action is in the call's events."""
from collections.abc import Awaitable

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from acd.call_control import NoCallToControl, UnknownQueue
from acd.desk import Desk
from acd.sessions import CallControlRefused
from agent_api.auth import CurrentUser
from agent_api.deps import get_engine
from agent_api.errors import pbx_failed
from agent_api.routes.agents import DeskDep, _acting_on
from asterisk.ami import AmiError
from services.errors import Conflict, Refused, Violation
from services.principal import Principal

router = APIRouter(prefix="/agents/{number}/call", tags=["call control"])


class TransferIn(BaseModel):
    queue: str = Field(max_length=64, description="e.g. SH-complaint, HQ-order")


def _no_call(number: str) -> Conflict:
    return Conflict([Violation("no_call", ("path", "number"), f"agent {number} has no call",
                               {"agent": number})])


@router.post("/hangup", status_code=204)
async def hang_up(number: str, request: Request, desk: DeskDep, user: CurrentUser) -> None:
    """The caller is hung up; the agent's session stays up (wrap-up, then the next call)."""
    agent = _acting_on(desk, number, user)
    await _control(number, get_engine(request).hang_up_caller(agent, user.username))


@router.post("/hold", status_code=204)
async def hold(number: str, request: Request, desk: DeskDep, user: CurrentUser) -> None:
    """The caller hears music and nothing of the agent; the agent stays on the call."""
    await _hold(request, desk, user, number, resume=False)


@router.post("/resume", status_code=204)
async def resume(number: str, request: Request, desk: DeskDep, user: CurrentUser) -> None:
    """The held caller back with the agent."""
    await _hold(request, desk, user, number, resume=True)


async def _hold(request: Request, desk: Desk, user: Principal, number: str, resume: bool) -> None:
    agent = _acting_on(desk, number, user)
    try:
        await get_engine(request).hold(agent, user.username, resume=resume)
    except NoCallToControl:
        raise _no_call(number) from None
    except CallControlRefused as exc:
        raise Conflict([Violation(exc.rule, ("path", "number"), str(exc),
                                  {"agent": number})]) from None
    except AmiError as exc:
        raise pbx_failed(exc) from None


class MuteIn(BaseModel):
    muted: bool


class DigitsIn(BaseModel):
    digits: str = Field(pattern=r"^[0-9*#]{1,32}$", description="e.g. 1 or 2#")


@router.post("/mute", status_code=204)
async def mute(number: str, body: MuteIn, request: Request, desk: DeskDep,
               user: CurrentUser) -> None:
    """The agent's microphone off (the caller hears nothing of the agent) or on again."""
    agent = _acting_on(desk, number, user)
    await _control(number, get_engine(request).mute(agent, body.muted, user.username))


@router.post("/digits", status_code=204)
async def send_digits(number: str, body: DigitsIn, request: Request, desk: DeskDep,
                      user: CurrentUser) -> None:
    """DTMF digits to the far end (an outside IVR the agent is navigating)."""
    agent = _acting_on(desk, number, user)
    await _control(number, get_engine(request).send_digits(agent, body.digits, user.username))


async def _control(number: str, action: Awaitable[None]) -> None:
    try:
        await action
    except NoCallToControl:
        raise _no_call(number) from None
    except AmiError as exc:
        raise pbx_failed(exc) from None


@router.post("/transfer", status_code=204)
async def transfer(number: str, body: TransferIn, request: Request, desk: DeskDep,
                   user: CurrentUser) -> None:
    """Blind transfer: the caller waits in another queue (another branch's, headquarters') with
    the call's facts and reaches an agent of it with the screen-pop; this agent wraps up."""
    agent = _acting_on(desk, number, user)
    try:
        await get_engine(request).transfer_to_queue(agent, body.queue, user.username)
    except NoCallToControl:
        raise _no_call(number) from None
    except UnknownQueue:
        raise Refused([Violation("unknown_queue", ("body", "queue"), f"no queue {body.queue!r}",
                                 {"queue": body.queue})]) from None
    except AmiError as exc:
        raise pbx_failed(exc) from None
