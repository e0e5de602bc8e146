"""Contact lists: read a CSV or XLSX file, check every row, add the good ones to a campaign and
report every rejected row with its reason (nothing is dropped silently)."""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from typing import IO, Any, cast
from zoneinfo import available_timezones

from sqlalchemy import CursorResult, exists, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload

from dialer.sheets import Limits, SheetError, lines
from models import (
    Branch,
    Contact,
    ContactStatus,
    DoNotCall,
    Order,
    Retailer,
    RetailerStatus,
    utcnow,
)
from models.phone import national_phone

DEFAULT_ZONE = "Asia/Shanghai"
BATCH = 500
NAME_CHARS = 200  # Contact.name
log = logging.getLogger("hotline.dialer")
# Header names as ops write them, English or Chinese -> the column they mean.
HEADERS = {
    "phone": "phone", "number": "phone", "mobile": "phone", "电话": "phone", "手机": "phone",
    "name": "name", "姓名": "name", "名称": "name", "客户": "name",
    "card": "card", "card_number": "card", "卡号": "card",
    "time_zone": "time_zone", "timezone": "time_zone", "时区": "time_zone",
}
_PHONE = re.compile(r"^\+?\d{5,20}$")
_ZONES = available_timezones()


@dataclass(frozen=True)
class Row:
    line: int  # in the file, the header being line 1
    values: dict[str, str]  # column -> text, headers mapped by HEADERS, others kept as written


@dataclass(frozen=True)
class Reason:
    """Why a row cannot be used: its column, the rule it breaks (the API's code, said in the
    reader's words from `ctx`), and the sentence."""

    column: str
    rule: str
    text: str
    ctx: dict[str, str | int]


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str
    values: dict[str, str]
    field: str  # the column the reason is about: phone, time_zone or card
    rule: str  # e.g. "not_a_phone": the dictionary's rule.not_a_phone
    ctx: dict[str, str | int]  # the values its words need: {"value": "nope"}


@dataclass
class ImportReport:
    rows: int = 0
    added: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def read_rows(name: str, file: IO[bytes], limits: Limits) -> Iterator[Row]:
    """Rows of a .csv or .xlsx file (dialer.sheets: its encodings and limits), blank rows
    skipped. Blocking: read it in a thread."""
    found = lines(name, file, limits)
    _, header = next(found)
    columns = [HEADERS.get(h.strip().lower(), h.strip()) for h in header]
    if "phone" not in columns:
        raise SheetError("no_phone_column", f"{name}: no phone column (a header named phone, "
                         "number, mobile, 电话 or 手机)")
    for line, cells in found:
        yield Row(line, {col: cell.strip() for col, cell in zip(columns, cells) if col})


def normalise_phone(text: str) -> str | None:
    phone = national_phone(text)
    return phone if phone is not None and _PHONE.match(phone) else None


def check(row: Row) -> tuple[str, str | None] | Reason:
    """(phone, time zone or None) for a row that can be used, else the reason it cannot."""
    raw = row.values.get("phone", "")
    if not raw:
        return Reason("phone", "phone_missing", "phone: missing", {})
    phone = normalise_phone(raw)
    if phone is None:
        return Reason("phone", "not_a_phone", f"phone: {raw!r} is not a phone number (5 to 20 "
                      "digits, + allowed first)", {"value": raw})
    zone = row.values.get("time_zone") or None
    if zone is not None and zone not in _ZONES:
        return Reason("time_zone", "unknown_timezone", f"time_zone: {zone!r} is not a known time "
                      "zone (e.g. Asia/Shanghai)", {"value": zone})
    if len(row.values.get("name", "")) > NAME_CHARS:
        return Reason("name", "name_too_long", f"name: longer than {NAME_CHARS} characters",
                      {"limit": NAME_CHARS})
    return phone, zone


async def import_contacts(sessions: async_sessionmaker[AsyncSession], campaign_id: int,
                          rows: Iterator[Row], progress: Callable[[int], None] | None = None,
                          max_rejected: int | None = None) -> ImportReport:
    """Add the good rows to the campaign and report the others, all in one transaction: the
    rows are read and checked in a thread a batch at a time (the event loop stays free and only
    a batch is held), and a file that breaks a limit of its own (SheetError) adds nothing."""
    report = ImportReport()
    seen: dict[str, int] = {}  # phone -> its first line
    async with sessions() as s, s.begin():
        if s.get_bind().dialect.name == "postgresql":
            # the campaign's contacts grow in this transaction: a plan kept from when they were
            # few would scan them all for each batch
            await s.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        while batch := await asyncio.to_thread(_checked, rows):
            await _import_batch(s, campaign_id, batch, seen, report)
            log.debug("contacts: %d rows read for campaign %d", report.rows, campaign_id)
            if max_rejected is not None and len(report.rejected) > max_rejected:
                raise SheetError("too_many_rejected", f"more than {max_rejected} rows rejected: "
                                 "nothing added", limit=max_rejected)
            if progress:
                progress(report.rows)
    return report


Checked = list[tuple[Row, tuple[str, str | None] | Reason]]


