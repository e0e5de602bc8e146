"""A branch's time zone and opening hours per weekday, and the holidays of one branch or of
all: kept by administrators, each change in the audit log. The IVR reads them on its next call."""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialer.schedule import WEEKDAYS
from models import Branch, BusinessHours, Holiday
from services import audit
from services.errors import Conflict, NotAllowed, NotFound, Refused, Violation
from services.principal import Principal

Intervals = Mapping[str, Sequence[tuple[time, time]]]  # weekday ("mon") -> [(opens, closes)]


@dataclass(frozen=True, slots=True)
class Week:
    timezone: str
    hours: dict[str, list[tuple[time, time]]]  # every weekday; none: closed that day


async def branch(session: AsyncSession, viewer: Principal, code: str) -> Branch:
    found = await session.scalar(select(Branch).where(Branch.code == code))
    if found is None or not viewer.may_see_branch(found.id):
        raise NotFound(f"no branch {code!r}")
    return found


async def week(session: AsyncSession, b: Branch) -> Week:
    rows = await session.scalars(select(BusinessHours).where(BusinessHours.branch_id == b.id)
                                 .order_by(BusinessHours.weekday, BusinessHours.opens))
    hours: dict[str, list[tuple[time, time]]] = {day: [] for day in WEEKDAYS}
    for r in rows:
        hours[WEEKDAYS[r.weekday]].append((r.opens, r.closes))
    return Week(b.timezone, hours)


def _view(w: Week) -> dict[str, Any]:
    return {"timezone": w.timezone,
            "hours": {d: [f"{o:%H:%M}-{c:%H:%M}" for o, c in w.hours[d]] for d in WEEKDAYS}}


def timezone_problems(timezone: str) -> list[Violation]:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return [Violation("unknown_timezone", ("body", "timezone"),
                          f"{timezone!r} is not a time zone (e.g. Asia/Shanghai)")]
    return []


def _problems(timezone: str, hours: Intervals) -> list[Violation]:
    problems = timezone_problems(timezone)
    for day, intervals in hours.items():
        if day not in WEEKDAYS:
            problems.append(Violation("not_a_weekday", ("body", "hours", day),
                                      f"not a weekday (use {', '.join(WEEKDAYS)})"))
            continue
        for i, (opens, closes) in enumerate(intervals):
            if opens >= closes:
                problems.append(Violation("opens_before_closes", ("body", "hours", day, i),
                                          "an interval opens before it closes, the same day"))
        ordered = sorted(intervals)
        for (_, closes), (opens, _) in zip(ordered, ordered[1:], strict=False):
            if opens < closes:
                problems.append(Violation("overlapping_hours", ("body", "hours", day),
                                          f"{day}: two intervals overlap"))
                break
    return problems


async def set_week(session: AsyncSession, actor: Principal, code: str, timezone: str | None,
                   hours: Intervals) -> Week:
    """The branch's whole week at once (a day not given is closed)."""
    b = await branch(session, actor, code)
    if not actor.administers(b.id):
        raise NotAllowed(f"branch {code} is not one you administer")
    zone = timezone or b.timezone
    if problems := _problems(zone, hours):
        raise Refused(problems)
    before = _view(await week(session, b))
    b.timezone = zone
    await session.execute(delete(BusinessHours).where(BusinessHours.branch_id == b.id))
    session.add_all(BusinessHours(branch_id=b.id, weekday=WEEKDAYS.index(day), opens=o, closes=c)
                    for day, intervals in hours.items() for o, c in intervals)
    await session.flush()
    after = await week(session, b)
    audit.record(session, actor, "update", "opening_hours", code, branch_id=b.id,
                 before=before, after=_view(after))
    await session.commit()
    return after


async def holidays(session: AsyncSession, viewer: Principal, code: str | None
                   ) -> list[Holiday]:
    """A branch's holidays and those of every branch; without a branch, every holiday the viewer
    may see."""
    stmt = select(Holiday).order_by(Holiday.day)
    if code is not None:
        b = await branch(session, viewer, code)
        stmt = stmt.where((Holiday.branch_id == b.id) | Holiday.branch_id.is_(None))
    elif not viewer.sees_all_branches:
        stmt = stmt.where((Holiday.branch_id == viewer.branch_id) | Holiday.branch_id.is_(None))
    return list(await session.scalars(stmt))


async def add_holiday(session: AsyncSession, actor: Principal, day: date, name: str,
                      code: str | None) -> Holiday:
    """`code` None: every branch (a headquarters administrator's to set)."""
    b = await branch(session, actor, code) if code is not None else None
    if not actor.administers(b.id if b else None):  # None: headquarters' administrator alone
        raise NotAllowed("a holiday of every branch is headquarters' to set" if b is None
                         else f"branch {code} is not one you administer")
    taken = await session.scalar(select(Holiday.id).where(
        Holiday.day == day, Holiday.branch_id == b.id if b else Holiday.branch_id.is_(None)))
    if taken is not None:
        raise Conflict([Violation("holiday_taken", ("body", "day"),
                                  f"{day} is already a holiday there")])
    holiday = Holiday(branch_id=b.id if b else None, day=day, name=name)
    session.add(holiday)
    await session.flush()
    audit.record(session, actor, "create", "holiday", holiday.id, branch_id=holiday.branch_id,
                 after={"day": day.isoformat(), "name": name, "branch": code})
    await session.commit()
    return holiday


async def remove_holiday(session: AsyncSession, actor: Principal, holiday_id: int) -> None:
    holiday = await session.get(Holiday, holiday_id)
    if holiday is None or (holiday.branch_id is not None
                           and not actor.may_see_branch(holiday.branch_id)):
        raise NotFound(f"no holiday {holiday_id}")
    if not actor.administers(holiday.branch_id):
        raise NotAllowed("not a holiday you administer")
    audit.record(session, actor, "delete", "holiday", holiday.id, branch_id=holiday.branch_id,
                 before={"day": holiday.day.isoformat(), "name": holiday.name})
    await session.delete(holiday)
    await session.commit()
