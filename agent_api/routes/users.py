"""Users and roles, and the audit log of every administrative change."""
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from agent_api.auth import require
from agent_api.deps import Leases, Session, get_engine
from agent_api.fields import Id, Moment
from models import Role, User
from services import audit, users
from services.principal import Principal

Administrator = Annotated[Principal, Depends(require(Role.ADMIN, Role.BRANCH_ADMIN))]
USERNAME = r"^[A-Za-z0-9._-]{1,64}$"

router = APIRouter(tags=["administration"])


class UserIn(BaseModel):
    username: str = Field(pattern=USERNAME)
    password: str = Field(max_length=200)
    role: Role
    branch: str | None = Field(None, max_length=16, description="a branch code; none: HQ")
    agent: str | None = Field(None, max_length=16, description="an agent login's agent number")
    sip_endpoint: str | None = Field(None, pattern=USERNAME, description="a supervisor's phone")


class UserPatch(BaseModel):
    role: Role | None = None
    branch: str | None = Field(None, max_length=16)
    agent: str | None = Field(None, max_length=16)
    sip_endpoint: str | None = Field(None, pattern=USERNAME)
    active: bool | None = None


class PasswordIn(BaseModel):
    password: str = Field(max_length=200)


class UserOut(BaseModel):
    id: int
    username: str
    role: Role
    branch: str | None
    agent: str | None
    sip_endpoint: str | None
    sip_secret: str | None = Field(description="the phone's SIP password (digest auth)")
    active: bool
    created_at: datetime


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, created_at=user.created_at,
                   sip_secret=user.sip_secret, **users.view(user))


class AuditOut(BaseModel):
    id: int
    at: datetime
    username: str
    action: str
    entity: str
    entity_id: str
    before: dict | None
    after: dict | None


@router.get("/users", response_model=list[UserOut])
async def list_users(session: Session, admin: Administrator) -> list[UserOut]:
    return [user_out(u) for u in await users.listed(session, admin)]


@router.post("/users", response_model=UserOut, status_code=201)
async def create_user(body: UserIn, session: Session, admin: Administrator,
                      request: Request) -> UserOut:
    user = await users.create(session, admin, users.NewUser(**body.model_dump()))
    if user.sip_endpoint:  # a supervisor's phone: its account on the PBX at once
        await get_engine(request).phones_changed()
    return user_out(await users.get(session, admin, user.id))


@router.patch("/users/{user_id}", response_model=UserOut)
async def change_user(user_id: Id, body: UserPatch, session: Session,
                      admin: Administrator, request: Request, leases: Leases) -> UserOut:
    change = users.UserChange(fields=frozenset(body.model_fields_set), **body.model_dump())
    user = await users.change(session, admin, user_id, change)
    if change.fields & {"role", "branch", "agent", "active"}:  # its feeds reopen, rechecked
        leases.sessions_ended(user.id, "the user was changed or disabled")
    if change.fields & {"sip_endpoint", "active"}:
        await get_engine(request).phones_changed()
    return user_out(await users.get(session, admin, user.id))


@router.post("/users/{user_id}/password", status_code=204)
async def reset_password(user_id: Id, body: PasswordIn, session: Session,
                         admin: Administrator, leases: Leases) -> None:
    """A new password set by an administrator: the user's sessions and live feeds end."""
    await users.reset_password(session, admin, user_id, body.password)
    leases.sessions_ended(user_id, "the password was reset")


@router.get("/audit", response_model=list[AuditOut])
async def audit_log(session: Session, admin: Administrator,
                    entity: str | None = None, entity_id: str | None = None,
                    user: Annotated[str | None, Query(description="who made the change")] = None,
                    action: str | None = None, since: Moment | None = None,
                    until: Moment | None = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[AuditOut]:
    """Every administrative change, newest first: who, when, what, before and after."""
    query = audit.AuditQuery(entity, entity_id, user, action, since, until, limit)
    return [AuditOut.model_validate(e, from_attributes=True)
            for e in await audit.entries(session, admin, query)]
