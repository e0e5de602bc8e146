"""Retailer records: looked up by card, phone or name, created and edited with a version check,
suspended and reactivated, imported from a CSV or XLSX file; every version kept and listed
(models.history writes it whatever the code path) and every change in the audit log.

Status: `POST /retailers/{id}/suspend` and `/reactivate` say it in one word; the status may also
still be set in a PATCH (with the version), as the agents' console does."""
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select

from agent_api.auth import CurrentUser, current_user, require
from agent_api.deps import Session
from agent_api.fields import Id, Offset
from models import RetailerHistory, RetailerStatus, Role
from services import retailer_import
from services import retailers as service
from services.principal import Principal
from services.retailers import (
    Address,
    BranchCode,
    BusinessFormat,
    Card,
    Name,
    Phones,
    Pin,
    RetailerClass,
    RetailerOut,
    ShopArea,
    TradeArea,
    retailer_out,
)

router = APIRouter(prefix="/retailers", tags=["retailers"], dependencies=[Depends(current_user)])

Administrator = Annotated[Principal, Depends(require(Role.ADMIN, Role.BRANCH_ADMIN))]
NOT_FIELDS = {"version", "updated_at", "pin_changed"}  # bookkeeping of every version
OrderDay = Annotated[str, Field(max_length=16, description="mon .. sun")]
TOTAL_COUNT = "X-Total-Count"  # a list's header: how many match, beyond the page


class RetailerIn(BaseModel):
    card_number: Card
    name: Name
    branch: BranchCode | None = Field(None, description="a branch's code; default: a branch "
                                      "administrator's own, none for headquarters")
    retailer_class: RetailerClass
    phones: Phones = Field(default_factory=list)
    pin: Pin | None = None
    address: Address | None = None
    business_format: BusinessFormat | None = None
    shop_area: ShopArea | None = None
    trade_area: TradeArea | None = None
    order_day: OrderDay | None = None


class RetailerPatch(BaseModel):
    """An agent or supervisor changes name, class, status and phones; an administrator also the
    branch (within those it administers), the PIN, the profile and the order day (null clears
    these)."""
    version: int = Field(description="the version you read: a stale one is refused (409)")
    name: Name | None = None
    retailer_class: RetailerClass | None = None
    status: RetailerStatus | None = None
    phones: Phones | None = None
    branch: BranchCode | None = None
    pin: Pin | None = None
    address: Address | None = None
    business_format: BusinessFormat | None = None
    shop_area: ShopArea | None = None
    trade_area: TradeArea | None = None
    order_day: OrderDay | None = Field(None, description=(
        "mon .. sun: its ordering cycle starts on its own order day; null: on its branch's"))


class VersionOut(BaseModel):
    version: int
    changed_at: datetime
    changed_by: str | None
    changed: list[str]  # the fields that differ from the version before
    snapshot: dict[str, Any]


class RejectedRowOut(BaseModel):
    row: int  # the line in the file, the header being line 1
    field: str
    rule: str = Field(description=(
        "the rule broken: card_repeats, unknown_branch, branch_scope, new_card_needs, or the "
        "field's own check as the API's 422s name it (missing, string_pattern_mismatch, ...)"))
    reason: str  # the English sentence
    ctx: dict[str, Any] = Field(description="the values the rule's words need, e.g. {row: 3}")


class ImportOut(BaseModel):
    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: list[RejectedRowOut]
    ignored_columns: list[str]  # headers that name no field of a retailer


def _fields(body: RetailerIn | RetailerPatch) -> service.RetailerFields:
    data = body.model_dump(exclude={"version"})
    return service.RetailerFields(**data, given=frozenset(body.model_fields_set - {"version"}))


@router.get("", response_model=list[RetailerOut])
async def find(session: Session, user: CurrentUser, response: Response,
               q: Annotated[str | None, Query(min_length=2, max_length=100, description=(
                   "card number or phone (prefix), or name; none: every retailer"))] = None,
               branch: Annotated[str | None, Query(max_length=16,
                                                   description="a branch's code")] = None,
               status: RetailerStatus | None = None,
               retailer_class: Annotated[str | None, Query(
                   pattern=f"^[{''.join(service.CLASSES)}]$")] = None,
               limit: Annotated[int, Query(ge=1, le=100)] = 20,
               offset: Offset = 0) -> list[RetailerOut]:
    """A page of retailers in card order, found by `q` and narrowed by the filters given; the
    `X-Total-Count` header says how many match in all. An agent sees the retailers of the
    agent's own branch; headquarters sees all."""
    rows, total = await service.listed(session, user, service.RetailerQuery(
        q, branch, status, retailer_class, limit, offset))
    response.headers[TOTAL_COUNT] = str(total)
    return [retailer_out(r) for r in rows]


