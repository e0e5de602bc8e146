"""Schemathesis over every operation of the API, on the demo data, as the administrator: no
reply is a server error, and every reply is one the OpenAPI schema declares (its status code,
content type and body). Deterministic (derandomized, a fixed number of examples per operation
and mode) so a run takes about a minute and a failure is the same on the next run.

The app runs without telephony (the database tier), so an action on the PBX is refused with
the 503 `rule.pbx_not_connected` its route declares: that is the API saying the PBX is away,
not a server error. Any other 5xx, or an exception out of the app, is one."""
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.python.asgi import get_client, shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agent_api.app import create_app
from models import make_engine, make_sessionmaker
from runtime.settings import Settings
from services.demo import DEMO_PASSWORD, seed
from tests.db.conftest import _run

pytestmark = pytest.mark.db

EXAMPLES = 10  # per operation and generation mode: about 2,300 requests, 40 s on two cores
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
LAST = "POST /auth/logout"  # it ends the administrator's token: after every other operation


async def _seed(url: str) -> None:
    engine = make_engine(url)
    try:
        await seed(make_sessionmaker(engine))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_no_operation_answers_a_server_error_or_off_its_schema(migrated_url: str, tmp_path: Path):
    _run(_seed(migrated_url))
    app = create_app(Settings(data_dir=tmp_path, db={"url": migrated_url},
                              pbx={"run_dir": tmp_path / "pbx"}), telephony=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    run = Run()
    try:
        run.token = get_client(app).post("http://testserver/auth/token", data={
            "username": "admin", "password": DEMO_PASSWORD}).json()["access_token"]
        operations = sorted((result.ok() for result in schema.get_all_operations()),
                            key=lambda operation: operation.label == LAST)
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                run.fuzz(operation, mode)
            # no operation on the way may have ended the administrator's token
            assert operation.label == LAST or get_client(app).get(
                "http://testserver/auth/me", headers=run.headers).status_code == 200, operation
    finally:
        shutdown_lifespans()
    print(f"\nschemathesis: {len(operations)} operations, {run.requests} requests, "
          f"{len(run.server_errors)} server errors, replies {sorted(run.statuses.items())}")
    assert not run.server_errors, "\n".join(run.server_errors[:20])
    assert not run.off_schema, "\n\n".join(run.off_schema[:20]) + (
        f"\n\n{len(run.off_schema)} replies off the schema")
    assert len(operations) > 130 and run.requests > 2000  # the whole API, not a corner of it


class Run:
    def __init__(self) -> None:
        self.token = ""
        self.requests = 0
        self.statuses: Counter[int] = Counter()
        self.server_errors: list[str] = []
        self.off_schema: list[str] = []

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def fuzz(self, operation, mode: GenerationMode) -> None:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def one(case) -> None:
            self.requests += 1
            try:
                response = case.call(headers=self.headers)
            except Exception as exc:  # the ASGI client raises what escaped the app
                self.server_errors.append(f"{operation.label}: {exc!r}\n{case.as_curl_command()}")
                return
            self.statuses[response.status_code] += 1
            if response.status_code >= 500 and not _pbx_away(response):
                self.server_errors.append(f"{operation.label}: {response.status_code} "
                                          f"{response.text[:300]}")
            try:
                case.validate_response(response, checks=CHECKS, headers=self.headers)
            except FailureGroup as failures:
                self.off_schema.append(f"{operation.label} [{mode.value}]: {failures}")

        try:
            one()
        except Unsatisfiable:  # nothing to negate: no parameter, no body
            assert mode is GenerationMode.NEGATIVE


def _pbx_away(response) -> bool:
    """A 503 saying the PBX is not connected: a refusal's rule, or /health's "degraded"."""
    if response.status_code != 503:
        return False
    said = response.json()
    detail = said.get("detail")
    if isinstance(detail, list):
        return [d["type"] for d in detail] == ["rule.pbx_not_connected"]
    return said.get("status") == "degraded" and said["pbx"]["connected"] is False
