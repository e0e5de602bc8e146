"""Every report by its name: the HTTP face, the exports and the scheduled reports find them here."""
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.principal import Principal
from services.reports.query import Column, ReportQuery, ReportTable

Build = Callable[[AsyncSession, ReportQuery, Principal], Awaitable[ReportTable]]

REPORTS: dict[str, Build] = {}
FILTERS = ("branch", "queue", "agent", "campaign", "business_type")  # ReportQuery's fields


@dataclass(frozen=True, slots=True)
class About:
    """What a report takes and answers, known without building it: the filters it applies (a
    filter it does not apply is refused, never silently ignored) and its columns (None: learnt
    by building it)."""
    filters: frozenset[str]
    columns: tuple[Column, ...] | None = None


ABOUT: dict[str, About] = {}


def report(name: str, *, filters: Iterable[str] = FILTERS,
           columns: Iterable[Column] | None = None) -> Callable[[Build], Build]:
    """Registers a report's build function under `name` (its module is imported below)."""
    def register(build: Build) -> Build:
        REPORTS[name] = build
        ABOUT[name] = About(frozenset(filters), tuple(columns) if columns is not None else None)
        return build
    return register


def about(name: str) -> About:
    return ABOUT.get(name) or About(frozenset(FILTERS))


# The reports register themselves on import.
from services.reports import agents, business, ivr, outbound, queues  # noqa: E402, F401
