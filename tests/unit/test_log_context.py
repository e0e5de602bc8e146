"""Every HTTP request has an id: in each log line written while it is handled and in its
reply (the FastAGI server's and the desk's ids are tested beside them)."""
import logging

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from agent_api.request_ids import RequestIds


async def test_a_request_has_an_id_in_its_log_lines_and_its_reply(json_lines):
    app = FastAPI()
    app.add_middleware(RequestIds)

    @app.get("/ping")
    async def ping() -> dict:
        logging.getLogger("hotline.test").info("handling")
        return {}

    async with AsyncClient(transport=ASGITransport(app), base_url="http://t") as client:
        given = await client.get("/ping", headers={"X-Request-Id": "lb-7f3a.1"})
        made = await client.get("/ping")
        refused = await client.get("/ping", headers={"X-Request-Id": 'x" injected'})
    seen = [line["request_id"] for line in json_lines() if line["msg"] == "handling"]
    assert given.headers["X-Request-Id"] == "lb-7f3a.1" == seen[0]
    assert made.headers["X-Request-Id"] == seen[1] and len(seen[1]) == 32
    assert refused.headers["X-Request-Id"] == seen[2] != 'x" injected'
