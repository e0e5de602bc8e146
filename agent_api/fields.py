"""The request types every route shares, so a bound is stated once: an id fits the database's
integer columns (a larger one is a 422 naming the field, never the database's overflow), an
offset or cursor too, a time carries its time zone and lies within the years 1 to 9999 in UTC."""
from datetime import UTC, datetime
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

# The largest INTEGER of PostgreSQL, the type of every id and count column (SQLite's are 64-bit;
# a larger value would be the database's overflow on PostgreSQL).
MAX_INTEGER = 2**31 - 1


def _within_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        try:
            moment.astimezone(UTC)
        except OverflowError:
            raise PydanticCustomError(
                "rule.time_range", "the time lies outside the years 1 to 9999 in UTC") from None
    return moment


Id = Annotated[int, Ge(1), Le(MAX_INTEGER)]
Offset = Annotated[int, Ge(0), Le(MAX_INTEGER)]
# a naive time would be read in whichever zone the server runs in: refused, naming the field
Moment = Annotated[AwareDatetime, AfterValidator(_within_utc)]
# a time whose missing zone its route refuses with its own rule
Time = Annotated[datetime, AfterValidator(_within_utc)]
