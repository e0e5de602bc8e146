"""A campaign's attempts as the database counts them: the abandon rates the dialer holds to the
campaign's target and operations watch, over 24 hours and all along (a restart forgets none),
and the evidence of the people answering-machine detection dropped."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from dialer.amd import AmdEstimate, AmdEvidence, estimate
from models import AttemptOutcome, Campaign, ContactAttempt, Disposition, utcnow


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


def person_answered(a: type[ContactAttempt] | Any = ContactAttempt) -> ColumnElement[bool]:
    """A live answer as the regulator counts the abandon rate's calls: answered as a person and
    not said by its agent to be a machine (one AMD passed, or a campaign without AMD)."""
    return (a.outcome == AttemptOutcome.ANSWERED) & (
        a.disposition.is_(None) | (a.disposition != Disposition.ANSWERING_MACHINE.value))


async def attempt_counts(session: AsyncSession, campaign_ids: list[int]
                         ) -> dict[int, AttemptCounts]:
    answered = person_answered()
    abandoned = ContactAttempt.abandoned.is_(True)
    recent = ContactAttempt.started_at >= utcnow() - timedelta(hours=24)
    rows = await session.execute(
        select(ContactAttempt.campaign_id, func.count(), func.count().filter(answered),
               func.count().filter(abandoned), func.count().filter(answered & recent),
               func.count().filter(abandoned & recent))
        .where(ContactAttempt.campaign_id.in_(campaign_ids))
        .group_by(ContactAttempt.campaign_id))
    return {campaign_id: AttemptCounts(*counts) for campaign_id, *counts in rows}


async def machines_taken(session: AsyncSession, campaign_ids: list[int], since: datetime
                         ) -> list[tuple[int, int, datetime, datetime]]:
    """(attempt, campaign, started, answered) of the calls started since `since` that an agent
    took as a person's and said were a machine (the disposition `answering_machine`): the
    pacer counted them as live answers, which the regulator does not."""
    a = ContactAttempt
    rows = await session.execute(
        select(a.id, a.campaign_id, a.started_at, a.answered_at)
        .where(a.campaign_id.in_(campaign_ids), a.started_at >= since,
               a.connected_at.is_not(None),
               a.disposition == Disposition.ANSWERING_MACHINE.value))
    return [(attempt, campaign, started, answered) for attempt, campaign, started, answered
            in rows if answered is not None]


async def amd_evidence(session: AsyncSession, campaign_ids: list[int]) -> dict[int, AmdEvidence]:
    """Per campaign, its calls as `dialer.amd.estimate` reads them."""
    a = ContactAttempt
    since = select(Campaign.id).where(  # the calls since AMD's parameters last changed
        Campaign.id == a.campaign_id,
        Campaign.amd_since.is_(None) | (a.started_at >= Campaign.amd_since)).exists()
    machine_said = a.disposition == Disposition.ANSWERING_MACHINE.value
    answered = a.outcome == AttemptOutcome.ANSWERED
    checked = a.amd_checked.is_(True) & a.disposition.is_not(None)
    rows = await session.execute(
        select(a.campaign_id, func.count().filter(answered),
               func.count().filter(answered & machine_said),
               func.count().filter(a.outcome == AttemptOutcome.MACHINE),
               func.count().filter(checked),
               func.count().filter(checked & ~machine_said))
        .where(a.campaign_id.in_(campaign_ids), since).group_by(a.campaign_id))
    counts = {row[0]: row[1:] for row in rows}
    # A dropped call whose number a person answered later, in any campaign (a redial, a
    # callback): an agent took that later call and said it was no machine.
    later = aliased(ContactAttempt)
    person_later = select(later.id).where(
        later.phone == a.phone, later.started_at > a.started_at, later.connected_at.is_not(None),
        later.disposition.is_not(None),
        later.disposition != Disposition.ANSWERING_MACHINE.value).exists()
    redialed = dict((await session.execute(
        select(a.campaign_id, func.count())
        .where(a.campaign_id.in_(campaign_ids), a.outcome == AttemptOutcome.MACHINE,
               since, person_later)
        .group_by(a.campaign_id))).all())
    return {cid: AmdEvidence(*counts[cid], redialed_people=redialed.get(cid, 0))
            for cid in counts}


async def amd_estimates(session: AsyncSession, campaigns: list[Campaign]
                        ) -> dict[int, AmdEstimate]:
    """Each campaign's estimated false-positive rate: its configured estimate, or what its
    calls measure (dialer/amd.py)."""
    evidence = await amd_evidence(session, [c.id for c in campaigns])
    return {c.id: estimate(c.amd_false_positive, evidence.get(c.id, AmdEvidence()))
            for c in campaigns}
