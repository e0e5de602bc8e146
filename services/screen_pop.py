"""The screen-pop: who is calling and why, read in one database session when a call is offered."""
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from acd.notices import CallOffered, OutboundOffered
from models import BusinessType, Campaign, Contact, IvrStep, Retailer
from models.ivr import steps_of
from services.ordering import recent_orders
from services.retailers import retailer_out
from services.work_orders import open_cases


async def build(session: AsyncSession, server: str, offer: CallOffered,
                unsaved: Iterable[Any] = ()) -> dict[str, Any]:
    """`unsaved`: rows not written yet; the IVR's steps of this call among them count too."""
    bt = await session.scalar(select(BusinessType).where(BusinessType.code == offer.business_type))
    steps = {row.seq: row for row in steps_of(unsaved, server, offer.call_id)}
    if 1 not in steps:  # some or all of the call's steps are written already
        steps |= {s.seq: s for s in await session.scalars(select(IvrStep).where(
            IvrStep.pbx_server == server, IvrStep.linkedid == offer.call_id))}
    pop: dict[str, Any] = {
        "call_id": offer.call_id,
        "caller_number": offer.caller_number,
        "queue": offer.queue,
        "branch": offer.branch,
        "business_type": {"code": offer.business_type,
                          "name_zh": bt.name_zh if bt else None,
                          "name_en": bt.name_en if bt else None},
        "language": offer.language,
        "waited_seconds": offer.waited_seconds,
        "ivr_path": [{"state": s.state, "keys": s.keys, "result": s.result}
                     for _, s in sorted(steps.items())],
        "retailer": None, "recent_orders": [], "open_cases": [],
    }
    return await _with_retailer(session, pop, offer.retailer_id)


async def build_outbound(session: AsyncSession, offer: OutboundOffered) -> dict[str, Any]:
    """A campaign's call: whom the agent is talking to, why (the campaign and its script), and
    the retailer's record when the contact is one."""
    campaign = await session.get(Campaign, offer.campaign_id)
    contact = await session.get(Contact, offer.contact_id)
    bt = campaign.business_type if campaign else None
    pop: dict[str, Any] = {
        "call_id": offer.call_id, "direction": "outbound", "caller_number": offer.phone,
        "queue": offer.campaign, "waited_seconds": 0, "ivr_path": [],
        "attempt_id": offer.attempt_id,
        "amd_check": offer.amd_check,
        "business_type": {"code": bt.code if bt else None,
                          "name_zh": bt.name_zh if bt else None,
                          "name_en": bt.name_en if bt else None},
        "campaign": {"id": offer.campaign_id, "name": offer.campaign,
                     "purpose": campaign.purpose if campaign else None,
                     "script": campaign.script if campaign else ""},
        "contact": {"id": offer.contact_id, "name": contact.name if contact else "",
                    "phone": offer.phone, "fields": contact.fields if contact else {},
                    "attempts": contact.attempts if contact else None},
        "retailer": None, "recent_orders": [], "open_cases": [],
    }
    return await _with_retailer(session, pop, contact.retailer_id if contact else None)


async def _with_retailer(session: AsyncSession, pop: dict[str, Any],
                         retailer_id: int | None) -> dict[str, Any]:
    if retailer_id is None:
        return pop
    r = await session.scalar(select(Retailer).where(Retailer.id == retailer_id)
                             .options(joinedload(Retailer.branch)))
    if r is None:
        return pop
    pop["retailer"] = retailer_out(r).model_dump(mode="json") | {
        "branch_name": r.branch.name if r.branch else None}
    pop["recent_orders"] = await recent_orders(session, r.id)
    pop["open_cases"] = await open_cases(session, r.id)
    return pop
