from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field
from sqlalchemy import select

from agent_api.auth import (
    CurrentUser,
    LoginRefused,
    auth_settings,
    bearer,
    digest,
    holder_of,
    issue_token,
    not_signed_in,
    renew_token,
    revoke,
)
from agent_api.deps import Leases, Session
from models import Agent
from runtime.settings import AuthSettings
from services import users

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class MeOut(BaseModel):
    username: str
    role: str
    branch_id: int | None
    sees_all_branches: bool
    agent_id: int | None
    agent_number: str | None
    token_expires_at: datetime



@router.post("/token", response_model=TokenOut)
async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], session: Session,
                settings: Annotated[AuthSettings, Depends(auth_settings)],
                request: Request) -> TokenOut:
    """OAuth2 password flow: form fields `username` and `password`. Failed logins make the next
    ones wait (429 with Retry-After), counted per user name from this address, per address and
    per user name; an unknown name is answered as a wrong password."""
    source = request.client.host if request.client else "unknown"
    try:
        value, expires = await issue_token(session, form.username, form.password, source,
                                           settings, request.app.state.login_throttle)
    except LoginRefused as exc:
        headers = ({"WWW-Authenticate": "Bearer"} if exc.status == 401
                   else {"Retry-After": str(exc.retry_after)})
        raise HTTPException(exc.status, exc.detail, headers=headers) from None
    return TokenOut(access_token=value, expires_at=expires)


@router.get("/me", response_model=MeOut)
async def me(value: Annotated[str, Depends(bearer)], session: Session) -> MeOut:
    held = await holder_of(session, value)
    if held is None:
        raise not_signed_in()
    user, expires = held
    number = (await session.scalar(select(Agent.number).where(Agent.id == user.agent_id))
              if user.agent_id is not None else None)
    return MeOut(username=user.username, role=user.role, branch_id=user.branch_id,
                 sees_all_branches=user.sees_all_branches, agent_id=user.agent_id,
                 agent_number=number, token_expires_at=expires)


@router.post("/renew", response_model=TokenOut)
async def renew(value: Annotated[str, Depends(bearer)], session: Session,
                settings: Annotated[AuthSettings, Depends(auth_settings)]) -> TokenOut:
    """A fresh token for the holder of a valid one, so a page left open for days (a wallboard)
    stays signed in; a revoked or expired token, or a disabled user, is refused (401)."""
    renewed = await renew_token(session, value, settings)
    if renewed is None:
        raise not_signed_in()
    return TokenOut(access_token=renewed[0], expires_at=renewed[1])


@router.post("/logout", status_code=204)
async def logout(user: CurrentUser, value: Annotated[str, Depends(bearer)],
                 session: Session, leases: Leases) -> None:
    """The token stops working at once, and the live feeds it opened close."""
    await revoke(session, value)
    leases.token_revoked(digest(value))


class OwnPasswordIn(BaseModel):
    current: str = Field(max_length=200)
    new: str = Field(max_length=200)


@router.post("/password", status_code=204)
async def change_own_password(body: OwnPasswordIn, user: CurrentUser, session: Session) -> None:
    """Any user changes their own password, giving the current one."""
    await users.change_own_password(session, user, body.current, body.new)