def _checked(rows: Iterator[Row]) -> Checked:
    return [(row, check(row)) for row in islice(rows, BATCH)]


async def _import_batch(s: AsyncSession, campaign_id: int, checked: Checked,
                        seen: dict[str, int], report: ImportReport) -> None:
    report.rows += len(checked)
    phones = [c[0] for _, c in checked if isinstance(c, tuple)]
    cards = [row.values["card"] for row, _ in checked if row.values.get("card")]
    blocked = set(await s.scalars(select(DoNotCall.phone).where(DoNotCall.phone.in_(phones))))
    present = set(await s.scalars(select(Contact.phone).where(
        Contact.campaign_id == campaign_id, Contact.phone.in_(phones))))
    retailers = {r.card_number: r for r in await s.scalars(
        select(Retailer).options(joinedload(Retailer.branch))
        .where(Retailer.card_number.in_(cards)))}
    added: list[dict[str, Any]] = []
    for row, result in checked:
        reason = result if isinstance(result, Reason) else None
        if not isinstance(result, Reason):
            phone, zone = result
            reason = _refusal(row, phone, seen, blocked, present, retailers)
        if reason is not None:
            report.rejected.append(Rejected(row.line, reason.text, row.values, reason.column,
                                            reason.rule, reason.ctx))
            continue
        seen[phone] = row.line
        retailer = retailers.get(row.values.get("card", ""))
        zone = zone or (retailer.branch.timezone if retailer and retailer.branch
                        else DEFAULT_ZONE)
        name = row.values.get("name") or (retailer.name if retailer else "")
        extra = {k: v for k, v in row.values.items()
                 if k not in ("phone", "name", "time_zone") and v}
        added.append({"campaign_id": campaign_id, "phone": phone, "name": name,
                      "time_zone": zone, "retailer_id": retailer.id if retailer else None,
                      "fields": extra})
    if added:
        await s.execute(insert(Contact.__table__), added)
    report.added += len(added)


def _refusal(row: Row, phone: str, seen: dict[str, int], blocked: set[str], present: set[str],
             retailers: dict[str, Retailer]) -> Reason | None:
    if phone in seen:
        return Reason("phone", "phone_repeats", f"phone: {phone} repeats line {seen[phone]}",
                      {"value": phone, "line": seen[phone]})
    if phone in present:
        return Reason("phone", "phone_in_campaign", f"phone: {phone} is already in this campaign",
                      {"value": phone})
    if phone in blocked:
        return Reason("phone", "phone_do_not_call", f"phone: {phone} is on the do-not-call list",
                      {"value": phone})
    card = row.values.get("card")
    if card:
        retailer = retailers.get(card)
        if retailer is None:
            return Reason("card", "unknown_card", f"card: no retailer has card {card}",
                          {"value": card})
        if retailer.status == RetailerStatus.CLOSED:
            return Reason("card", "retailer_closed", f"card: retailer {card} is closed",
                          {"value": card})
    return None



async def add_segment(sessions: async_sessionmaker[AsyncSession], campaign_id: int,
                      branches: list[str], classes: list[str], ordered_within_days: int | None,
                      not_ordered_for_days: int | None) -> ImportReport:
    """The retailers of some branches and classes (all when empty), who ordered within the last
    days or have not ordered for some days, as contacts at their first phone."""
    now = utcnow()
    query = (select(Retailer).outerjoin(Retailer.branch)
             .where(Retailer.status == RetailerStatus.ACTIVE).order_by(Retailer.card_number))
    if branches:
        query = query.where(Branch.code.in_(branches))
    if classes:
        query = query.where(Retailer.retailer_class.in_(classes))
    if ordered_within_days is not None:
        since = now - timedelta(days=ordered_within_days)
        query = query.where(exists().where(Order.retailer_id == Retailer.id,
                                           Order.created_at >= since))
    if not_ordered_for_days is not None:
        since = now - timedelta(days=not_ordered_for_days)
        query = query.where(~exists().where(Order.retailer_id == Retailer.id,
                                            Order.created_at >= since))
    async with sessions() as s:
        retailers = list(await s.scalars(query))
    rows = [Row(n, {"phone": r.phones[0].number if r.phones else "", "card": r.card_number})
            for n, r in enumerate(retailers, start=1)]
    return await import_contacts(sessions, campaign_id, iter(rows))


async def block_number(session: AsyncSession, phone: str, reason: str) -> tuple[DoNotCall, int]:
    """The number on the do-not-call list (kept if already there), and its waiting contacts
    withdrawn from every campaign: (the list's row, how many were withdrawn)."""
    row = await session.scalar(select(DoNotCall).where(DoNotCall.phone == phone))
    if row is None:
        row = DoNotCall(phone=phone, reason=reason)
        session.add(row)
    withdrawn = cast(CursorResult[Any], await session.execute(  # an UPDATE: a cursor result
        update(Contact).where(Contact.phone == phone, Contact.status == ContactStatus.PENDING)
        .values(status=ContactStatus.DO_NOT_CALL)))
    return row, withdrawn.rowcount
