"""The request types every route shares, so a bound is stated once: an id fits the database's
64-bit integer (a larger one is a 422 naming the field, never the database's overflow), an
offset or cursor too, a time carries its time zone."""
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AwareDatetime

MAX_INTEGER = 2**63 - 1  # the largest BIGINT of PostgreSQL and INTEGER of SQLite

Id = Annotated[int, Ge(1), Le(MAX_INTEGER)]
Offset = Annotated[int, Ge(0), Le(MAX_INTEGER)]
# a naive time would be read in whichever zone the server runs in: refused, naming the field
Moment = AwareDatetime
