"""Health for the operator and the orchestrator, no login needed: `/health` reports every
part (503 when the PBX link or the database is down), `/health/live` only that the process
answers, `/health/ready` whether the engine can take calls now (runtime/health.py: 503 naming
each part that is not ready)."""
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_api.deps import get_engine, get_sessions
from runtime.engine import Engine
from runtime.health import database_state, unready_parts

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str  # ok, or degraded when the PBX link or the database is down
    pbx: dict[str, Any]
    agi: dict[str, Any]
    database: str
    resynced_generation: int
    live_calls: int


class Live(BaseModel):
    status: str  # always "ok": the process answers


class Ready(BaseModel):
    ready: bool
    failing: dict[str, str]  # part (database, ami, agi, shutting_down) -> why


@router.get("/health", response_model=Health, responses={503: {
    "model": Health, "description": "degraded: the PBX or the database is not reachable"}})
async def health(
    response: Response,
    engine: Annotated[Engine, Depends(get_engine)],
    sessions: Annotated[async_sessionmaker[AsyncSession], Depends(get_sessions)],
) -> Health:
    database = await database_state(sessions)
    status = engine.status()
    healthy = status["ami"]["connected"] and database == "ok"
    if not healthy:
        response.status_code = 503
    return Health(status="ok" if healthy else "degraded", pbx=status["ami"], agi=status["agi"],
                  database=database, resynced_generation=status["resynced_generation"],
                  live_calls=status["live_calls"])


@router.get("/health/live", response_model=Live)
async def live() -> Live:
    return Live(status="ok")


@router.get("/health/ready", response_model=Ready, responses={503: {"model": Ready}})
async def ready(response: Response, engine: Annotated[Engine, Depends(get_engine)]) -> Ready:
    failing = await unready_parts(engine)
    if failing:
        response.status_code = 503
    return Ready(ready=not failing, failing=failing)
