"""The audit log: a service that changes a setting writes its entry in the same transaction as
the change (all or nothing), and the log is read back filtered."""
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditEntry
from services.principal import Principal

COMMAND_LINE = "command line"  # who, for a change made with the `hotline` command


def record(session: AsyncSession, actor: Principal | None, action: str, entity: str,
           entity_id: object, *, branch_id: int | None = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """Adds the entry to the session: it is committed with the change, or not at all. Only the
    fields that changed are kept of an update."""
    if before is not None and after is not None:
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    session.add(AuditEntry(user_id=actor.user_id if actor else None,
                           username=actor.username if actor else COMMAND_LINE, action=action,
                           entity=entity, entity_id=str(entity_id), branch_id=branch_id,
                           before=before, after=after))


@dataclass(frozen=True, slots=True)
class AuditQuery:
    entity: str | None = None
    entity_id: str | None = None
    username: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200


async def entries(session: AsyncSession, viewer: Principal, query: AuditQuery
                  ) -> list[AuditEntry]:
    """The newest first. A branch's administrator reads its own branch's entries only."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(query.limit)
    for column, value in ((AuditEntry.entity, query.entity),
                          (AuditEntry.entity_id, query.entity_id),
                          (AuditEntry.username, query.username),
                          (AuditEntry.action, query.action)):
        if value is not None:
            stmt = stmt.where(column == value)
    if query.since is not None:
        stmt = stmt.where(AuditEntry.at >= query.since)
    if query.until is not None:
        stmt = stmt.where(AuditEntry.at < query.until)
    if not viewer.sees_all_branches:
        stmt = stmt.where(AuditEntry.branch_id == viewer.branch_id)
    return list(await session.scalars(stmt))
