"""Every report by its name: the HTTP face, the exports and the scheduled reports find them here."""
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from services.principal import Principal
from services.reports.query import ReportQuery, ReportTable

Build = Callable[[AsyncSession, ReportQuery, Principal], Awaitable[ReportTable]]

REPORTS: dict[str, Build] = {}


def report(name: str) -> Callable[[Build], Build]:
    """Registers a report's build function under `name` (its module is imported below)."""
    def register(build: Build) -> Build:
        REPORTS[name] = build
        return build
    return register


# The reports register themselves on import.
from services.reports import agents, ivr, outbound, queues  # noqa: E402, F401
