"""The IVR report (语音导航): per period and branch, the inbound calls, the funnel through the
IVR's steps in the flow's order (how many entered each step and how many hung up there), the
callers served by the IVR alone (self-service completions, and their share of the calls:
containment), voicemails, callers gone before reaching a queue, and the self-service logins
(card + PIN): accepted, wrong PINs, and callers turned away by a PIN lock (lockouts).

A call's branch is known once its card named it: the steps before belong to no branch, which
headquarters sees. Filter: branch."""
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ivr.flow import State
from models.reports import IvrInterval, PinInterval, QueueInterval
from services.principal import Principal
from services.reports.grouping import ratio, resolve, sums
from services.reports.query import Column, ColumnKind, ReportQuery, ReportTable
from services.reports.registry import report

K = ColumnKind
STEPS = [s.value for s in State if s != State.DONE]  # done: the IVR handed the call on
COLUMNS = [
    Column("period", K.PERIOD), Column("branch", K.TEXT), Column("offered", K.COUNT, chart=True),
    *(c for step in STEPS for c in (Column(f"{step}_entered", K.COUNT),
                                    Column(f"{step}_hangups", K.COUNT))),
    Column("self_served", K.COUNT, chart=True), Column("containment", K.RATIO),
    Column("voicemails", K.COUNT), Column("abandoned_ivr", K.COUNT),
    Column("pin_logins", K.COUNT), Column("pin_ok", K.COUNT), Column("pin_wrong", K.COUNT),
    Column("pin_lockouts", K.COUNT),
]
CALL_MEASURES = ("offered", "self_served", "voicemails", "abandoned_ivr")


def figures(m: dict[str, Any]) -> dict[str, Any]:
    return m | {"containment": ratio(m["self_served"], m["offered"])}


@report("ivr", filters=("branch",), columns=COLUMNS)
async def build(session: AsyncSession, query: ReportQuery, principal: Principal) -> ReportTable:
    scope = await resolve(session, query, principal)
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}

    def row(period: str, branch_id: int | None) -> dict[str, Any]:
        return rows.setdefault((period, branch_id), {c.key: 0 for c in COLUMNS[2:]})

    calls = await sums(session, QueueInterval.__table__, query, scope, [], CALL_MEASURES)
    for (period, branch_id), m in calls.items():
        row(period, branch_id).update(m)
    steps = await sums(session, IvrInterval.__table__, query, scope, ["state"],
                       ("entered", "hangup"))
    for (period, branch_id, state), m in steps.items():
        if state in STEPS:
            r = row(period, branch_id)
            r[f"{state}_entered"] += m["entered"]
            r[f"{state}_hangups"] += m["hangup"]
    pins = await sums(session, PinInterval.__table__, query, scope, ["reason"], ("attempts",))
    for (period, branch_id, reason), m in pins.items():
        r = row(period, branch_id)
        r["pin_logins"] += m["attempts"]
        key = {"ok": "pin_ok", "wrong_pin": "pin_wrong", "locked": "pin_lockouts"}.get(reason)
        if key:
            r[key] += m["attempts"]
    out = []
    whole = {c.key: 0 for c in COLUMNS[2:]}
    for (period, branch_id), r in sorted(rows.items(), key=lambda i: (i[0][0], str(i[0][1]))):
        out.append({"period": period, "branch": scope.branch_codes.get(branch_id)}
                   | figures(r))
        for key, value in r.items():
            if key != "containment":
                whole[key] += value
    totals = {"period": None, "branch": None} | figures(whole)
    return ReportTable("ivr", COLUMNS, out, totals)
