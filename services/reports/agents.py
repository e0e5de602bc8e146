"""The agents report: per period and agent, the time logged in and in each state (available,
on a call, wrap-up, paused by reason), the calls handled and their handle time, occupancy, the
quality scores' average and the callers' survey rating.

Occupancy is the time on calls and in wrap-up over the time ready for them (available, reserved,
on a call, wrap-up): pauses are not counted against it. Filters: branch, agent."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Agent
from models.reports import AgentInterval
from services.principal import Principal
from services.reports.grouping import ratio, resolve, sums, total
from services.reports.query import Column, ColumnKind, ReportQuery, ReportTable
from services.reports.registry import report
from services.reports.rollup_calls import PAUSE_REASONS

K = ColumnKind
PAUSES = (*PAUSE_REASONS, "other")
COLUMNS = [
    Column("period", K.PERIOD), Column("branch", K.TEXT), Column("agent", K.TEXT),
    Column("agent_name", K.TEXT), Column("logged_in", K.SECONDS), Column("available", K.SECONDS),
    Column("on_call", K.SECONDS), Column("wrap_up", K.SECONDS), Column("paused", K.SECONDS),
    *(Column(f"paused_{reason}", K.SECONDS) for reason in PAUSES),
    Column("calls_handled", K.COUNT, chart=True), Column("aht", K.SECONDS),
    Column("talk", K.SECONDS),
    Column("hold", K.SECONDS), Column("occupancy", K.RATIO), Column("transfers", K.COUNT),
    Column("qa_average", K.NUMBER), Column("qa_count", K.COUNT),
    Column("survey_rating", K.NUMBER), Column("survey_count", K.COUNT),
]
MEASURES = ("logged_in_s", "available_s", "reserved_s", "on_call_s", "wrap_up_s", "paused_s",
            *(f"paused_{reason}_s" for reason in PAUSES), "calls_handled", "talk_s",
            "hold_s", "transfers", "qa_count", "qa_sum", "survey_count", "survey_sum")


def figures(m: dict[str, Any]) -> dict[str, Any]:
    handled = m["calls_handled"]
    busy = m["on_call_s"] + m["wrap_up_s"]
    out: dict[str, Any] = {
        "logged_in": m["logged_in_s"], "available": m["available_s"], "on_call": m["on_call_s"],
        "wrap_up": m["wrap_up_s"], "paused": m["paused_s"], "calls_handled": handled,
        "aht": ratio(m["talk_s"] + m["hold_s"] + m["wrap_up_s"], handled),
        "talk": ratio(m["talk_s"], handled), "hold": ratio(m["hold_s"], handled),
        "occupancy": ratio(busy, busy + m["available_s"] + m["reserved_s"]),
        "transfers": m["transfers"], "qa_average": ratio(m["qa_sum"], m["qa_count"]),
        "qa_count": m["qa_count"], "survey_rating": ratio(m["survey_sum"], m["survey_count"]),
        "survey_count": m["survey_count"],
    }
    return out | {f"paused_{reason}": m[f"paused_{reason}_s"] for reason in PAUSES}


@report("agents", filters=("branch", "agent"), columns=COLUMNS)
async def build(session: AsyncSession, query: ReportQuery, principal: Principal) -> ReportTable:
    scope = await resolve(session, query, principal)
    equal = {"agent_id": scope.agent_id} if scope.agent_id is not None else {}
    groups = await sums(session, AgentInterval.__table__, query, scope, ["agent_id"], MEASURES,
                        equal)
    agents = {aid: (number, name) for aid, number, name in await session.execute(
        select(Agent.id, Agent.number, Agent.name).where(
            Agent.id.in_({aid for _, _, aid in groups})))}
    rows = []
    for (period, branch_id, agent_id), m in groups.items():
        number, name = agents.get(agent_id, (None, None))
        rows.append({"period": period, "branch": scope.branch_codes.get(branch_id),
                     "agent": number, "agent_name": name} | figures(m))
    rows.sort(key=lambda r: (r["period"], r["branch"] or "", r["agent"] or ""))
    totals = {"period": None, "branch": None, "agent": None, "agent_name": None} | figures(
        total(groups.values(), MEASURES))
    return ReportTable("agents", COLUMNS, rows, totals)
