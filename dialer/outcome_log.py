"""The dialer's records, written behind its calls: each attempt's times and outcome, and what
becomes of its contact; in the order they came, a batch in one transaction."""
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from asterisk.cdr import CdrRecord
from models import AttemptOutcome, Contact, ContactAttempt, ContactStatus, utcnow
from models.write_behind import WriteBehind

log = logging.getLogger("hotline.dialer")
Write = Callable[[AsyncSession], Awaitable[None]]


class OutcomeLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.writer: WriteBehind[Write] = WriteBehind(self._write, "outbound outcome",
                                                      logger=log)

    def attempt(self, attempt_id: int, **values: object) -> None:
        async def write(s: AsyncSession) -> None:
            await s.execute(update(ContactAttempt).where(ContactAttempt.id == attempt_id)
                            .values(**values))
        self.writer.submit(write)

    def contact(self, contact_id: int, status: ContactStatus, next_at: datetime | None,
                outcome: AttemptOutcome) -> None:
        async def write(s: AsyncSession) -> None:
            # Not over an agent's word given during the call (a callback, do-not-call).
            await s.execute(update(Contact).where(Contact.id == contact_id,
                                                  Contact.status == ContactStatus.DIALING)
                            .values(status=status, next_attempt_at=next_at))
            await s.execute(update(Contact).where(Contact.id == contact_id)
                            .values(last_outcome=outcome))
        self.writer.submit(write)

    def pending(self) -> int:
        return self.writer.pending()

    async def run(self) -> None:
        await self.writer.run()

    async def flush(self) -> None:
        """Until every outcome so far is stored."""
        await self.writer.flush()

    async def recover(self, records: Mapping[str, Sequence[CdrRecord]]) -> None:
        """Calls in flight when the engine stopped: one the PBX's records (by call id) show
        ended is closed as it ended, and a person who answered and heard no agent is counted
        abandoned, as the regulator counts it; any other's outcome is unknown. Their contacts
        are due again."""
        async with self.sessions() as s, s.begin():
            in_flight = (await s.execute(select(ContactAttempt.id, ContactAttempt.channel_id)
                                         .where(ContactAttempt.ended_at.is_(None)))).all()
            for attempt_id, channel_id in in_flight:
                parts = records.get(channel_id)
                values = ended_as(channel_id, parts) if parts else {
                    "outcome": AttemptOutcome.FAILED, "ended_at": utcnow(),
                    "pbx_reason": "the engine restarted"}
                await s.execute(update(ContactAttempt).where(ContactAttempt.id == attempt_id)
                                .values(**values))
            await s.execute(update(Contact).where(Contact.status == ContactStatus.DIALING)
                            .values(status=ContactStatus.PENDING))

    async def _write(self, batch: list[Write]) -> None:
        """The outcomes, in the order they came, in one transaction."""
        async with self.sessions() as s, s.begin():
            for write in batch:
                await write(s)


DISPOSITIONS = {"BUSY": AttemptOutcome.BUSY, "NO ANSWER": AttemptOutcome.NO_ANSWER,
                "CONGESTION": AttemptOutcome.CONGESTION}


def ended_as(channel_id: str, parts: Sequence[CdrRecord]) -> dict[str, Any]:
    """An attempt's outcome from the PBX's records of its call (the engine was away: nobody
    connected it to an agent, so a live answer was abandoned)."""
    first = next((r for r in parts if r.uniqueid == channel_id), parts[0])
    if first.disposition == "ANSWERED":
        machine = first.outbound == "machine"
        outcome = AttemptOutcome.MACHINE if machine else AttemptOutcome.ANSWERED
    else:
        outcome = DISPOSITIONS.get(first.disposition, AttemptOutcome.FAILED)
    return {"outcome": outcome, "abandoned": first.outbound in ("live", "abandoned"),
            "answered_at": _at(first.answer), "ended_at": _at(max(r.end for r in parts)),
            "pbx_reason": "ended while the engine was away"}


def _at(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts else None
