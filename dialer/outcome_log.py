"""The dialer's records, written behind its calls: each attempt's times and outcome, and what
becomes of its contact; in the order they came, a batch in one transaction."""
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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

    async def recover(self) -> None:
        """Calls in flight when the engine stopped: their outcome is unknown, and their
        contacts are due again."""
        async with self.sessions() as s, s.begin():
            await s.execute(update(ContactAttempt).where(ContactAttempt.ended_at.is_(None))
                            .values(outcome=AttemptOutcome.FAILED, ended_at=utcnow(),
                                    pbx_reason="the engine restarted"))
            await s.execute(update(Contact).where(Contact.status == ContactStatus.DIALING)
                            .values(status=ContactStatus.PENDING))

    async def _write(self, batch: list[Write]) -> None:
        """The outcomes, in the order they came, in one transaction."""
        async with self.sessions() as s, s.begin():
            for write in batch:
                await write(s)
