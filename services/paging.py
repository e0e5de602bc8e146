"""Pages of the lists that grow all day (calls, orders, opinions, recordings, voicemails): newest
first by the row's own time and then its id, within a date range, a page of `limit` rows at a
time. The next page starts after the last row's (time, id) key, not at an offset, so rows written
while a reader pages (they are newer than the first page) neither push rows onto the next page
twice nor hide any; the total is counted up to `COUNT_CAP` rows, so a page of a year's calls
costs what a page of a day's does."""
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from services.errors import Refused, Violation

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
COUNT_CAP = 10_000  # beyond it the total is not counted (None): a reader narrows the range


@dataclass(frozen=True, slots=True)
class Key:
    """Where a page ended: the next one holds the rows strictly older in (time, id) order."""
    at: datetime
    id: int


@dataclass(frozen=True, slots=True)
class Window:
    since: datetime | None = None  # at or after
    until: datetime | None = None  # before
    after: Key | None = None  # the key the previous page ended at
    limit: int = PAGE_SIZE


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[tuple[Any, ...]]  # the query's columns, as it selects them
    next: Key | None  # None: this is the last page
    total: int | None  # the rows in the range in all; None: more than COUNT_CAP


def checked(window: Window) -> Window:
    if window.since is not None and window.until is not None and window.since >= window.until:
        raise Refused([Violation("range_order", ("query", "until"),
                                 "until must come after since")])
    return window


async def page(session: AsyncSession, query: Select, at: InstrumentedAttribute[datetime],
               id_: InstrumentedAttribute[int], window: Window) -> Page:
    """`query` filtered and scoped as the list is, in `window`, newest first by (`at`, `id_`)."""
    checked(window)
    if window.since is not None:
        query = query.where(at >= window.since)
    if window.until is not None:
        query = query.where(at < window.until)
    counted = await session.scalar(select(func.count()).select_from(
        query.with_only_columns(id_).order_by(None).limit(COUNT_CAP + 1).subquery()))
    if window.after is not None:
        # `at <= t` is the index's range; the OR only separates the rows that share t
        query = query.where(at <= window.after.at,
                            or_(at < window.after.at, id_ < window.after.id))
    keyed = query.add_columns(at.label("page_at"), id_.label("page_id"))
    rows = (await session.execute(
        keyed.order_by(at.desc(), id_.desc()).limit(window.limit + 1))).all()
    more = len(rows) > window.limit
    rows = rows[:window.limit]
    last = rows[-1] if rows else None
    return Page(rows=[tuple(r)[:-2] for r in rows],
                next=Key(last.page_at, last.page_id) if more and last is not None else None,
                total=counted if counted is not None and counted <= COUNT_CAP else None)
