"""Which contacts the dialer takes, on SQLite and PostgreSQL: the contact policy across every
campaign (calls per retailer per local day, quiet time after an abandoned call), the
do-not-call list, and a contact outside its window; what it takes becomes an attempt."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from dialer.plan import Plan
from dialer.runner import Dialer
from dialer.schedule import WEEKDAYS
from dialer.settings import DialerSettings
from models import (
    Campaign,
    Contact,
    ContactAttempt,
    ContactStatus,
    DoNotCall,
    Retailer,
    utcnow,
)
from services.demo import seed

pytestmark = pytest.mark.db
SHANGHAI = ZoneInfo("Asia/Shanghai")
ALL_DAY = {day: [["00:00", "24:00"]] for day in WEEKDAYS}


def campaign(name: str, windows=ALL_DAY) -> Campaign:
    return Campaign(name=name, purpose="promotion", windows=windows, retries={},
                    starts_on=date(2026, 1, 1), caller_id="4008001234")


async def test_the_contact_policy_holds_across_campaigns(sessions):
    await seed(sessions)
    now = utcnow()
    local_midnight = datetime.combine(now.astimezone(SHANGHAI).date() + timedelta(days=1),
                                      time(0), SHANGHAI)
    async with sessions() as s, s.begin():
        retailer = await s.scalar(select(Retailer).where(Retailer.card_number == "110100001"))
        first, second = campaign("Survey"), campaign("Promotion")
        s.add_all([first, second])
        await s.flush()
        old = Contact(campaign_id=first.id, phone="13800010001", retailer_id=retailer.id,
                      time_zone="Asia/Shanghai", status=ContactStatus.DONE)
        s.add(old)
        await s.flush()
        # Two calls earlier in the local day, whatever the hour the test runs at (hours before
        # now would fall on the day before just after the local midnight).
        day_start = local_midnight - timedelta(days=1)
        for n, (started, abandoned, phone, who) in enumerate((
                (day_start + (now - day_start) / 4, False, "13800010001", retailer.id),
                (day_start + (now - day_start) / 2, False, "13800010001", retailer.id),
                (now - timedelta(hours=10), True, "13311110002", None))):
            s.add(ContactAttempt(campaign_id=first.id, contact_id=old.id, retailer_id=who,
                                 phone=phone, channel_id=f"old-{n}", abandoned=abandoned,
                                 started_at=started))
        s.add(DoNotCall(phone="13311110003"))
        contacts = {
            # the same retailer at another phone: two calls today already, by the other campaign
            "capped": Contact(phone="13911110001", retailer_id=retailer.id),
            "abandoned": Contact(phone="13311110002"),  # abandoned 10 hours ago
            "blocked": Contact(phone="13311110003"),  # put on the list after the import
            "clean": Contact(phone="13311110004"),
        }
        for c in contacts.values():
            c.campaign_id, c.time_zone = second.id, "Asia/Shanghai"
        s.add_all(contacts.values())
    async with sessions() as s:
        plan = Plan.of(await s.get(Campaign, second.id))
    dialer = Dialer(None, None, sessions, DialerSettings(), lambda number: "", "4000")

    taken = await dialer.contacts.due(plan, 10, set())

    assert [d.phone for d in taken] == ["13311110004"]
    async with sessions() as s:
        rows = {c.phone: c for c in await s.scalars(select(Contact).where(
            Contact.campaign_id == second.id))}
        attempt = await s.scalar(select(ContactAttempt).where(
            ContactAttempt.channel_id == taken[0].channel_id))
    assert rows["13911110001"].next_attempt_at == local_midnight
    assert rows["13311110002"].next_attempt_at == now - timedelta(hours=10) + timedelta(hours=72)
    assert rows["13311110003"].status == "do_not_call"
    assert (rows["13311110004"].status, rows["13311110004"].attempts) == ("dialing", 1)
    assert attempt.contact_id == rows["13311110004"].id and attempt.outcome is None
    assert await dialer.contacts.due(plan, 10, set()) == []  # nothing else is due now


async def test_nobody_is_taken_outside_their_window(sessions):
    await seed(sessions)
    now = utcnow()
    today = WEEKDAYS[now.astimezone(SHANGHAI).weekday()]
    async with sessions() as s, s.begin():
        c = campaign("Closed today", {d: v for d, v in ALL_DAY.items() if d != today})
        s.add(c)
        await s.flush()
        s.add(Contact(campaign_id=c.id, phone="13311110009", time_zone="Asia/Shanghai"))
    async with sessions() as s:
        plan = Plan.of(await s.get(Campaign, c.id))
    dialer = Dialer(None, None, sessions, DialerSettings(), lambda number: "", "4000")
    assert await dialer.contacts.due(plan, 5, set()) == []
    async with sessions() as s:
        contact = await s.scalar(select(Contact))
    tomorrow = datetime.combine(now.astimezone(SHANGHAI).date() + timedelta(days=1), time(0),
                                SHANGHAI)
    assert contact.status == "pending" and contact.next_attempt_at == tomorrow
    assert tomorrow.astimezone(UTC) > now
