"""The HTTP face of `services.paging`, one for every list that grows all day: the query
parameters `since`, `until` (zoned times), `limit` and `cursor`, and the reply's headers: a
`Link` to the next page (`rel="next"`, this request's own parameters with the next cursor; none
on the last page) and `X-Total-Count`, the rows in the range on all pages (left out beyond
`COUNT_CAP`). The body stays the page's list."""
import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, Response

from agent_api.fields import MAX_INTEGER, Moment
from services.errors import Refused, Violation
from services.paging import COUNT_CAP, MAX_PAGE_SIZE, PAGE_SIZE, Key, Page, Window, checked

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TOTAL_COUNT = "X-Total-Count"

PAGED: dict[int | str, dict[str, Any]] = {200: {"headers": {
    "Link": {"description": 'the next page: `<address>; rel="next"`, the same query with the '
                            "next `cursor`; absent on the last page",
             "schema": {"type": "string"}},
    TOTAL_COUNT: {"description": f"the rows in the range on all pages; absent beyond "
                                 f"{COUNT_CAP}",
                  "schema": {"type": "integer"}}}}}


def cursor_of(key: Key) -> str:
    micros = (key.at - EPOCH) // timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"{micros}.{key.id}".encode()).decode().rstrip("=")


def key_of(cursor: str) -> Key:
    """The key a `cursor_of` gave, or a 422 naming `cursor` (it is given back as it came)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        micros, _, id_ = raw.partition(".")
        key = Key(EPOCH + timedelta(microseconds=int(micros)), int(id_))
        if 1 <= key.id <= MAX_INTEGER and cursor_of(key) == cursor:
            return key
    except (ValueError, OverflowError, binascii.Error):  # UnicodeDecodeError is a ValueError
        pass
    raise Refused([Violation("cursor", ("query", "cursor"),
                             "not a cursor this list gave: start again from the first page")])


def window(
    since: Annotated[Moment | None, Query(description="at or after (with its time zone)")] = None,
    until: Annotated[Moment | None, Query(description="before (with its time zone)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description=(
        f"rows a page, newest first; {PAGE_SIZE} unless given, at most {MAX_PAGE_SIZE}"))
    ] = PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=64, description=(
        'where the page starts: given by the previous page\'s `Link: <...>; rel="next"`'))
    ] = None,
) -> Window:
    return checked(Window(since, until, key_of(cursor) if cursor is not None else None, limit))


PageWindow = Annotated[Window, Depends(window)]


def paged(request: Request, response: Response, page: Page) -> list[tuple[Any, ...]]:
    """The page's rows, its headers set on `response`."""
    if page.total is not None:
        response.headers[TOTAL_COUNT] = str(page.total)
    if page.next is not None:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
        params.append(("cursor", cursor_of(page.next)))
        response.headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    return page.rows
