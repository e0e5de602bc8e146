"""Scheduled reports kept by headquarters' administrators (beside those of the settings): each
a registered report with its grouping and the filters it applies, daily or weekly, mailed to
its addresses in its language. Each change is in the audit log, in its own transaction."""
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.report_schedules import ReportSchedule
from services import audit
from services.errors import NotAllowed, NotFound, Refused, Violation
from services.principal import Principal
from services.reports.query import Grouping, ReportQuery
from services.reports.reading import refusals
from services.reports.registry import REPORTS

ADDRESS = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+")
FILTERS = ("branch", "queue", "agent", "campaign", "business_type")


@dataclass(frozen=True, slots=True)
class Schedule:
    report: str
    every: str  # daily | weekly
    grouping: Grouping
    filters: dict[str, Any]
    to: list[str]
    lang: str  # zh | en
    active: bool = True


def view(s: ReportSchedule) -> dict[str, Any]:
    return {"id": s.id, "report": s.report, "every": s.every, "grouping": s.grouping,
            "filters": s.filters, "to": s.recipients, "lang": s.lang, "active": s.active}


async def listed(session: AsyncSession, active_only: bool = False) -> list[ReportSchedule]:
    query = select(ReportSchedule).order_by(ReportSchedule.id)
    if active_only:
        query = query.where(ReportSchedule.active)
    return list(await session.scalars(query))


async def create(session: AsyncSession, actor: Principal, wanted: Schedule) -> ReportSchedule:
    _headquarters_only(actor)
    _check(wanted)
    row = ReportSchedule(report=wanted.report, every=wanted.every, grouping=str(wanted.grouping),
                         filters=_set(wanted.filters), recipients=wanted.to, lang=wanted.lang,
                         active=wanted.active)
    session.add(row)
    await session.flush()
    audit.record(session, actor, "create", "report_schedule", row.id, after=view(row))
    await session.commit()
    return row


async def replace(session: AsyncSession, actor: Principal, schedule_id: int,
                  wanted: Schedule) -> ReportSchedule:
    _headquarters_only(actor)
    row = await _get(session, schedule_id)
    _check(wanted)
    before = view(row)
    row.report, row.every, row.grouping = wanted.report, wanted.every, str(wanted.grouping)
    row.filters, row.recipients, row.lang, row.active = (_set(wanted.filters), wanted.to,
                                                         wanted.lang, wanted.active)
    audit.record(session, actor, "update", "report_schedule", row.id, before=before,
                 after=view(row))
    await session.commit()
    return row


async def remove(session: AsyncSession, actor: Principal, schedule_id: int) -> None:
    _headquarters_only(actor)
    row = await _get(session, schedule_id)
    audit.record(session, actor, "delete", "report_schedule", row.id, before=view(row))
    await session.delete(row)
    await session.commit()


def _set(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in filters.items() if v is not None}


def _check(wanted: Schedule) -> None:
    if wanted.report not in REPORTS:
        raise Refused([Violation("unknown_report", ("body", "report"),
                                 f"no report {wanted.report!r}",
                                 {"reports": ", ".join(sorted(REPORTS))})])
    day = date(2000, 1, 3)
    query = ReportQuery(day, day, wanted.grouping, **{k: wanted.filters.get(k) for k in FILTERS})
    broken = [Violation(v.rule, ("body", "filters", v.loc[-1]), v.msg, v.ctx)
              for v in refusals(wanted.report, query) if v.loc[-1] in FILTERS]
    broken += [Violation("mail_address", ("body", "to", i), f"{address!r} is not a mail address")
               for i, address in enumerate(wanted.to) if not ADDRESS.fullmatch(address)]
    if broken:
        raise Refused(broken)


async def _get(session: AsyncSession, schedule_id: int) -> ReportSchedule:
    row = await session.get(ReportSchedule, schedule_id)
    if row is None:
        raise NotFound(f"no scheduled report {schedule_id}")
    return row


def _headquarters_only(actor: Principal) -> None:
    if not actor.administers(None):
        raise NotAllowed("only headquarters' administrators keep scheduled reports")

