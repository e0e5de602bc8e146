"""Call control of an agent's current call: the agent (or a supervisor of its branch) acts on
the PBX; each action is in the call's events."""
from collections.abc import Awaitable
from typing import Literal, Self, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from acd.call_control import NoCallToControl, TargetNotAvailable, UnknownAgent, UnknownQueue
from acd.desk import Desk
from acd.roster import AgentInfo
from acd.sessions import CallControlRefused
from agent_api.auth import CurrentUser
from agent_api.deps import Session, get_engine
from agent_api.errors import PBX_AWAY, pbx_failed
from agent_api.fields import Id
from agent_api.routes.agents import DeskDep, _acting_on
from asterisk.ami import AmiError
from models.phone import Phone
from services import users
from services.errors import Conflict, Refused, Violation
from services.principal import Principal

router = APIRouter(prefix="/agents/{number}/call", tags=["call control"])


M = TypeVar("M", bound=BaseModel)


def _one_target(body: M) -> M:
    """Exactly one of the body's fields is given (the place the call goes)."""
    given = [name for name in type(body).model_fields if getattr(body, name) is not None]
    if len(given) != 1:
        raise PydanticCustomError("one_target", "give one of {fields}",
                                  {"fields": ", ".join(type(body).model_fields)})
    return body


class TransferIn(BaseModel):
    """Exactly one of them."""

    queue: str | None = Field(default=None, max_length=64,
                              description="e.g. SH-complaint, HQ-order (headquarters')")
    agent: str | None = Field(default=None, pattern=r"^[0-9]{1,16}$",
                              description="a named agent, available now, e.g. 8003")
    number: Phone | None = Field(default=None,
                                 description="an outside number, through the trunk")

    @model_validator(mode="after")
    def one_target(self) -> Self:
        return _one_target(self)


def _no_call(number: str) -> Conflict:
    return Conflict([Violation("no_call", ("path", "number"), f"agent {number} has no call",
                               {"agent": number})])


@router.post("/hangup", status_code=204, responses=PBX_AWAY)
async def hang_up(number: str, request: Request, desk: DeskDep, user: CurrentUser) -> None:
    """The caller is hung up; the agent's session stays up (wrap-up, then the next call)."""
    agent = _acting_on(desk, number, user)
    await _control(number, get_engine(request).hang_up_caller(agent, user.username))


@router.post("/hold", status_code=204, responses=PBX_AWAY)
async def hold(number: str, request: Request, desk: DeskDep, user: CurrentUser) -> None:
    """The caller hears music and nothing of the agent; the agent stays on the call."""
    await _hold(request, desk, user, number, resume=False)


@router.post("/resume", status_code=204, responses=PBX_AWAY)
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


@router.post("/mute", status_code=204, responses=PBX_AWAY)
async def mute(number: str, body: MuteIn, request: Request, desk: DeskDep,
               user: CurrentUser) -> None:
    """The agent's microphone off (the caller hears nothing of the agent) or on again."""
    agent = _acting_on(desk, number, user)
    await _control(number, get_engine(request).mute(agent, body.muted, user.username))


@router.post("/digits", status_code=204, responses=PBX_AWAY)
async def send_digits(number: str, body: DigitsIn, request: Request, desk: DeskDep,
                      user: CurrentUser) -> None:
    """DTMF digits to the far end (an outside IVR the agent is navigating)."""
    agent = _acting_on(desk, number, user)
    await _control(number, get_engine(request).send_digits(agent, body.digits, user.username))


def _agent_refused(exc: UnknownAgent | TargetNotAvailable) -> Refused | Conflict:
    """The agent to transfer to or consult: unknown (or oneself), or not available now."""
    if isinstance(exc, UnknownAgent):
        number = str(exc)
        return Refused([Violation("unknown_agent", ("body", "agent"),
                                  f"no other agent numbered {number}", {"agent": number})])
    return Conflict([Violation("target_not_available", ("body", "agent"), str(exc),
                               {"agent": exc.number, "state": exc.state.value})])


async def _control(number: str, action: Awaitable[None]) -> None:
    try:
        await action
    except NoCallToControl:
        raise _no_call(number) from None
    except AmiError as exc:
        raise pbx_failed(exc) from None


