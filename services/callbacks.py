"""Queue callbacks asked for at the maximum wait and opinions' feedback calls, as the console's
inbox shows and closes them (the dialer calls them: dialer/callbacks.py):
a branch's users see the requests of its queues ("<BRANCH>-<type>") or of its retailers,
headquarters' users all of them; closing one records who (the signed-in user), when and how.
Writes leave the commit to the caller: one request, one transaction."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import CallbackRequest, Contact, ContactStatus, Retailer, utcnow
from models.acd import CallbackStatus
from services.errors import Conflict, NotFound, Violation
from services.principal import Principal

OUTCOMES = ("reached", "no_answer", "wrong_number", "other")


@dataclass(frozen=True, slots=True)
class Listed:
    request: CallbackRequest
    retailer: Retailer | None
    contact: Contact | None  # the dialer's, once it has scheduled the call


def _visible(viewer: Principal) -> ColumnElement[bool] | None:
    if viewer.sees_all_branches:
        return None
    of_branch_retailers = select(Retailer.id).where(Retailer.branch_id == viewer.branch_id)
    by_queue = (CallbackRequest.queue.startswith(f"{viewer.branch_code}-", autoescape=True)
                if viewer.branch_code else None)
    by_retailer = CallbackRequest.retailer_id.in_(of_branch_retailers)
    return by_retailer if by_queue is None else or_(by_queue, by_retailer)


async def requests(session: AsyncSession, viewer: Principal, *,
                   status: CallbackStatus | None = None, since: datetime | None = None,
                   until: datetime | None = None, limit: int = 100) -> list[Listed]:
    """Pending first; within each status the oldest request first, the newest last."""
    pending_first = case((CallbackRequest.status == CallbackStatus.PENDING, 0), else_=1)
    query = (_listed()
             .order_by(pending_first, CallbackRequest.requested_at, CallbackRequest.id)
             .limit(limit))
    if status is not None:
        query = query.where(CallbackRequest.status == status)
    if since is not None:
        query = query.where(CallbackRequest.requested_at >= since)
    if until is not None:
        query = query.where(CallbackRequest.requested_at < until)
    scope = _visible(viewer)
    if scope is not None:
        query = query.where(scope)
    return [Listed(r, retailer, contact)
            for r, retailer, contact in (await session.execute(query)).all()]


def _listed() -> Select[CallbackRequest, Retailer, Contact]:
    return (select(CallbackRequest, Retailer, Contact)
            .outerjoin(Retailer, Retailer.id == CallbackRequest.retailer_id)
            .outerjoin(Contact, Contact.id == CallbackRequest.contact_id))


async def request(session: AsyncSession, viewer: Principal, request_id: int) -> Listed:
    query = _listed().where(CallbackRequest.id == request_id)
    scope = _visible(viewer)
    if scope is not None:
        query = query.where(scope)
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound([Violation("unknown_callback", ("path", "callback_id"),
                                  f"callback request {request_id} not found",
                                  {"callback": request_id})])
    return Listed(row[0], row[1], row[2])


async def mark_handled(session: AsyncSession, viewer: Principal, request_id: int, *,
                       outcome: str, note: str | None) -> Listed:
    """Closes a pending request once; a closed one is refused naming the rule and who closed it."""
    found = await request(session, viewer, request_id)
    r = found.request
    if r.status != CallbackStatus.PENDING:
        by = f" by {r.handled_by}" if r.handled_by else ""
        raise Conflict([Violation(
            "callback_already_handled", ("path", "callback_id"),
            f"callback request {request_id} is already {r.status.value}{by}",
            {"callback": request_id, "status": r.status.value, "handled_by": r.handled_by})])
    r.status, r.handled_at, r.handled_by = CallbackStatus.DONE, utcnow(), viewer.username
    r.outcome, r.note = outcome, note
    if r.contact_id is not None:  # handled by hand: the dialer does not call it (again)
        await session.execute(update(Contact).where(Contact.id == r.contact_id,
                                                    Contact.status == ContactStatus.PENDING)
                              .values(status=ContactStatus.DONE))
    return found
