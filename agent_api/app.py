"""The composition root: the FastAPI app whose lifespan runs the engine in one task group."""
import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from agent_api.engine import Engine
from agent_api.routes import (
    agents, auth, calls, campaigns, do_not_call, health, knowledge, live, monitoring, opinions,
    orders, outbound, pages, quality, queues, recordings, retailers, voicemails, wallboard,
)
from agent_api.settings import Settings
from models import database_busy, make_engine, make_sessionmaker


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = make_engine(settings.db.url, echo=settings.db.echo, pool_size=settings.db.pool_size)
        sessions = make_sessionmaker(db)
        engine = Engine(settings, sessions)
        app.state.settings, app.state.sessions, app.state.engine = settings, sessions, engine
        try:
            async with asyncio.TaskGroup() as tg:
                running = tg.create_task(engine.run())
                await engine.started.wait()
                # What is loaded by now lives as long as the process: kept out of the cyclic
                # collector, whose full passes over it stalled every request for ~100 ms.
                gc.collect()
                gc.freeze()
                yield
                running.cancel()
        finally:
            await db.dispose()

    app = FastAPI(title="hotline", version="0.1.0", lifespan=lifespan)
    app.add_exception_handler(OperationalError, busy_reply)
    for module in (health, auth, calls, voicemails, agents, queues, retailers, orders, opinions,
                   knowledge, quality, recordings, monitoring, live, wallboard, campaigns,
                   do_not_call, outbound, pages):
        app.include_router(module.router)
    app.mount("/static", pages.static, name="static")
    return app


async def busy_reply(request: Request, exc: OperationalError) -> JSONResponse:
    """SQLite refuses a second writer after its busy timeout: the request's transaction was
    rolled back, so nothing is half-written; the client may simply try again."""
    if not database_busy(exc):
        raise exc
    return JSONResponse({"detail": "the database is busy: nothing was saved, try again"},
                        status_code=503, headers={"Retry-After": "1"})
