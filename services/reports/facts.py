"""The fact rows of an interval range as the roll-up computes them (models/reports.py): where a
raw row falls (its 15-minute interval in UTC, and that interval's local day and minute in its
branch's zone) and what the roll-up needs to place it (Organisation)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Agent, Branch, BusinessType, Call, Campaign, QueueSettings

INTERVAL = timedelta(minutes=15)
SECONDS = 900  # INTERVAL in seconds
DEFAULT_ZONE = "Asia/Shanghai"  # a row of no branch: headquarters' clock, when none is marked
DEFAULT_SL_SECONDS = 20  # a queue without settings (models.acd.QueueSettings' default)
RECENT_CALLS = 20000  # the calls whose servers are the PBXs in use


def interval_of(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)


def table_of(model: Any) -> Table:
    table: Table = model.__table__
    return table


@dataclass
class Organisation:
    """What the roll-up needs to place a row: zones, queue thresholds, whose branch."""
    zones: dict[int | None, ZoneInfo]
    branch_codes: dict[str, int]
    sl_seconds: dict[str, int]  # queue name -> threshold
    agent_branch: dict[int, int]
    campaign_branch: dict[int, int | None]
    servers: set[str]  # the PBXs whose calls are on record (a call's key is server, linkedid)

    def zone(self, branch_id: int | None) -> ZoneInfo:
        return self.zones.get(branch_id) or self.zones[None]

    def queue_branch(self, queue: str | None) -> int | None:
        return self.branch_codes.get((queue or "").partition("-")[0])

    @staticmethod
    async def load(session: AsyncSession) -> Organisation:
        branches = (await session.execute(select(Branch.id, Branch.code, Branch.timezone,
                                                 Branch.is_headquarters))).all()
        hq = next((tz for _, _, tz, is_hq in branches if is_hq), DEFAULT_ZONE)
        zones: dict[int | None, ZoneInfo] = {None: ZoneInfo(hq)}
        zones |= {bid: ZoneInfo(tz) for bid, _, tz, _ in branches}
        sl = {f"{code}-{bt}": seconds for code, bt, seconds in await session.execute(
            select(Branch.code, BusinessType.code, QueueSettings.service_level_seconds)
            .join(Branch, QueueSettings.branch_id == Branch.id)
            .join(BusinessType, QueueSettings.business_type_id == BusinessType.id))}
        agents = dict((await session.execute(select(Agent.id, Agent.branch_id))).all())
        campaigns = dict((await session.execute(select(Campaign.id, Campaign.branch_id))).all())
        last = await session.scalar(select(func.max(Call.id))) or 0
        servers = set(await session.scalars(select(Call.pbx_server).distinct().where(
            Call.id > last - RECENT_CALLS))) | {"local"}
        return Organisation(zones, {code: bid for bid, code, _, _ in branches}, sl, agents,
                            campaigns, servers)



@dataclass
class Facts:
    """The fact rows of a range being computed, keyed by their dimensions. Times are handled
    as epoch seconds here: a day of calls is hundreds of thousands of additions."""
    org: Organisation
    rows: dict[type, dict[tuple[Any, ...], dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(dict))

    def row(self, model: type, at: datetime | float, branch_id: int | None, **dims: Any
            ) -> dict[str, Any]:
        ts = at if isinstance(at, (int, float)) else at.timestamp()
        slot = int(ts // SECONDS) * SECONDS
        key = (slot, branch_id, *dims.values())
        table = self.rows[model]
        found = table.get(key)
        if found is None:
            start = datetime.fromtimestamp(slot, UTC)
            local = start.astimezone(self.org.zone(branch_id))
            found = table[key] = {
                "interval_start": start, "local_day": local.date(),
                "local_minute": local.hour * 60 + local.minute, "branch_id": branch_id, **dims}
        return found

    def add(self, model: type, at: datetime | float, branch_id: int | None,
            dims: dict[str, Any], **measures: float | Decimal) -> None:
        row = self.row(model, at, branch_id, **dims)
        for name, value in measures.items():
            row[name] = row.get(name, 0) + value

    def spread(self, model: type, start: datetime | float, end: datetime | float,
               branch_id: int | None, dims: dict[str, Any], *columns: str) -> None:
        """Seconds from `start` to `end`, each interval's share in its own row."""
        at = start if isinstance(start, (int, float)) else start.timestamp()
        stop = end if isinstance(end, (int, float)) else end.timestamp()
        while at < stop:
            upto = min(stop, (at // SECONDS + 1) * SECONDS)
            row = self.row(model, at, branch_id, **dims)
            for column in columns:
                row[column] = row.get(column, 0) + (upto - at)
            at = upto

