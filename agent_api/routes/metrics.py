"""GET /metrics: the engine's metrics in the Prometheus text format (runtime/metrics.py).

Figures of the business (calls, agents, campaigns) are not for the world: with
HOTLINE_METRICS__TOKEN set a scraper sends it as a bearer token; unset, only this machine may
scrape (a loopback peer, its request not forwarded by a proxy). Anyone else gets a 403 naming
the rule (`rule.metrics_token` or `rule.metrics_loopback`)."""
import ipaddress
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from agent_api.deps import get_engine
from agent_api.errors import refusals
from runtime.engine import Engine
from services.errors import NotAllowed, Violation
from telemetry.metrics import CONTENT_TYPE

router = APIRouter(tags=["health"])
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE: {}}}, **refusals(403)})
async def metrics(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Response:
    may_scrape(request)
    return Response(engine.metrics.exposition(), media_type=CONTENT_TYPE)


def may_scrape(request: Request) -> None:
    token = request.app.state.settings.metrics.token
    if token is not None:
        expected = f"Bearer {token.get_secret_value()}".encode()
        if secrets.compare_digest(request.headers.get("authorization", "").encode(), expected):
            return
        raise NotAllowed([Violation("metrics_token", ("header", "authorization"),
                                    "a scrape of /metrics needs the metrics token as a bearer "
                                    "token")])
    if not _loopback(request) or any(h in request.headers for h in PROXY_HEADERS):
        raise NotAllowed([Violation("metrics_loopback", ("client",),
                                    "without a metrics token set, only this machine may scrape "
                                    "/metrics")])


def _loopback(request: Request) -> bool:
    if request.client is None:
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False
