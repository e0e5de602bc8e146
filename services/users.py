"""Users and roles: created, changed, disabled and given new passwords by an administrator (a
branch's administrator for its own agents and supervisors), each change in the audit log."""
import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import Agent, AuthToken, Branch, Role, User, utcnow
from models.security import hash_pin, new_sip_secret, verify_pin
from services import audit
from services.errors import Conflict, NotAllowed, NotFound, Refused, Violation
from services.principal import Principal

MIN_PASSWORD = 8
BRANCH_ROLES = (Role.AGENT, Role.SUPERVISOR)  # what a branch's administrator may hand out
ADMINISTRATORS = (Role.ADMIN, Role.BRANCH_ADMIN)


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    password: str
    role: Role
    branch: str | None = None  # a branch code; none: headquarters
    agent: str | None = None  # the agent number an agent's login is for
    sip_endpoint: str | None = None  # a supervisor's phone


@dataclass(frozen=True, slots=True)
class UserChange:
    """Only the fields named in `fields` change (None may mean: clear it)."""
    fields: frozenset[str]
    role: Role | None = None
    branch: str | None = None
    agent: str | None = None
    sip_endpoint: str | None = None
    active: bool | None = None


def view(user: User) -> dict[str, Any]:
    """The user as the audit log and the API show it (never the password's hash)."""
    return {"username": user.username, "role": str(user.role),
            "branch": user.branch.code if user.branch else None,
            "agent": user.agent.number if user.agent else None,
            "sip_endpoint": user.sip_endpoint, "active": user.active}


async def listed(session: AsyncSession, viewer: Principal) -> list[User]:
    stmt = select(User).options(selectinload(User.agent)).order_by(User.username)
    if not viewer.sees_all_branches:
        stmt = stmt.where(User.branch_id == viewer.branch_id)
    return list(await session.scalars(stmt))


async def get(session: AsyncSession, viewer: Principal, user_id: int) -> User:
    user = await session.scalar(select(User).options(selectinload(User.agent))
                                .where(User.id == user_id))
    if user is None or not viewer.may_see_branch(user.branch_id):
        raise NotFound(f"no user {user_id}")
    return user


async def phones_to_consult(session: AsyncSession, viewer: Principal) -> list[User]:
    """Supervisors and administrators with a phone whom the viewer's agents may consult:
    of the viewer's branch and of headquarters."""
    query = (select(User).where(User.active.is_(True), User.sip_endpoint.is_not(None),
                                User.role.in_((Role.SUPERVISOR, Role.ADMIN, Role.BRANCH_ADMIN)))
             .order_by(User.username))
    if not viewer.sees_all_branches:
        query = query.where((User.branch_id == viewer.branch_id) | User.branch_id.is_(None))
    return list(await session.scalars(query))


def _password_rule(password: str, loc: tuple[str, ...]) -> list[Violation]:
    if len(password) < MIN_PASSWORD:
        return [Violation("password_too_short", loc,
                          f"a password has at least {MIN_PASSWORD} characters")]
    return []


def _may_grant(actor: Principal | None, role: Role, branch: Branch | None) -> None:
    """A headquarters administrator (or the command line) grants anything; a branch's
    administrator only agents and supervisors of its own branch."""
    if actor is None or (actor.role == Role.ADMIN and actor.sees_all_branches):
        return
    if actor.role not in ADMINISTRATORS:
        raise NotAllowed(f"role {actor.role} may not manage users")
    if role not in BRANCH_ROLES:
        raise NotAllowed(f"a branch administrator may not grant the role {role}")
    if branch is None or branch.id != actor.branch_id:
        raise NotAllowed("a branch administrator manages its own branch's users only")


async def _branch(session: AsyncSession, code: str | None) -> Branch | None:
    if code is None:
        return None
    branch = await session.scalar(select(Branch).where(Branch.code == code))
    if branch is None:
        raise Refused([Violation("unknown_branch", ("body", "branch"), f"no branch {code!r}")])
    return branch


async def _agent(session: AsyncSession, number: str | None, user_id: int | None) -> Agent | None:
    if number is None:
        return None
    agent = await session.scalar(select(Agent).where(Agent.number == number))
    if agent is None:
        raise Refused([Violation("unknown_agent", ("body", "agent"), f"no agent {number!r}")])
    holder = await session.scalar(select(User.id).where(User.agent_id == agent.id))
    if holder is not None and holder != user_id:
        raise Conflict([Violation("agent_has_user", ("body", "agent"),
                                  f"agent {number} already has a login")])
    return agent


async def _unique(session: AsyncSession, user_id: int | None, **wanted: str | None) -> None:
    for name, value in wanted.items():
        if value is None:
            continue
        holder = await session.scalar(select(User.id).where(getattr(User, name) == value))
        if holder is not None and holder != user_id:
            raise Conflict([Violation(f"{name}_taken", ("body", name),
                                      f"{name} {value!r} is taken")])


