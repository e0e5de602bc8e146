"""Login from the agent's phone: the agent dials the login code, keys the agent number and PIN,
and that very call stays on as the agent's session (no call back to the phone)."""
import asyncio
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import InvalidTransition
from acd.desk import Desk
from asterisk import dialplan as dp
from asterisk.agi import AgiSession
from models import Agent
from models.security import verify_pin

log = logging.getLogger("hotline.acd.login")

ATTEMPTS = 3
ENTRY_TIMEOUT_MS = 8000
MAX_DIGITS = 12


class PhoneLogin:
    def __init__(self, desk: Desk, sessions: async_sessionmaker[AsyncSession],
                 prompts_dir: str) -> None:
        self.desk = desk
        self.sessions = sessions
        self.prompts_dir = prompts_dir  # as the PBX sees it

    def _prompt(self, key: str) -> str:
        return f"{self.prompts_dir}/zh/{key}"

    async def handle(self, session: AgiSession) -> None:
        for _ in range(ATTEMPTS):
            number, _ = await session.get_data(self._prompt("agent-number"), ENTRY_TIMEOUT_MS,
                                               MAX_DIGITS)
            pin, _ = await session.get_data(self._prompt("agent-pin"), ENTRY_TIMEOUT_MS,
                                            MAX_DIGITS)
            agent_id = await self._verify(number, pin)
            if agent_id is not None and self._start_session(agent_id, session):
                await session.set_variable(dp.VAR_SESSION_AGENT, str(agent_id))
                await session.stream_file(self._prompt("agent-logged-in"))
                return
            log.warning("phone login refused", extra={"agent_number": number,
                                                      "caller": session.request.callerid})
            await session.stream_file(self._prompt("agent-login-failed"))
        await session.stream_file(self._prompt("goodbye"))

    async def _verify(self, number: str, pin: str) -> int | None:
        if not number or not pin:
            return None
        async with self.sessions() as s:
            row = (await s.execute(select(Agent.id, Agent.pin_hash)
                                   .where(Agent.number == number, Agent.active))).first()
        if row is None:
            return None
        ok = await asyncio.to_thread(verify_pin, pin, row.pin_hash)  # scrypt: off the loop
        return row.id if ok else None

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
