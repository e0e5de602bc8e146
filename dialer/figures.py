"""A campaign's attempts as the database counts them: the abandon rates the dialer holds to the
campaign's target and operations watch, over 24 hours and all along (a restart forgets none)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AttemptOutcome, ContactAttempt, utcnow


@dataclass(frozen=True)
class AttemptCounts:
    attempts: int = 0
    answered: int = 0  # live answers (machines not counted)
    abandoned: int = 0
    answered_24h: int = 0
    abandoned_24h: int = 0

    @property
    def abandon_rate(self) -> float | None:
        return self.abandoned / self.answered if self.answered else None

    @property
    def abandon_rate_24h(self) -> float | None:
        return self.abandoned_24h / self.answered_24h if self.answered_24h else None

    def reached(self, target: float) -> bool:
        return any(rate is not None and rate >= target
                   for rate in (self.abandon_rate, self.abandon_rate_24h))


async def attempt_counts(session: AsyncSession, campaign_ids: list[int]
                         ) -> dict[int, AttemptCounts]:
    answered = ContactAttempt.outcome == AttemptOutcome.ANSWERED
    abandoned = ContactAttempt.abandoned.is_(True)
    recent = ContactAttempt.started_at >= utcnow() - timedelta(hours=24)
    rows = await session.execute(
        select(ContactAttempt.campaign_id, func.count(), func.count().filter(answered),
               func.count().filter(abandoned), func.count().filter(answered & recent),
               func.count().filter(abandoned & recent))
        .where(ContactAttempt.campaign_id.in_(campaign_ids))
        .group_by(ContactAttempt.campaign_id))
    return {campaign_id: AttemptCounts(*counts) for campaign_id, *counts in rows}
