"""The recordings folder over time: the retention purge."""
import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Recording, RecordingStatus, utcnow

log = logging.getLogger("hotline.recordings")


async def purge(sessions: async_sessionmaker[AsyncSession], folder: Path,
                older_than_days: int) -> list[Recording]:
    """Remove the files of finished recordings that started more than `older_than_days` ago;
    each row stays, marked purged. Returns the rows purged; logs each file removed."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    async with sessions() as s, s.begin():
        rows = list(await s.scalars(
            select(Recording).where(Recording.started_at < cutoff,
                                    Recording.status.in_([RecordingStatus.COMPLETE,
                                                          RecordingStatus.MISSING]))))
        for rec in rows:
            rec.status, rec.purged_at = RecordingStatus.PURGED, utcnow()
    for rec in rows:  # once the rows say so: a failed commit removes no file
        if rec.file:
            await asyncio.to_thread((folder / rec.file).unlink, missing_ok=True)
        log.info("recording purged", extra={"recording_id": rec.id, "linkedid": rec.linkedid,
                                            "file": rec.file, "started_at": rec.started_at,
                                            "size_bytes": rec.size_bytes})
    return rows
