"""The queues report: inbound calls per period, branch and queue — offered, answered, abandoned
(in the IVR or in a queue, and after how long), service level against each queue's own threshold
and target, speed of answer, handle time (talk, hold, wrap-up), transfers and callbacks.

Filters: branch, queue, business type. A call that never reached a queue is on the row without a
queue (its business type, if the caller chose one, still filters it)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Branch, BusinessType, QueueSettings
from models.reports import QueueInterval
from services.principal import Principal
from services.reports.facts import DEFAULT_SL_SECONDS
from services.reports.grouping import ratio, resolve, sums, total
from services.reports.query import Column, ColumnKind, ReportQuery, ReportTable
from services.reports.registry import report
from services.reports.rollup_calls import DEFAULT_SL_TARGET

K = ColumnKind
COLUMNS = [
    Column("period", K.PERIOD), Column("branch", K.TEXT), Column("queue", K.TEXT),
    Column("offered", K.COUNT, chart=True), Column("answered", K.COUNT, chart=True),
    Column("abandoned", K.COUNT, chart=True),
    Column("abandoned_ivr", K.COUNT), Column("abandoned_queue", K.COUNT),
    Column("abandoned_10s", K.COUNT), Column("abandoned_30s", K.COUNT),
    Column("abandoned_60s", K.COUNT), Column("abandoned_120s", K.COUNT),
    Column("abandoned_longer", K.COUNT), Column("abandon_rate", K.RATIO),
    Column("self_served", K.COUNT), Column("voicemails", K.COUNT),
    Column("service_level", K.RATIO), Column("service_level_seconds", K.SECONDS),
    Column("service_level_target", K.RATIO), Column("service_level_met", K.TEXT),
    Column("asa", K.SECONDS), Column("aht", K.SECONDS), Column("talk", K.SECONDS),
    Column("hold", K.SECONDS), Column("wrap_up", K.SECONDS), Column("transfers", K.COUNT),
    Column("callbacks", K.COUNT), Column("callbacks_done", K.COUNT),
    Column("survey_rating", K.NUMBER), Column("survey_count", K.COUNT),
]
MEASURES = ("offered", "answered", "answered_in_sl", "abandoned_ivr", "abandoned_queue",
            "abandoned_10s", "abandoned_30s", "abandoned_60s", "abandoned_120s",
            "abandoned_longer", "self_served", "voicemails", "wait_answered_s", "talk_s",
            "hold_s", "wrap_s", "transfers", "callbacks_requested", "callbacks_done",
            "survey_count", "survey_sum")


def figures(m: dict[str, Any], sl: tuple[int, int] | None) -> dict[str, Any]:
    """A row's figures from its sums; `sl`: the queue's threshold (s) and target (%)."""
    abandoned = m["abandoned_ivr"] + m["abandoned_queue"]
    answered = m["answered"]
    level = ratio(m["answered_in_sl"], answered + m["abandoned_queue"])
    out = {key: m[key] for key in (
        "offered", "answered", "abandoned_ivr", "abandoned_queue", "abandoned_10s",
        "abandoned_30s", "abandoned_60s", "abandoned_120s", "abandoned_longer", "self_served",
        "voicemails", "transfers", "callbacks_done", "survey_count")}
    out |= {
        "abandoned": abandoned, "abandon_rate": ratio(abandoned, m["offered"]),
        "service_level": level,
        "service_level_seconds": sl[0] if sl else None,
        "service_level_target": sl[1] / 100 if sl else None,
        "service_level_met": (None if sl is None or level is None
                              else "met" if level * 100 >= sl[1] else "missed"),
        "asa": ratio(m["wait_answered_s"], answered),
        "aht": ratio(m["talk_s"] + m["hold_s"] + m["wrap_s"], answered),
        "talk": ratio(m["talk_s"], answered), "hold": ratio(m["hold_s"], answered),
        "wrap_up": ratio(m["wrap_s"], answered),
        "callbacks": m["callbacks_requested"],
        "survey_rating": ratio(m["survey_sum"], m["survey_count"]),
    }
    return out


async def thresholds(session: AsyncSession) -> dict[str, tuple[int, int]]:
    """Each queue's service level threshold (s) and target (%), by queue name; a queue without
    settings has the defaults."""
    rows = await session.execute(
        select(Branch.code, BusinessType.code, QueueSettings.service_level_seconds,
               QueueSettings.service_level_target)
        .join(Branch, QueueSettings.branch_id == Branch.id)
        .join(BusinessType, QueueSettings.business_type_id == BusinessType.id))
    return {f"{b}-{bt}": (seconds, target) for b, bt, seconds, target in rows}


@report("queues", filters=("branch", "queue", "business_type"), columns=COLUMNS)
async def build(session: AsyncSession, query: ReportQuery, principal: Principal) -> ReportTable:
    scope = await resolve(session, query, principal)
    equal = {name: value for name, value in (("queue", query.queue),
                                             ("business_type", query.business_type))
             if value is not None}
    groups = await sums(session, QueueInterval.__table__, query, scope, ["queue"], MEASURES,
                        equal)
    sl = await thresholds(session)
    rows = []
    for (period, branch_id, queue), m in groups.items():
        queue_sl = sl.get(queue, (DEFAULT_SL_SECONDS, DEFAULT_SL_TARGET)) if queue else None
        rows.append({"period": period, "branch": scope.branch_codes.get(branch_id),
                     "queue": queue or None} | figures(m, queue_sl))
    queues = {queue for _, _, queue in groups if queue}
    whole_sl = None
    if len(queues) == 1:
        [only] = queues
        whole_sl = sl.get(only, (DEFAULT_SL_SECONDS, DEFAULT_SL_TARGET))
    totals = {"period": None, "branch": None, "queue": None} | figures(
        total(groups.values(), MEASURES), whole_sl)
    return ReportTable("queues", COLUMNS, rows, totals)
