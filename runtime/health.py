"""What the health routes report: the database's answer, and which of the engine's parts keep
it from taking calls (readiness)."""
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

if TYPE_CHECKING:
    from runtime.engine import Engine


async def database_state(sessions: async_sessionmaker[AsyncSession]) -> str:
    """"ok", or "error: <what was raised>" (the report must come back whatever broke)."""
    try:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


async def unready_parts(engine: "Engine") -> dict[str, str]:
    """Each part not ready, and why: `database` unreachable, `ami` not logged in, `agi` not
    listening (the last two only when the engine runs telephony), `shutting_down`."""
    parts: dict[str, str] = {}
    database = await database_state(engine.sessions)
    if database != "ok":
        parts["database"] = database
    if engine.telephony and not engine.ami.connected:
        parts["ami"] = engine.ami.last_error or "not connected"
    if engine.telephony and not engine.agi.listening:
        parts["agi"] = "FastAGI not listening"
    if engine.stopping:
        parts["shutting_down"] = "the engine is stopping"
    return parts
