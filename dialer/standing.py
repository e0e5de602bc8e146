"""Each branch's standing campaigns, made by the dialer when first needed and run until someone
stops them (operations edit them as any campaign):
- its callbacks: queue callbacks and opinion feedback calls (dialer/callbacks.py), dialed
  progressively to the branch's agents in the calling window, retried by their rules;
- its agents' own calls (click-to-dial): a preview campaign nobody paces, so that each call is
  checked against the do-not-call list and counted by the contact policy like any other."""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dialer.schedule import WEEKDAYS
from models import Branch, Campaign, CampaignPurpose, CampaignState, DialingMode, utcnow

STANDING = (CampaignPurpose.CALLBACK, CampaignPurpose.MANUAL)
CALLBACK_WINDOWS = {day: [["09:00", "20:00"]] for day in WEEKDAYS}
ALL_DAY = {day: [["00:00", "24:00"]] for day in WEEKDAYS}
CALLBACK_RETRIES = {"busy": {"delay_minutes": 10, "max_attempts": 4},
                    "no_answer": {"delay_minutes": 30, "max_attempts": 3},
                    "failed": {"delay_minutes": 15, "max_attempts": 3},
                    "machine": {"delay_minutes": 60, "max_attempts": 2}}
NAMES = {CampaignPurpose.CALLBACK: "回拨 {code}", CampaignPurpose.MANUAL: "外呼 {code}"}


async def standing_campaign(s: AsyncSession, branch: Branch, purpose: CampaignPurpose,
                            caller_id: str) -> Campaign:
    """The branch's campaign for this purpose, made running if it has none yet."""
    found = await s.scalar(select(Campaign).where(Campaign.purpose == purpose,
                                                  Campaign.branch_id == branch.id))
    if found is not None:
        return found
    callbacks = purpose == CampaignPurpose.CALLBACK
    campaign = Campaign(
        name=NAMES[purpose].format(code=branch.code), purpose=purpose, branch_id=branch.id,
        windows=CALLBACK_WINDOWS if callbacks else ALL_DAY,
        starts_on=(utcnow() - timedelta(days=1)).date(), ends_on=None,
        mode=DialingMode.PROGRESSIVE if callbacks else DialingMode.PREVIEW,
        caller_id=caller_id, retries=CALLBACK_RETRIES if callbacks else {},
        max_lines_per_agent=1.0, state=CampaignState.RUNNING)
    s.add(campaign)
    await s.flush()
    return campaign
