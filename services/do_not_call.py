"""The do-not-call list as operations keep it: a number added (its waiting contacts withdrawn from
every campaign at once) or removed, each change in the audit log in its own transaction."""
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dialer.contacts import block_number
from models import DoNotCall
from models.phone import national_phone
from services import audit
from services.errors import NotFound, Refused, Violation
from services.principal import Principal


def phone_of(text: str, loc: tuple[str, ...]) -> str:
    """The number as the list keeps it, or a refusal naming where it was given."""
    phone = national_phone(text)
    if phone is None:
        raise Refused([Violation("not_a_phone", (*loc, "phone"),
                                 f"{text!r} is not a phone number", {"value": text})])
    return phone


def view(row: DoNotCall) -> dict[str, Any]:
    return {"phone": row.phone, "reason": row.reason}


async def listed(session: AsyncSession, limit: int, after: str) -> list[DoNotCall]:
    """In the numbers' order, from after `after`."""
    return list(await session.scalars(select(DoNotCall).where(DoNotCall.phone > after)
                                      .order_by(DoNotCall.phone).limit(limit)))


async def add(session: AsyncSession, actor: Principal | None, phone_text: str,
              reason: str) -> tuple[DoNotCall, int]:
    """(the list's row, how many waiting contacts were withdrawn), committed. A number on the
    list already keeps its reason; its waiting contacts are withdrawn all the same."""
    row, withdrawn = await block(session, actor, phone_of(phone_text, ("body",)), reason)
    await session.commit()
    return row, withdrawn


async def block(session: AsyncSession, actor: Principal | None, phone: str,
                reason: str) -> tuple[DoNotCall, int]:
    """As `add`, for a number already normalised, inside the caller's transaction (e.g. an
    agent's call result that asks it): the caller commits."""
    known = await session.scalar(select(DoNotCall.id).where(DoNotCall.phone == phone))
    row, withdrawn = await block_number(session, phone, reason)
    if known is None:
        await session.flush()
        audit.record(session, actor, "create", "do_not_call", phone,
                     after=view(row) | {"contacts_withdrawn": withdrawn})
    return row, withdrawn


async def remove(session: AsyncSession, actor: Principal | None, phone_text: str) -> None:
    """Off the list; contacts withdrawn for it stay withdrawn."""
    phone = phone_of(phone_text, ("path",))
    row = await session.scalar(select(DoNotCall).where(DoNotCall.phone == phone))
    if row is None:
        raise NotFound(f"{phone_text} is not on the do-not-call list")
    audit.record(session, actor, "delete", "do_not_call", phone, before=view(row))
    await session.delete(row)
    await session.commit()
