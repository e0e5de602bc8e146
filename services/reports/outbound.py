"""The outbound report (外呼活动): per period and campaign, the calls dialed, reached (by a person
or a machine), live answers (a machine AMD passed and its agent said is a machine's, not one),
machines, abandoned (a live answer no agent took) and their rate,
connected to an agent and the talk time, the agents' results (one column per result found, e.g.
`result.agreed`), and the callback requests the campaign dials and those kept.

Beside the periods, each row carries its campaign's abandons over the last 24 hours as of now,
counted as the dialer counts them for its hard limit (dialer/figures.py: attempts started in the
last 24 hours, live answers and abandons): the figure the regulator's rule is held to.
Filters: branch, campaign."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialer.figures import person_answered
from models import Campaign, ContactAttempt, utcnow
from models.reports import CampaignInterval, CampaignResult
from services.principal import Principal
from services.reports.grouping import ratio, resolve, sums, total
from services.reports.query import Column, ColumnKind, ReportQuery, ReportTable
from services.reports.registry import report

K = ColumnKind
MEASURES = ("dialed", "reached", "live", "machines", "abandoned", "connected", "talk_s",
            "callbacks_requested", "callbacks_kept")
COLUMNS = [
    Column("period", K.PERIOD), Column("branch", K.TEXT), Column("campaign", K.TEXT),
    Column("campaign_id", K.COUNT), Column("dialed", K.COUNT, chart=True),
    Column("reached", K.COUNT), Column("live", K.COUNT, chart=True), Column("machines", K.COUNT),
    Column("abandoned", K.COUNT, chart=True),
    Column("abandon_rate", K.RATIO), Column("connected", K.COUNT), Column("talk", K.SECONDS),
    Column("callbacks", K.COUNT), Column("callbacks_kept", K.COUNT),
    Column("live_24h", K.COUNT), Column("abandoned_24h", K.COUNT),
    Column("abandon_rate_24h", K.RATIO),
]


def figures(m: dict[str, Any]) -> dict[str, Any]:
    return {key: m[key] for key in ("dialed", "reached", "live", "machines", "abandoned",
                                    "connected", "callbacks_kept")} | {
        "abandon_rate": ratio(m["abandoned"], m["live"]),
        "talk": ratio(m["talk_s"], m["connected"]), "callbacks": m["callbacks_requested"]}


async def last_24_hours(session: AsyncSession, campaign_ids: set[int]
                        ) -> dict[int, tuple[int, int]]:
    """Live answers and abandons of the attempts started in the last 24 hours, by campaign."""
    if not campaign_ids:
        return {}
    a = ContactAttempt
    rows = await session.execute(
        select(a.campaign_id, func.count().filter(person_answered()),
               func.count().filter(a.abandoned.is_(True)))
        .where(a.campaign_id.in_(campaign_ids),
               a.started_at >= utcnow() - timedelta(hours=24))
        .group_by(a.campaign_id))
    return {cid: (live, abandoned) for cid, live, abandoned in rows}


@report("outbound", filters=("branch", "campaign"))  # its result columns are those found
async def build(session: AsyncSession, query: ReportQuery, principal: Principal) -> ReportTable:
    scope = await resolve(session, query, principal)
    equal = {"campaign_id": scope.campaign_id} if scope.campaign_id is not None else {}
    groups = await sums(session, CampaignInterval.__table__, query, scope, ["campaign_id"],
                        MEASURES, equal)
    results = await sums(session, CampaignResult.__table__, query, scope,
                         ["campaign_id", "result"], ("attempts",), equal)
    found = sorted({result for *_, result in results})
    by_key: dict[tuple[Any, ...], dict[str, int]] = {}
    for (period, branch_id, campaign_id, result), m in results.items():
        by_key.setdefault((period, branch_id, campaign_id), {})[result] = m["attempts"]
    campaign_ids = {cid for *_, cid in groups} | {key[2] for key in by_key}
    names = dict((await session.execute(select(Campaign.id, Campaign.name).where(
        Campaign.id.in_(campaign_ids)))).all())
    recent = await last_24_hours(session, campaign_ids)
    rows = []
    for key in sorted(set(groups) | set(by_key), key=lambda k: (k[0], names.get(k[2], ""))):
        period, branch_id, campaign_id = key
        m = groups.get(key) or dict.fromkeys(MEASURES, 0)
        live, abandoned = recent.get(campaign_id, (0, 0))
        rows.append({"period": period, "branch": scope.branch_codes.get(branch_id),
                     "campaign": names.get(campaign_id), "campaign_id": campaign_id}
                    | figures(m)
                    | {"live_24h": live, "abandoned_24h": abandoned,
                       "abandon_rate_24h": ratio(abandoned, live)}
                    | {f"result.{r}": by_key.get(key, {}).get(r, 0) for r in found})
    live = sum(v[0] for v in recent.values())
    abandoned = sum(v[1] for v in recent.values())
    totals = {"period": None, "branch": None, "campaign": None, "campaign_id": None} | figures(
        total(groups.values(), MEASURES)) | {
        "live_24h": live, "abandoned_24h": abandoned,
        "abandon_rate_24h": ratio(abandoned, live)} | {
        f"result.{r}": sum(v.get(r, 0) for v in by_key.values()) for r in found}
    columns = COLUMNS + [Column(f"result.{r}", K.COUNT) for r in found]
    return ReportTable("outbound", columns, rows, totals)
