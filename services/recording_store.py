"""Recordings as users see them (a branch's listeners those of its calls), and the recordings
folder over time: the retention purge."""
import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Row, Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Call, Recording, RecordingStatus, Role, utcnow
from models.agents import Agent
from services import audit
from services.errors import NotAllowed, NotFound
from services.principal import Principal

log = logging.getLogger("hotline.recordings")


LISTENERS = (Role.SUPERVISOR, Role.OPS, Role.ADMIN)  # and the agent who took the call


def with_call() -> Select:
    """Each recording with its call's id, retailer, caller and branch, and its agent's number."""
    return (select(Recording, Call.id, Call.retailer_id, Call.caller_number, Agent.number,
                   Call.branch_id)
            .outerjoin(Call, and_(Call.pbx_server == Recording.pbx_server,
                                  Call.linkedid == Recording.linkedid))
            .outerjoin(Agent, Agent.id == Recording.agent_id))


def listed(viewer: Principal) -> Select:
    """`with_call`, of what the viewer may list: an agent the calls it took; a listener of a
    branch the recordings of its branch's calls (a recording belongs to its call's branch)."""
    query = with_call()
    if viewer.role not in LISTENERS:
        if viewer.agent_id is None:
            raise NotAllowed("only supervisors, ops and agents may list recordings")
        return query.where(Recording.agent_id == viewer.agent_id)
    if not viewer.sees_all_branches:
        query = query.where(Call.branch_id == viewer.branch_id)
    return query


async def found(session: AsyncSession, recording_id: int) -> Row:
    """The recording `with_call`, whoever asks (a signed link was checked when it was made)."""
    row = (await session.execute(with_call().where(Recording.id == recording_id))).first()
    if row is None:
        raise NotFound(f"recording {recording_id} not found")
    return row


async def visible(session: AsyncSession, viewer: Principal, recording_id: int) -> Row:
    """The recording `with_call` for the agent who took the call, or a listener of its branch;
    another branch's is not found, as an unknown one."""
    row = await found(session, recording_id)
    if viewer.agent_id is not None and viewer.agent_id == row.Recording.agent_id:
        return row
    if viewer.role not in LISTENERS:
        raise NotAllowed("only supervisors, ops and the agent who took the call")
    if not viewer.may_see_branch(row.branch_id):
        raise NotFound(f"recording {recording_id} not found")
    return row


async def purge(sessions: async_sessionmaker[AsyncSession], folder: Path,
                older_than_days: int, actor: Principal | None = None) -> list[Recording]:
    """Remove the files of finished recordings that started more than `older_than_days` ago;
    each row stays, marked purged. Returns the rows purged; logs each file removed, and the
    purge in the audit log (by `actor`, or the command line) with the rows marked."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    async with sessions() as s, s.begin():
        rows = list(await s.scalars(
            select(Recording).where(Recording.started_at < cutoff,
                                    Recording.status.in_([RecordingStatus.COMPLETE,
                                                          RecordingStatus.MISSING]))))
        for rec in rows:
            rec.status, rec.purged_at = RecordingStatus.PURGED, utcnow()
        if rows:
            audit.record(s, actor, "purge", "recordings", f"older than {older_than_days} days",
                         after={"recordings": [r.id for r in rows]})
    for rec in rows:  # once the rows say so: a failed commit removes no file
        if rec.file:
            await asyncio.to_thread((folder / rec.file).unlink, missing_ok=True)
        log.info("recording purged", extra={"recording_id": rec.id, "linkedid": rec.linkedid,
                                            "file": rec.file, "started_at": rec.started_at,
                                            "size_bytes": rec.size_bytes})
    return rows