@router.get("/{retailer_id}", response_model=RetailerOut)
async def get_one(retailer_id: Id, session: Session, user: CurrentUser) -> RetailerOut:
    return retailer_out(await service.get(session, user, retailer_id))


@router.post("", response_model=RetailerOut, status_code=201)
async def create(body: RetailerIn, session: Session, admin: Administrator) -> RetailerOut:
    """A new retailer; its card number must be no other's (409)."""
    r = await service.create(session, admin, _fields(body))
    return retailer_out(await service.get(session, admin, r.id))


@router.post("/import", response_model=ImportOut)
async def import_file(file: UploadFile, session: Session, admin: Administrator,
                      request: Request) -> ImportOut:
    """A CSV or XLSX file, one retailer a row: a card already known updates that retailer (its
    empty cells leave fields as they are), a new card creates one. The good rows are written
    together; every rejected row is listed with its line and field. A file beyond a limit
    (`HOTLINE_IMPORTS__RETAILERS__*`) or unreadable changes nothing: 413 `rule.file_too_large`
    or 422 naming the rule, with the limit in `ctx`."""
    report = await retailer_import.import_file(session, admin, file.filename or "", file.file,
                                               request.app.state.settings.imports.retailers)
    return ImportOut(rows=report.rows, created=report.created, updated=report.updated,
                     unchanged=report.unchanged, ignored_columns=report.ignored_columns,
                     rejected=[RejectedRowOut(row=r.row, field=r.field, rule=r.rule,
                                              reason=r.reason, ctx=r.ctx)
                               for r in report.rejected])


@router.patch("/{retailer_id}", response_model=RetailerOut)
async def update(retailer_id: Id, body: RetailerPatch, session: Session,
                 user: CurrentUser) -> RetailerOut:
    """Changes what is given; the version must be the current one, so nobody overwrites an
    edit they have not seen. Each change becomes a new version in the history."""
    await service.change(session, user, retailer_id, body.version, _fields(body))
    return retailer_out(await service.get(session, user, retailer_id))


@router.post("/{retailer_id}/suspend", response_model=RetailerOut)
async def suspend(retailer_id: Id, session: Session, user: CurrentUser) -> RetailerOut:
    """An active retailer suspended (409 if it is not active)."""
    await service.set_status(session, user, retailer_id, RetailerStatus.SUSPENDED)
    return retailer_out(await service.get(session, user, retailer_id))


@router.post("/{retailer_id}/reactivate", response_model=RetailerOut)
async def reactivate(retailer_id: Id, session: Session, user: CurrentUser) -> RetailerOut:
    """A suspended or closed retailer active again (409 if it is active)."""
    await service.set_status(session, user, retailer_id, RetailerStatus.ACTIVE)
    return retailer_out(await service.get(session, user, retailer_id))


@router.get("/{retailer_id}/history", response_model=list[VersionOut])
async def history(retailer_id: Id, session: Session, user: CurrentUser) -> list[VersionOut]:
    """Every version, newest first, with what changed from the one before."""
    await service.get(session, user, retailer_id)
    rows = list(await session.scalars(select(RetailerHistory)
                                      .where(RetailerHistory.retailer_id == retailer_id)
                                      .order_by(RetailerHistory.version)))
    out: list[VersionOut] = []
    before: dict[str, Any] = {}
    for h in rows:
        changed = {k for k in h.snapshot.keys() | before.keys()
                   if h.snapshot.get(k) != before.get(k) and k not in NOT_FIELDS}
        if h.snapshot.get("pin_changed"):
            changed.add("pin")  # the PIN itself is never in the history
        out.append(VersionOut(version=h.version, changed_at=h.changed_at,
                              changed_by=h.changed_by, changed=sorted(changed),
                              snapshot=h.snapshot))
        before = h.snapshot
    return out[::-1]
