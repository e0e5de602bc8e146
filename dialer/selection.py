"""Which contacts a campaign calls next: due, not on the do-not-call list, not already being
called, inside their calling window in their own time zone and allowed by the contact policy
across campaigns. Each one taken is marked dialing with a new attempt row, in the transaction
that chose it (rows locked, skipped by a concurrent chooser)."""
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal, overload

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialer.dials import Dial
from dialer.plan import Plan
from dialer.schedule import ContactPolicy, PastCall
from models import Contact, ContactAttempt, ContactStatus, DoNotCall, utcnow

CALLBACK_PATIENCE = timedelta(minutes=15)  # a callback waits this long for its own agent


class ContactSelection:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], policy: ContactPolicy,
                 trunk: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.sessions, self.policy, self.trunk, self.clock = sessions, policy, trunk, clock

    @overload
    async def due(self, plan: Plan, wanted: int, in_flight: set[str],
                  contact_id: int | None = None, peek: Literal[False] = False) -> list[Dial]: ...

    @overload
    async def due(self, plan: Plan, wanted: int, in_flight: set[str],
                  contact_id: int | None = None, *, peek: Literal[True]) -> list[Contact]: ...

    async def due(self, plan: Plan, wanted: int, in_flight: set[str],
                  contact_id: int | None = None, peek: bool = False
                  ) -> list[Dial] | list[Contact]:
        """Up to `wanted` due contacts (or just `contact_id`) whose phone is not in flight,
        marked dialing with a new attempt each (with `peek`, only shown); those outside their
        window or held back by the contact policy get the time they may be called."""
        now = utcnow()
        busy_phones = set(in_flight)
        taken: list[Any] = []
        query = (select(Contact).where(Contact.campaign_id == plan.id,
                                       Contact.status == ContactStatus.PENDING,
                                       or_(Contact.next_attempt_at.is_(None),
                                           Contact.next_attempt_at <= now),
                                       or_(Contact.callback_agent_id.is_(None),
                                           Contact.next_attempt_at < now - CALLBACK_PATIENCE))
                 .order_by(Contact.next_attempt_at.is_not(None), Contact.next_attempt_at,
                           Contact.id)
                 .limit(wanted * 4).with_for_update(skip_locked=True))
        if contact_id is not None:
            query = query.where(Contact.id == contact_id)
        async with self.sessions() as s, s.begin():
            due = list(await s.scalars(query))
            blocked = set(await s.scalars(select(DoNotCall.phone).where(
                DoNotCall.phone.in_([c.phone for c in due]))))
            history = await self._history(s, due, now)
            for contact in due:
                if len(taken) == wanted:
                    break
                if contact.phone in blocked:
                    contact.status = ContactStatus.DO_NOT_CALL
                    continue
                if contact.phone in busy_phones:
                    continue
                when = self._allowed_from(plan, contact, history, now)
                if when is None:
                    continue
                if when > now:
                    contact.next_attempt_at = when
                    continue
                busy_phones.add(contact.phone)
                taken.append(contact if peek else await self._attempt(s, plan, contact, now))
        return taken

    async def callbacks(self, plan: Plan, free: set[int], in_flight: set[str]) -> list[Dial]:
        """Callbacks due now whose agent is among the `free` ones, each pinned to its agent.
        One whose agent stays away past CALLBACK_PATIENCE is due for any agent (`due`)."""
        now = utcnow()
        taken: list[Dial] = []
        async with self.sessions() as s, s.begin():
            due = await s.scalars(
                select(Contact).where(Contact.campaign_id == plan.id,
                                      Contact.status == ContactStatus.PENDING,
                                      Contact.callback_agent_id.in_(free),
                                      Contact.next_attempt_at <= now,
                                      Contact.next_attempt_at >= now - CALLBACK_PATIENCE)
                .order_by(Contact.next_attempt_at).with_for_update(skip_locked=True))
            for contact in due:
                if contact.phone not in in_flight:
                    dial = await self._attempt(s, plan, contact, now)
                    dial.pinned_agent_id = contact.callback_agent_id
                    taken.append(dial)
        return taken

    async def _attempt(self, s: AsyncSession, plan: Plan, contact: Contact,
                       now: datetime) -> Dial:
        """The contact marked dialing, with a new attempt row."""
        contact.status = ContactStatus.DIALING
        contact.attempts += 1
        channel_id = f"dial-{uuid.uuid4().hex}"
        attempt = ContactAttempt(campaign_id=plan.id, contact_id=contact.id,
                                 retailer_id=contact.retailer_id, phone=contact.phone,
                                 channel_id=channel_id, started_at=now)
        s.add(attempt)
        await s.flush()
        return Dial(plan, attempt.id, contact.id, contact.attempts, contact.phone, channel_id,
                    f"PJSIP/{contact.phone}@{self.trunk}", self.clock())

    async def _history(self, s: AsyncSession, contacts: list[Contact],
                       now: datetime) -> list[tuple[int | None, str, PastCall]]:
        since = now - timedelta(hours=max(self.policy.quiet_hours_after_abandon, 48))
        retailers = [c.retailer_id for c in contacts if c.retailer_id is not None]
        rows = await s.execute(
            select(ContactAttempt.retailer_id, ContactAttempt.phone, ContactAttempt.started_at,
                   ContactAttempt.abandoned)
            .where(ContactAttempt.started_at >= since,
                   or_(ContactAttempt.phone.in_([c.phone for c in contacts]),
                       ContactAttempt.retailer_id.in_(retailers))))
        return [(r, p, PastCall(at, abandoned)) for r, p, at, abandoned in rows]

    def _allowed_from(self, plan: Plan, contact: Contact,
                      history: list[tuple[int | None, str, PastCall]],
                      now: datetime) -> datetime | None:
        """When this contact may be called: now, later, or None (the campaign has ended)."""
        mine = [call for retailer, phone, call in history
                if phone == contact.phone or (retailer is not None
                                              and retailer == contact.retailer_id)]
        earliest = self.policy.allowed_from(mine, now, contact.time_zone)
        return plan.calendar.next_open(earliest, contact.time_zone)
