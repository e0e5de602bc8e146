"""People who use the API and their login tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.agents import Agent
from models.base import Base, utcnow
from models.org import Branch


class Role(enum.StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    OPS = "ops"
    BRANCH_ADMIN = "branch_admin"  # administers its own branch only
    ADMIN = "admin"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # models.security.hash_pin
    role: Mapped[Role]
    # The branch whose retailers and calls an agent sees; headquarters (or none) sees all.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), unique=True)
    # A supervisor's phone (PJSIP endpoint name): where listening, whispering and barging ring.
    sip_endpoint: Mapped[str | None] = mapped_column(String(64), unique=True)
    # the phone's SIP password (digest), generated with the phone; administrators read it
    sip_secret: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    # Unused since failed logins are throttled, never held against the account
    # (models/throttle.py); kept until a migration drops them.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    branch: Mapped[Branch | None] = relationship(lazy="joined")
    agent: Mapped[Agent | None] = relationship()


class AuthToken(Base):
    """A bearer token, stored only as its SHA-256: a stolen database holds no usable token."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")
