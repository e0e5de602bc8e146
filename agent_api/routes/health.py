from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_api.deps import get_engine, get_sessions
from runtime.engine import Engine

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str  # ok, or degraded when the PBX link or the database is down
    pbx: dict[str, Any]
    agi: dict[str, Any]
    database: str
    resynced_generation: int
    live_calls: int


@router.get("/health", response_model=Health, responses={503: {
    "model": Health, "description": "degraded: the PBX or the database is not reachable"}})
async def health(
    response: Response,
    engine: Annotated[Engine, Depends(get_engine)],
    sessions: Annotated[async_sessionmaker[AsyncSession], Depends(get_sessions)],
) -> Health:
    try:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # the report must come back whatever broke
        database = f"error: {type(exc).__name__}"
    status = engine.status()
    healthy = status["ami"]["connected"] and database == "ok"
    if not healthy:
        response.status_code = 503
    return Health(status="ok" if healthy else "degraded", pbx=status["ami"], agi=status["agi"],
                  database=database, resynced_generation=status["resynced_generation"],
                  live_calls=status["live_calls"])
