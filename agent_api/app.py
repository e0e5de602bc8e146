"""The composition root: the FastAPI app whose lifespan runs the engine in one task group."""
import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from agent_api.engine import Engine
from agent_api.routes import (
    agents, auth, calls, health, knowledge, live, opinions, orders, pages, queues,
    retailers, voicemails,
)
from agent_api.settings import Settings
from models import make_engine, make_sessionmaker


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = make_engine(settings.db.url, echo=settings.db.echo)
        sessions = make_sessionmaker(db)
        engine = Engine(settings, sessions)
        app.state.settings, app.state.sessions, app.state.engine = settings, sessions, engine
        try:
            async with asyncio.TaskGroup() as tg:
                running = tg.create_task(engine.run())
                await engine.started.wait()
                yield
                running.cancel()
        finally:
            await db.dispose()

    app = FastAPI(title="hotline", version="0.1.0", lifespan=lifespan)
    for module in (health, auth, calls, voicemails, agents, queues, retailers, orders,
                   opinions, knowledge, live, pages):
        app.include_router(module.router)
    app.mount("/static", pages.static, name="static")
    return app
