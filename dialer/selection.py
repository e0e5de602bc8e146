"""Which contacts a campaign calls next: due, not on the do-not-call list, not already being
called, inside their calling window in their own time zone and allowed by the contact policy
across campaigns. Each one taken is marked dialing with a new attempt row, in the transaction
that chose it (rows locked, skipped by a concurrent chooser)."""
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, overload

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialer.dials import Dial
from dialer.plan import Plan
from dialer.schedule import ContactPolicy, PastCall
from models import Contact, ContactAttempt, ContactStatus, DoNotCall, utcnow

CALLBACK_PATIENCE = timedelta(minutes=15)  # a callback waits this long for its own agent


@dataclass(frozen=True, slots=True)
class Held:
    """Why a contact is not called now (`rule`, the API's code), and until when if that is
    known."""

    rule: str
    message: str
    until: datetime | None = None


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
        """Up to `wanted` due contacts (or just `contact_id`, which an agent asks for: even one
        due later or waiting for its own agent) whose phone is not in flight, marked dialing
        with a new attempt each (with `peek`, only shown); those outside their window or held
        back by the contact policy get the time they may be called."""
        now = utcnow()
        query = (select(Contact).where(Contact.campaign_id == plan.id,
                                       Contact.status == ContactStatus.PENDING)
                 .order_by(Contact.next_attempt_at.is_not(None), Contact.next_attempt_at,
                           Contact.id)
                 .limit(wanted * 4).with_for_update(skip_locked=True))
        if contact_id is not None:  # an agent asks for it: now, whenever it was due
            query = query.where(Contact.id == contact_id)
        else:
            query = query.where(or_(Contact.next_attempt_at.is_(None),
                                    Contact.next_attempt_at <= now),
                                or_(Contact.callback_agent_id.is_(None),
                                    Contact.next_attempt_at < now - CALLBACK_PATIENCE))
        async with self.sessions() as s, s.begin():
            return await self._take(s, plan, list(await s.scalars(query)), wanted, in_flight,
                                    now, peek)

    async def callbacks(self, plan: Plan, free: set[int], in_flight: set[str]) -> list[Dial]:
        """Callbacks due now whose agent is among the `free` ones, each pinned to its agent.
        One whose agent stays away past CALLBACK_PATIENCE is due for any agent (`due`)."""
        now = utcnow()
        async with self.sessions() as s, s.begin():
            due = list(await s.scalars(
                select(Contact).where(Contact.campaign_id == plan.id,
                                      Contact.status == ContactStatus.PENDING,
                                      Contact.callback_agent_id.in_(free),
                                      Contact.next_attempt_at <= now,
                                      Contact.next_attempt_at >= now - CALLBACK_PATIENCE)
                .order_by(Contact.next_attempt_at).with_for_update(skip_locked=True)))
            taken = await self._take(s, plan, due, len(due), in_flight, now)
        for dial in taken:
            dial.pinned_agent_id = next(c.callback_agent_id for c in due
                                        if c.id == dial.contact_id)
        return taken

    async def why_not(self, plan: Plan, contact_id: int, in_flight: set[str]) -> Held:
        """Why `due` would not give this contact now."""
        now = utcnow()
        async with self.sessions() as s:
            contact = await s.get(Contact, contact_id)
            if contact is None or contact.campaign_id != plan.id:
                return Held("unknown_contact", f"contact {contact_id} is not in {plan.name!r}")
            if contact.status == ContactStatus.DO_NOT_CALL:
                return Held("do_not_call", f"{contact.phone} is on the do-not-call list")
            if contact.status != ContactStatus.PENDING:
                return Held("contact_not_due", f"contact {contact_id} is {contact.status}")
            blocked = set(await s.scalars(select(DoNotCall.phone).where(
                DoNotCall.phone == contact.phone)))
            held = self._held(plan, contact, blocked, in_flight,
                              await self._history(s, [contact], now), now)
        return held or Held("contact_not_due", f"contact {contact_id} is being called")

    async def _take(self, s: AsyncSession, plan: Plan, due: list[Contact], wanted: int,
                    in_flight: set[str], now: datetime, peek: bool = False) -> list[Any]:
        """Those of `due` that may be called now, up to `wanted`; the others marked with when
        they may be (or as not to be called)."""
        busy_phones = set(in_flight)
        taken: list[Any] = []
        blocked = set(await s.scalars(select(DoNotCall.phone).where(
            DoNotCall.phone.in_([c.phone for c in due]))))
        history = await self._history(s, due, now)
        for contact in due:
            if len(taken) == wanted:
                break
            held = self._held(plan, contact, blocked, busy_phones, history, now)
            if held is None:
                busy_phones.add(contact.phone)
                taken.append(contact if peek else await self._attempt(s, plan, contact, now))
            elif held.rule == "do_not_call" and not peek:
                contact.status = ContactStatus.DO_NOT_CALL
            elif held.until is not None:
                contact.next_attempt_at = held.until
        return taken

    def _held(self, plan: Plan, contact: Contact, blocked: set[str], in_flight: set[str],
              history: list[tuple[int | None, str, PastCall]], now: datetime) -> Held | None:
        """What keeps this contact from being called now; None: nothing."""
        if contact.phone in blocked:
            return Held("do_not_call", f"{contact.phone} is on the do-not-call list")
        if contact.phone in in_flight:
            return Held("number_in_call", f"{contact.phone} is being called")
        mine = [call for retailer, phone, call in history
                if phone == contact.phone or (retailer is not None
                                              and retailer == contact.retailer_id)]
        allowed = self.policy.allowed_from(mine, now, contact.time_zone)
        if allowed > now:
            return Held("contact_policy", "the contact policy holds this customer back until "
                        f"{allowed.isoformat(timespec='minutes')}", allowed)
        opens = plan.calendar.next_open(now, contact.time_zone)
        if opens is None:
            return Held("campaign_over", f"campaign {plan.name!r} has ended")
        if opens > now:
            return Held("calling_window", "outside the calling window until "
                        f"{opens.isoformat(timespec='minutes')}", opens)
        return None

    async def kept(self, s: AsyncSession, plan: Plan, contact: Contact,
                   channel_id: str) -> Dial | None:
        """A caller who kept its place, called back now that its turn came (it asked minutes
        ago: no window or policy holds it back), unless its number is on the do-not-call list
        (None)."""
        if await s.scalar(select(DoNotCall.id).where(DoNotCall.phone == contact.phone)):
            contact.status = ContactStatus.DO_NOT_CALL
            return None
        return await self._attempt(s, plan, contact, utcnow(), channel_id)

    async def _attempt(self, s: AsyncSession, plan: Plan, contact: Contact,
                       now: datetime, channel_id: str | None = None) -> Dial:
        """The contact marked dialing, with a new attempt row."""
        contact.status = ContactStatus.DIALING
        contact.attempts += 1
        channel_id = channel_id or f"dial-{uuid.uuid4().hex}"
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
