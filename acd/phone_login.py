"""Login from the agent's phone: the agent dials the login code, keys the agent number and PIN,
and that very call stays on as the agent's session (no call back to the phone).

An agent logs in from their own phone only (the agent's PJSIP endpoint, as the PBX names the
calling channel): another agent's, a supervisor's or nobody's phone logs nobody in. Failures
make the next attempts wait (models/throttle.py), per agent number from one phone, per phone
and per number; an attempt that must wait is not checked, and ends the call."""
import asyncio
import logging
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import InvalidTransition
from acd.desk import Desk
from asterisk import dialplan as dp
from asterisk.agi import AgiSession
from models import Agent
from models.security import verify_pin_or_dummy
from models.throttle import LoginThrottle

log = logging.getLogger("hotline.acd.login")

ATTEMPTS = 3
ENTRY_TIMEOUT_MS = 8000
MAX_DIGITS = 12


class _Account(NamedTuple):
    id: int
    pin_hash: str | None
    sip_endpoint: str


class PhoneLogin:
    def __init__(self, desk: Desk, sessions: async_sessionmaker[AsyncSession],
                 prompts_dir: str, throttle: LoginThrottle) -> None:
        self.desk = desk
        self.sessions = sessions
        self.prompts_dir = prompts_dir  # as the PBX sees it
        self.throttle = throttle

    def _prompt(self, key: str) -> str:
        return f"{self.prompts_dir}/zh/{key}"

    async def handle(self, session: AgiSession) -> None:
        phone = session.request.endpoint or session.request.channel
        for _ in range(ATTEMPTS):
            number, _ = await session.get_data(self._prompt("agent-number"), ENTRY_TIMEOUT_MS,
                                               MAX_DIGITS)
            pin, _ = await session.get_data(self._prompt("agent-pin"), ENTRY_TIMEOUT_MS,
                                            MAX_DIGITS)
            if self.throttle.retry_after(number, phone) > 0:
                log.warning("phone login throttled", extra={"agent_number": number,
                                                             "phone": phone})
                await session.stream_file(self._prompt("agent-login-failed"))
                break
            agent_id = await self._verify(number, pin, phone)
            if agent_id is not None and self._start_session(agent_id, session):
                await session.set_variable(dp.VAR_SESSION_AGENT, str(agent_id))
                await session.stream_file(self._prompt("agent-logged-in"))
                return
            await session.stream_file(self._prompt("agent-login-failed"))
        await session.stream_file(self._prompt("goodbye"))

    async def _verify(self, number: str, pin: str, phone: str) -> int | None:
        """The agent's id when the PIN is right and the phone the agent's own; a failure is
        counted (a keypad left empty is not a guess)."""
        if not number or not pin:
            return None
        async with self.sessions() as s:
            row = (await s.execute(select(Agent.id, Agent.pin_hash, Agent.sip_endpoint)
                                   .where(Agent.number == number, Agent.active))).first()
        account = _Account(*row) if row is not None else None
        right = await asyncio.to_thread(  # scrypt: off the loop, for unknown numbers too
            verify_pin_or_dummy, pin, account.pin_hash if account else None)
        own = account is not None and account.sip_endpoint == phone
        if not (right and own):
            self.throttle.failed(number, phone)
            log.warning("phone login refused", extra={
                "agent_number": number, "phone": phone,
                "why": "not the agent's phone" if right else "wrong number or PIN"})
            return None
        self.throttle.succeeded(number, phone)
        return account.id if account else None

    def _start_session(self, agent_id: int, session: AgiSession) -> bool:
        info = self.desk.agents.get(agent_id)
        if info is None:
            return False
        try:
            self.desk.login_from_phone(info, session.request.uniqueid)
        except InvalidTransition as exc:  # already logged in elsewhere
            log.warning("phone login refused: %s", exc)
            return False
        return True
