"""The FastAPI app: its routes, its error replies, and a lifespan that runs the engine."""
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from agent_api.errors import declare_refusals, domain_error_reply, unreadable_body_reply
from agent_api.request_guard import RequestGuard
from agent_api.request_ids import RequestIds
from agent_api.routes import (
    agent_accounts,
    agents,
    auth,
    branches,
    business_types,
    call_control,
    callbacks,
    calls,
    campaigns,
    consultations,
    departments,
    do_not_call,
    health,
    knowledge,
    live,
    metrics,
    monitoring,
    opening_hours,
    opinions,
    orders,
    outbound,
    pages,
    quality,
    queue_settings,
    queues,
    recordings,
    reports,
    retailers,
    users,
    voicemails,
    wallboard,
)
from agent_api.slow_clients import head_deadline
from models import database_busy
from runtime.engine import running_engine
from runtime.feed_leases import FeedLeases
from runtime.settings import HttpSettings, Settings
from services.errors import DomainError


def create_app(settings: Settings | None = None, *, telephony: bool = True) -> FastAPI:
    """The API with the engine behind it. Without telephony the engine starts no AMI link,
    FastAGI server, dialer or timers: the API on its database alone (the database tier)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running_engine(settings, telephony=telephony) as engine:
            app.state.settings, app.state.sessions, app.state.engine = (
                settings, engine.sessions, engine)
            yield

    # /docs and /redoc are the pages module's: their scripts are served locally, not from a CDN.
    app = FastAPI(title="hotline", version="0.1.0", lifespan=lifespan, docs_url=None,
                  redoc_url=None)
    app.state.settings = settings
    app.state.leases = FeedLeases()  # the live feeds' tokens, ended by logout and expiry
    app.state.login_throttle = settings.auth.login.throttle()
    app.add_exception_handler(OperationalError, busy_reply)
    app.add_exception_handler(DomainError, domain_error_reply)
    app.add_exception_handler(HTTPException, unreadable_body_reply)
    app.add_middleware(RequestIds)
    app.include_router(metrics.router)
    for module in (health, auth, calls, call_control, voicemails, agents, queues, retailers,
                   orders, opinions, knowledge, quality, recordings, monitoring, live, wallboard,
                   campaigns, do_not_call, outbound, users, agent_accounts, opening_hours,
                   branches, business_types, queue_settings, departments, consultations,
                   callbacks, reports, pages):
        app.include_router(module.router)
    declare_refusals(app)
    app.mount("/static", pages.static, name="static")
    largest_file = max(settings.imports.contacts.max_bytes, settings.imports.retailers.max_bytes)
    app.add_middleware(RequestGuard, max_json_bytes=settings.http.max_json_bytes,
                       max_body_bytes=settings.http.max_body_bytes or largest_file + (1 << 20))
    return app


def server_config(app: FastAPI, **options: Any) -> uvicorn.Config:
    """How uvicorn serves the app: on `http.host`/`http.port`, closing connections whose
    request head is slower than `http.header_timeout`, taking WebSocket messages of
    `http.ws_max_bytes` at most; `options` add to or override uvicorn's."""
    http: HttpSettings = app.state.settings.http
    return uvicorn.Config(app, **{
        "host": http.host, "port": http.port, "lifespan": "on", "log_config": None,
        "http": head_deadline(http.header_timeout), "ws_max_size": http.ws_max_bytes,
        **options})


async def busy_reply(request: Request, exc: Exception) -> JSONResponse:  # an OperationalError
    """SQLite refuses a second writer after its busy timeout: the request's transaction was
    rolled back, so nothing is half-written; the client may simply try again."""
    if not database_busy(exc):
        raise exc
    return JSONResponse({"detail": "the database is busy: nothing was saved, try again"},
                        status_code=503, headers={"Retry-After": "1"})
