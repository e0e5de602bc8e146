"""The phone login (*90) on the real PBX: an agent logs in from their own phone only (another
agent's or a supervisor's phone logs nobody in, even with the right PIN), and failures make the
next attempts from that phone wait without locking the agent out of their own phone."""
import asyncio
import logging

import pytest
from sqlalchemy import select

from asterisk.sipp_phone import Keys, Pause
from models import User
from models.throttle import Limit
from runtime.settings import PhoneThrottleSettings
from services.demo import DEMO_PIN, SUPERVISOR_PHONE

pytestmark = pytest.mark.pbx

WAIT = Limit(free=1, first_wait=600.0, max_wait=600.0)  # one failure, then a long wait


class Phones:
    """Dials *90 from a phone with its account, keying an agent number and a PIN; reads what
    the engine made of it from its log."""

    def __init__(self, rig, sipp, caplog) -> None:
        self.r, self.sipp, self.caplog = rig, sipp, caplog

    async def secret(self, phone: str) -> str:
        if phone.startswith("agent-"):
            return await self.r.sip_secret(phone.removeprefix("agent-"))
        async with self.r.database() as s:
            return await s.scalar(select(User.sip_secret).where(User.sip_endpoint == phone))

    async def dial(self, phone: str, number: str, pin: str, hold_ms: int = 3000) -> None:
        await self.sipp.call("*90", script=[Pause(1500), Keys(f"{number}#"), Pause(2500),
                                            Keys(f"{pin}#")],
                             caller=phone, secret=await self.secret(phone), hold_ms=hold_ms,
                             timeout=hold_ms / 1000 + 20)

    def start(self, phone: str, number: str) -> "asyncio.Task[None]":
        """A login that stays on as the session until the agent logs out."""
        return asyncio.create_task(self.dial(phone, number, DEMO_PIN, hold_ms=30_000))

    async def refusal(self, count: int) -> dict:
        """The `count`th refusal the engine logged (refused or throttled), once it is."""
        async with asyncio.timeout(20):
            while len(found := self._refusals()) < count:
                await asyncio.sleep(0.05)
        record = found[count - 1]
        return {"message": record.getMessage(), "phone": record.phone,
                "agent": record.agent_number, "why": getattr(record, "why", None)}

    def _refusals(self) -> list[logging.LogRecord]:
        return [r for r in self.caplog.records if r.name == "hotline.acd.login"
                and r.getMessage() in ("phone login refused", "phone login throttled")]


@pytest.fixture
def phones(rig, sipp, caplog, settings):
    settings.auth.phone_login = PhoneThrottleSettings(
        per_pair=WAIT, per_source=Limit(free=3, first_wait=600.0, max_wait=600.0),
        per_name=Limit(free=10, first_wait=600.0, max_wait=600.0))
    caplog.set_level(logging.INFO, logger="hotline.acd.login")
    return lambda r: Phones(r, sipp, caplog)


async def test_an_agent_logs_in_from_their_own_phone_only(rig, phones):
    r = await rig()
    p = phones(r)
    for phone in ("agent-8002", SUPERVISOR_PHONE):  # the right PIN, from the wrong phone
        await p.dial(phone, "8001", DEMO_PIN)
    assert [await p.refusal(i) for i in (1, 2)] == [
        {"message": "phone login refused", "phone": phone, "agent": "8001",
         "why": "not the agent's phone"} for phone in ("agent-8002", SUPERVISOR_PHONE)]
    assert (await r.agent("8001"))["state"] == "logged_out"
    # those failures counted against the other phones, not against 8001's own
    session = p.start("agent-8001", "8001")
    await r.wait_state("8001", "available")
    await r.post("/agents/8001/logout")  # hangs up the phone's call
    await session


async def test_failures_make_the_phone_wait_and_leave_other_phones_alone(rig, phones):
    r = await rig()
    p = phones(r)
    await p.dial("agent-8001", "8001", "9999")
    assert (await p.refusal(1))["why"] == "wrong number or PIN"
    await p.dial("agent-8001", "8001", DEMO_PIN)  # the right PIN, but this phone must wait
    assert (await p.refusal(2)) == {"message": "phone login throttled", "phone": "agent-8001",
                                    "agent": "8001", "why": None}
    assert (await r.agent("8001"))["state"] == "logged_out"
    session = p.start("agent-8002", "8002")  # another agent at their own phone: unaffected
    await r.wait_state("8002", "available")
    await r.post("/agents/8002/logout")
    await session