async def create(session: AsyncSession, actor: Principal | None, new: NewUser) -> User:
    """`actor` None: the command line (the first administrator of an installation)."""
    if problems := _password_rule(new.password, ("body", "password")):
        raise Refused(problems)
    branch = await _branch(session, new.branch)
    agent = await _agent(session, new.agent, None)
    if new.role == Role.AGENT and agent is None:
        raise Refused([Violation("agent_needs_number", ("body", "agent"),
                                 "an agent's login names its agent number")])
    if branch is None and agent is not None:
        branch = agent.branch
    if new.role == Role.BRANCH_ADMIN and (branch is None or branch.is_headquarters):
        raise Refused([Violation("branch_admin_needs_branch", ("body", "branch"),
                                 "a branch administrator belongs to a branch")])
    _may_grant(actor, new.role, branch)
    await _unique(session, None, username=new.username, sip_endpoint=new.sip_endpoint)
    user = User(username=new.username, role=new.role, branch=branch, agent=agent,
                sip_endpoint=new.sip_endpoint,
                sip_secret=new_sip_secret() if new.sip_endpoint else None,
                password_hash=await asyncio.to_thread(hash_pin, new.password))
    session.add(user)
    await _flush(session)
    audit.record(session, actor, "create", "user", user.id, branch_id=user.branch_id,
                 after=view(user))
    await session.commit()
    return user


async def change(session: AsyncSession, actor: Principal, user_id: int, ch: UserChange) -> User:
    user = await get(session, actor, user_id)
    _may_grant(actor, user.role, user.branch)
    before = view(user)
    if "branch" in ch.fields:
        user.branch = await _branch(session, ch.branch)
    if "agent" in ch.fields:
        user.agent = await _agent(session, ch.agent, user.id)
    if "role" in ch.fields and ch.role is not None:
        user.role = ch.role
    if "sip_endpoint" in ch.fields:
        await _unique(session, user.id, sip_endpoint=ch.sip_endpoint)
        if ch.sip_endpoint != user.sip_endpoint:  # another phone: a secret of its own
            user.sip_secret = new_sip_secret() if ch.sip_endpoint else None
        user.sip_endpoint = ch.sip_endpoint
    if "active" in ch.fields and ch.active is not None:
        if not ch.active and user.id == actor.user_id:
            raise Refused([Violation("not_yourself", ("body", "active"),
                                     "you may not disable your own login")])
        user.active = ch.active
    _may_grant(actor, user.role, user.branch)  # what it becomes is the actor's to grant, too
    if user.role == Role.AGENT and user.agent is None:
        raise Refused([Violation("agent_needs_number", ("body", "agent"),
                                 "an agent's login names its agent number")])
    if before["role"] == Role.ADMIN and (user.role != Role.ADMIN or not user.active):
        await _not_the_last_admin(session, user.id)
    if not user.active:
        await _end_sessions(session, user.id)
    await _flush(session)
    audit.record(session, actor, "update", "user", user.id, branch_id=user.branch_id,
                 before=before, after=view(user))
    await session.commit()
    return user


async def reset_password(session: AsyncSession, actor: Principal, user_id: int,
                         password: str) -> None:
    """A new password from an administrator: the user's sessions end."""
    user = await get(session, actor, user_id)
    _may_grant(actor, user.role, user.branch)
    if problems := _password_rule(password, ("body", "password")):
        raise Refused(problems)
    user.password_hash = await asyncio.to_thread(hash_pin, password)
    await _end_sessions(session, user.id)
    audit.record(session, actor, "reset_password", "user", user.id, branch_id=user.branch_id)
    await session.commit()


async def change_own_password(session: AsyncSession, me: Principal, current: str,
                              new: str) -> None:
    user = await session.get(User, me.user_id)
    assert user is not None  # the token's holder
    if not await asyncio.to_thread(verify_pin, current, user.password_hash):
        raise Refused([Violation("current_password_wrong", ("body", "current"),
                                 "the current password is not right")])
    if problems := _password_rule(new, ("body", "new")):
        raise Refused(problems)
    user.password_hash = await asyncio.to_thread(hash_pin, new)
    audit.record(session, me, "change_password", "user", user.id, branch_id=user.branch_id)
    await session.commit()


async def _not_the_last_admin(session: AsyncSession, user_id: int) -> None:
    others = await session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.active, User.id != user_id))
    if not others:
        raise Refused([Violation("last_admin", ("body", "role"),
                                 "the last active administrator stays one")])


async def _end_sessions(session: AsyncSession, user_id: int) -> None:
    await session.execute(update(AuthToken).where(
        AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None)).values(revoked_at=utcnow()))


async def _flush(session: AsyncSession) -> None:
    """A uniqueness lost to a concurrent request is a 409, with nothing written."""
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict("the change collides with one made at the same time: try again") from exc
