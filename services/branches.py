"""Branches as headquarters keeps them: code, name, time zone and the weekly order day its
retailers' ordering cycle starts on. A new branch gets its queues (one per business type); a
branch that still has agents, retailers, users or history is not deleted."""
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dialer.schedule import WEEKDAYS
from models import Agent, Branch, Retailer, User
from services import audit
from services.errors import Conflict, NotAllowed, NotFound, Refused, Violation
from services.opening_hours import timezone_problems
from services.principal import Principal

CODE = re.compile(r"[A-Z][A-Z0-9]{1,15}")


def view(b: Branch) -> dict[str, Any]:
    return {"code": b.code, "name": b.name, "timezone": b.timezone,
            "is_headquarters": b.is_headquarters, "order_day": WEEKDAYS[b.order_day or 0]}


def order_day_problems(day: str | None) -> list[Violation]:
    """An order day is said as a weekday, "mon" .. "sun" (kept as 0 .. 6: WEEKDAYS.index)."""
    if day is None or day in WEEKDAYS:
        return []
    return [Violation("not_a_weekday", ("body", "order_day"),
                      f"{day!r} is not a weekday (use {', '.join(WEEKDAYS)})")]


async def create(session: AsyncSession, actor: Principal, code: str, name: str,
                 timezone: str, order_day_said: str = "mon") -> Branch:
    _headquarters_only(actor)
    problems = timezone_problems(timezone)
    if not CODE.fullmatch(code):
        problems.append(Violation("branch_code", ("body", "code"),
                                  "a code is 2 to 16 capital letters or digits, e.g. TJ"))
    problems += order_day_problems(order_day_said)
    if problems:
        raise Refused(problems)
    if await session.scalar(select(Branch.id).where(Branch.code == code)):
        raise Conflict([Violation("branch_taken", ("body", "code"), f"branch {code} exists")])
    branch = Branch(code=code, name=name, timezone=timezone, is_headquarters=False,
                    order_day=WEEKDAYS.index(order_day_said))
    session.add(branch)
    await session.flush()
    audit.record(session, actor, "create", "branch", code, branch_id=branch.id, after=view(branch))
    await session.commit()
    return branch


async def change(session: AsyncSession, actor: Principal, code: str, name: str | None,
                 timezone: str | None, order_day_said: str | None = None) -> Branch:
    _headquarters_only(actor)
    branch = await _get(session, code)
    problems = ((timezone_problems(timezone) if timezone is not None else [])
                + order_day_problems(order_day_said))
    if problems:
        raise Refused(problems)
    before = view(branch)
    branch.name = name or branch.name
    branch.timezone = timezone or branch.timezone
    if order_day_said is not None:
        branch.order_day = WEEKDAYS.index(order_day_said)
    audit.record(session, actor, "update", "branch", code, branch_id=branch.id, before=before,
                 after=view(branch))
    await session.commit()
    return branch


async def delete(session: AsyncSession, actor: Principal, code: str) -> None:
    _headquarters_only(actor)
    branch = await _get(session, code)
    if branch.is_headquarters:
        raise Conflict([Violation("branch_headquarters", ("path", "code"),
                                  "headquarters answers every branch's overflow: it stays")])
    problems = []
    for model, what in ((Agent, "agents"), (Retailer, "retailers"), (User, "users")):
        count = await session.scalar(select(func.count()).select_from(model).where(
            model.branch_id == branch.id))
        if count:
            problems.append(Violation(f"branch_has_{what}", ("path", "code"),
                                      f"branch {code} has {count} {what}: move them first"))
    if problems:
        raise Conflict(problems)
    audit.record(session, actor, "delete", "branch", code, before=view(branch))
    await session.delete(branch)
    try:
        await session.commit()
    except IntegrityError:  # calls, orders or opinions of the branch are history: kept
        await session.rollback()
        raise Conflict([Violation("branch_has_history", ("path", "code"),
                                  f"branch {code} has calls, orders or opinions on record")]
                       ) from None


async def _get(session: AsyncSession, code: str) -> Branch:
    branch = await session.scalar(select(Branch).where(Branch.code == code))
    if branch is None:
        raise NotFound(f"no branch {code!r}")
    return branch


def _headquarters_only(actor: Principal) -> None:
    if not actor.administers(None):
        raise NotAllowed("only headquarters' administrators keep the branches")
