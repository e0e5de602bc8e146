"""Callbacks that happen: each pending callback request (a caller's at the maximum wait, an
opinion's feedback call) becomes a contact of its branch's callback campaign, due at the time
asked for, in the campaign's calling window, under the contact policy like any call; a feedback
call goes to the agent who took the opinion if that agent is free within CALLBACK_PATIENCE.
Once the contact is reached, out of attempts or on the do-not-call list, the request is closed
with that outcome (an agent may close it from the inbox before, which stops the dialing)."""
import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialer.standing import standing_campaign
from models import (
    Agent,
    AttemptOutcome,
    Branch,
    CallbackRequest,
    CallbackStatus,
    Campaign,
    CampaignPurpose,
    Contact,
    ContactAttempt,
    ContactStatus,
    Retailer,
    User,
    utcnow,
)
from models.phone import national_phone

log = logging.getLogger("hotline.dialer")

BATCH = 200  # requests taken in per round
# A caller who kept its place is called back at its turn by the ACD; if the turn never came (the
# engine restarted meanwhile), the callback campaign calls it this long after it asked.
KEPT_PLACE_LIMIT = timedelta(hours=1)
# How a request ends, by its contact's final status.
OUTCOMES = {ContactStatus.DONE: "reached", ContactStatus.EXHAUSTED: "no_answer",
            ContactStatus.DO_NOT_CALL: "other"}
NOTES = {ContactStatus.EXHAUSTED: "not reached within the campaign's retries",
         ContactStatus.DO_NOT_CALL: "the number is on the do-not-call list"}


class CallbackIntake:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], caller_id: str) -> None:
        self.sessions, self.caller_id = sessions, caller_id

    async def schedule(self) -> int:
        """Pending requests not yet given to the dialer become contacts; how many."""
        async with self.sessions() as s, s.begin():
            pending = list(await s.scalars(
                select(CallbackRequest)
                .where(CallbackRequest.status == CallbackStatus.PENDING,
                       CallbackRequest.contact_id.is_(None))
                .order_by(CallbackRequest.id).limit(BATCH)))
            for request in pending:
                phone = national_phone(request.caller_number)
                if phone is None:
                    _close(request, "wrong_number", "dialer", "no number to call back")
                    continue
                branch = await _branch_of(s, request)
                campaign = await standing_campaign(s, branch, CampaignPurpose.CALLBACK,
                                                   self.caller_id)
                request.contact_id = (await _contact(s, campaign, branch, request, phone)).id
        if pending:
            log.info("callbacks scheduled", extra={"count": len(pending)})
        return len(pending)

    async def close_finished(self) -> int:
        """Requests whose contact is reached, exhausted or blocked, closed; how many."""
        async with self.sessions() as s, s.begin():
            rows = (await s.execute(
                select(CallbackRequest, Contact)
                .join(Contact, Contact.id == CallbackRequest.contact_id)
                .where(CallbackRequest.status == CallbackStatus.PENDING,
                       Contact.status.in_(tuple(OUTCOMES))))).all()
            for request, contact in rows:
                outcome = OUTCOMES[contact.status]
                if (contact.status == ContactStatus.EXHAUSTED
                        and contact.last_outcome == AttemptOutcome.FAILED):
                    outcome = "wrong_number"
                _close(request, outcome, await _reached_by(s, contact),
                       NOTES.get(contact.status))
        return len(rows)


def _close(request: CallbackRequest, outcome: str, by: str, note: str | None) -> None:
    request.status, request.outcome, request.note = CallbackStatus.DONE, outcome, note
    request.handled_at, request.handled_by = utcnow(), by


async def _reached_by(s: AsyncSession, contact: Contact) -> str:
    """Who took the contact's last connected call (the agent's user name, else its number),
    else "dialer"."""
    if contact.status != ContactStatus.DONE:
        return "dialer"
    row = (await s.execute(
        select(User.username, Agent.number)
        .join(ContactAttempt, ContactAttempt.agent_id == Agent.id)
        .outerjoin(User, User.agent_id == Agent.id)
        .where(ContactAttempt.contact_id == contact.id, ContactAttempt.connected_at.is_not(None))
        .order_by(ContactAttempt.id.desc()).limit(1))).first()
    return (row[0] or row[1]) if row else "dialer"


async def _branch_of(s: AsyncSession, request: CallbackRequest) -> Branch:
    """The queue's branch ("BJ-order": BJ), else the retailer's, else headquarters."""
    code = request.queue.split("-", 1)[0] if "-" in request.queue else ""
    branch = await s.scalar(select(Branch).where(Branch.code == code)) if code else None
    if branch is None and request.retailer_id is not None:
        branch = await s.scalar(select(Branch).join(Retailer, Retailer.branch_id == Branch.id)
                                .where(Retailer.id == request.retailer_id))
    if branch is None:
        branch = await s.scalar(select(Branch).order_by(Branch.is_headquarters.desc(),
                                                        Branch.id).limit(1))
    assert branch is not None  # the organisation has a branch before it takes calls
    return branch


async def _contact(s: AsyncSession, campaign: Campaign, branch: Branch,
                   request: CallbackRequest, phone: str) -> Contact:
    """The number's contact in the callback campaign, due at the request's time: a new one, or
    the one of an earlier request, called afresh once that one was over."""
    retailer = await s.get(Retailer, request.retailer_id) if request.retailer_id else None
    fields = {"callback": request.id, "queue": request.queue,
              "requested_at": request.requested_at.isoformat(timespec="seconds")}
    due = request.requested_at + (KEPT_PLACE_LIMIT if request.keeps_place else timedelta())
    contact = await contact_of(s, campaign, phone)
    if contact is None:
        contact = Contact(campaign_id=campaign.id, phone=phone,
                          name=retailer.name if retailer else "",
                          retailer_id=request.retailer_id, time_zone=branch.timezone,
                          fields=fields, status=ContactStatus.PENDING, attempts=0,
                          next_attempt_at=due, callback_agent_id=request.agent_id)
        s.add(contact)
        await s.flush()
    elif contact.status in (ContactStatus.DONE, ContactStatus.EXHAUSTED) and not await s.scalar(
            select(ContactAttempt.id).where(ContactAttempt.contact_id == contact.id,
                                            ContactAttempt.started_at >= request.requested_at)
            .limit(1)):  # not called since it asked (a kept place's turn may have come first)
        contact.status, contact.attempts, contact.last_outcome = ContactStatus.PENDING, 0, None
        contact.next_attempt_at, contact.fields = due, fields
        contact.callback_agent_id = request.agent_id
    return contact


async def contact_of(s: AsyncSession, campaign: Campaign, phone: str) -> Contact | None:
    return await s.scalar(select(Contact).where(Contact.campaign_id == campaign.id,
                                                Contact.phone == phone))
