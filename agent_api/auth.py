"""Who is asking: bearer tokens from the OAuth2 password flow, roles, and branch scoping.

A token is 32 random bytes handed out once; only its SHA-256 is stored, with an expiry (a
shift) and a revocation time. Failed logins in a row lock the user for a while."""
import asyncio
import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select

from agent_api.deps import Session
from models import AuthToken, Role, User, utcnow
from models.security import verify_pin
from runtime.settings import AuthSettings
from services.principal import Principal

log = logging.getLogger("hotline.auth")

bearer = OAuth2PasswordBearer(tokenUrl="/auth/token")


class LoginRefused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(session, username: str, password: str, settings: AuthSettings
                      ) -> tuple[str, datetime]:
    """The token and its expiry; raises LoginRefused (401 wrong, 429 locked)."""
    now = utcnow()
    user = await session.scalar(select(User).where(User.username == username))
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise LoginRefused(429, f"too many failed logins: locked until "
                                f"{user.locked_until.isoformat(timespec='seconds')}")
    ok = user is not None and user.active and await asyncio.to_thread(
        verify_pin, password, user.password_hash)  # scrypt: off the event loop
    if not ok:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= settings.max_failed_logins:
                user.failed_logins = 0
                user.locked_until = now + timedelta(minutes=settings.lock_minutes)
            await session.commit()
        log.warning("login refused", extra={"username": username})
        raise LoginRefused(401, "incorrect username or password")
    user.failed_logins, user.locked_until = 0, None
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=settings.token_hours)
    session.add(AuthToken(token_hash=_digest(token), user=user, issued_at=now, expires_at=expires))
    await session.commit()
    return token, expires


async def revoke(session, token: str) -> None:
    row = await session.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.commit()


async def principal_for(session, token: str) -> Principal | None:
    """Who holds this token, or None if it is unknown, revoked, expired or the user inactive."""
    row = await session.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(token)))
    if (row is None or row.revoked_at is not None or row.expires_at <= utcnow()
            or not row.user.active):
        return None
    user = row.user
    hq = user.branch is None or user.branch.is_headquarters
    return Principal(user.id, user.username, user.role, user.branch_id,
                     sees_all_branches=hq, agent_id=user.agent_id,
                     branch_code=user.branch.code if user.branch else None)


async def current_user(token: Annotated[str, Depends(bearer)], session: Session) -> Principal:
    user = await principal_for(session, token)
    if user is None:
        raise HTTPException(401, "not logged in, or the token expired",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[Principal, Depends(current_user)]


def require(*roles: Role) -> Callable:
    """A dependency: the caller must hold one of `roles`."""
    async def check(user: CurrentUser) -> Principal:
        if user.role not in roles:
            raise HTTPException(403, f"role {user.role} may not do this "
                                     f"(needs {' or '.join(roles)})")
        return user
    return check


def auth_settings(request: Request) -> AuthSettings:
    return request.app.state.settings.auth