@router.post("/transfer", status_code=204, responses=PBX_AWAY)
async def transfer(number: str, body: TransferIn, request: Request, desk: DeskDep,
                   user: CurrentUser) -> None:
    """Blind transfer, this agent wrapping up: to a queue (another branch's, headquarters'),
    where the caller waits with the call's facts and reaches an agent of it with the
    screen-pop; to a named agent who is available now, with the screen-pop; or to an outside
    number through the trunk."""
    agent = _acting_on(desk, number, user)
    try:
        await get_engine(request).transfer(agent, user.username, queue=body.queue,
                                           to_agent=body.agent, number=body.number)
    except NoCallToControl:
        raise _no_call(number) from None
    except UnknownQueue:
        raise Refused([Violation("unknown_queue", ("body", "queue"), f"no queue {body.queue!r}",
                                 {"queue": body.queue})]) from None
    except (UnknownAgent, TargetNotAvailable) as exc:
        raise _agent_refused(exc) from None
    except AmiError as exc:
        raise pbx_failed(exc) from None


class ConsultIn(BaseModel):
    """Exactly one of them."""

    supervisor: str | None = Field(default=None, max_length=64,
                                   description="the user name of a supervisor with a phone")
    agent: str | None = Field(default=None, pattern=r"^[0-9]{1,16}$",
                              description="another agent, available now, e.g. 8002")
    number: Phone | None = Field(default=None,
                                 description="an outside number, through the trunk")

    @model_validator(mode="after")
    def one_target(self) -> Self:
        return _one_target(self)


class PhoneOut(BaseModel):
    username: str
    role: str
    branch_id: Id | None


@router.get("/consult/phones", response_model=list[PhoneOut])
async def phones_to_consult(number: str, desk: DeskDep, session: Session,
                            user: CurrentUser) -> list[PhoneOut]:
    """Whom the agent may consult: supervisors with a phone, of its branch and headquarters."""
    _acting_on(desk, number, user)
    return [PhoneOut(username=u.username, role=u.role, branch_id=u.branch_id)
            for u in await users.phones_to_consult(session, user)]


@router.post("/consult", status_code=204, responses=PBX_AWAY)
async def consult(number: str, body: ConsultIn, request: Request, desk: DeskDep,
                  session: Session, user: CurrentUser) -> None:
    """The caller on hold with music, and a supervisor's phone, another agent (available now,
    with the call's screen-pop) or an outside number called; once answered, the agent talks with
    that person alone. Then `three-way`, `complete` or `return`."""
    agent = _acting_on(desk, number, user)
    phone = body.number
    if body.supervisor is not None:
        found = {u.username: u for u in await users.phones_to_consult(session, user)}
        if body.supervisor not in found:
            raise Refused([Violation("unknown_phone", ("body", "supervisor"),
                                     f"no supervisor {body.supervisor!r} with a phone",
                                     {"supervisor": body.supervisor})])
        phone = found[body.supervisor].sip_endpoint
    await _consult_step(request, number, agent, user, "start", phone=phone, to_agent=body.agent)


@router.post("/consult/{step}", status_code=204, responses=PBX_AWAY)
async def consult_step(number: str, step: Literal["three-way", "complete", "return"],
                       request: Request, desk: DeskDep, user: CurrentUser) -> None:
    """`three-way`: the caller, the agent and the person consulted together; `complete`: the
    caller and that person together, the agent wraps up; `return`: that person hung up, the
    caller back with the agent."""
    agent = _acting_on(desk, number, user)
    await _consult_step(request, number, agent, user, step.replace("-", "_"))


async def _consult_step(request: Request, number: str, agent: AgentInfo, user: Principal,
                        step: str, *, phone: str | None = None,
                        to_agent: str | None = None) -> None:
    try:
        await get_engine(request).consult(agent, user.username, step, phone=phone,
                                          to_agent=to_agent)
    except NoCallToControl:
        raise _no_call(number) from None
    except (UnknownAgent, TargetNotAvailable) as exc:
        raise _agent_refused(exc) from None
    except CallControlRefused as exc:
        raise Conflict([Violation(exc.rule, ("path", "number"), str(exc),
                                  {"agent": number})]) from None
    except AmiError as exc:
        raise pbx_failed(exc) from None
