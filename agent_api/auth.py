"""Who is asking: bearer tokens from the OAuth2 password flow, roles, and branch scoping.

A token is 32 random bytes handed out once; only its SHA-256 is stored, with an expiry (a
shift) and a revocation time. Failed logins make the next attempts wait (models/throttle.py),
per user name from one address, per address and per user name."""
import asyncio
import hashlib
import logging
import math
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select

from agent_api.deps import Session
from models import AuthToken, Role, User, utcnow
from models.security import verify_pin_or_dummy
from models.throttle import LoginThrottle
from runtime.settings import AuthSettings
from services.principal import Principal

log = logging.getLogger("hotline.auth")

bearer = OAuth2PasswordBearer(tokenUrl="/auth/token")


class LoginRefused(Exception):
    def __init__(self, status: int, detail: str, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.retry_after = status, detail, retry_after


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(session, username: str, password: str, source: str,
                      settings: AuthSettings, throttle: LoginThrottle) -> tuple[str, datetime]:
    """The token and its expiry; raises LoginRefused (401 wrong, 429 wait and retry). A
    failure is counted by the throttle, never against the account (which would let anyone
    lock anyone out), and an unknown name is answered as a wrong password, as late."""
    wait = throttle.retry_after(username, source)
    if wait > 0:
        log.warning("login throttled", extra={"username": username, "source": source})
        raise LoginRefused(429, "too many failed logins: try again later", math.ceil(wait))
    user = await session.scalar(select(User).where(User.username == username))
    ok = await asyncio.to_thread(  # scrypt: off the event loop
        verify_pin_or_dummy, password, user.password_hash if user is not None else None)
    if not ok or user is None or not user.active:
        throttle.failed(username, source)
        log.warning("login refused", extra={"username": username, "source": source})
        raise LoginRefused(401, "incorrect username or password")
    throttle.succeeded(username, source)
    return await _new_token(session, user, settings)


async def renew_token(session, token: str, settings: AuthSettings) -> tuple[str, datetime] | None:
    """A new token for the holder of a valid one (a wallboard left on a wall for days keeps its
    sign-in), or None when `token` no longer works. The old token runs on to its own expiry."""
    row = await _valid(session, token)
    return None if row is None else await _new_token(session, row.user, settings)


async def _new_token(session, user: User, settings: AuthSettings) -> tuple[str, datetime]:
    now = utcnow()
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=settings.token_hours)
    session.add(AuthToken(token_hash=digest(token), user=user, issued_at=now, expires_at=expires))
    await session.commit()
    return token, expires


async def revoke(session, token: str) -> None:
    row = await session.scalar(select(AuthToken).where(AuthToken.token_hash == digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        await session.commit()


async def principal_for(session, token: str) -> Principal | None:
    """Who holds this token, or None if it is unknown, revoked, expired or the user inactive."""
    held = await holder_of(session, token)
    return held[0] if held else None


async def holder_of(session, token: str) -> tuple[Principal, datetime] | None:
    """Who holds this token and until when, or None (unknown, revoked, expired, inactive)."""
    row = await _valid(session, token)
    if row is None:
        return None
    user = row.user
    hq = user.branch is None or user.branch.is_headquarters
    return Principal(user.id, user.username, user.role, user.branch_id,
                     sees_all_branches=hq, agent_id=user.agent_id,
                     branch_code=user.branch.code if user.branch else None), row.expires_at


async def _valid(session, token: str) -> AuthToken | None:
    row = await session.scalar(select(AuthToken).where(AuthToken.token_hash == digest(token)))
    if (row is None or row.revoked_at is not None or row.expires_at <= utcnow()
            or not row.user.active):
        return None
    return row


def not_signed_in() -> HTTPException:
    return HTTPException(401, "not logged in, or the token expired",
                         headers={"WWW-Authenticate": "Bearer"})


async def current_user(token: Annotated[str, Depends(bearer)], session: Session) -> Principal:
    user = await principal_for(session, token)
    if user is None:
        raise not_signed_in()
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
