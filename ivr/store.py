"""What the IVR reads and writes in the database."""
import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, desc, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from ivr import flow
from ivr.hours import is_open
from ivr.prompts import LANGUAGES
from ivr.settings import IvrSettings
from models import (
    Branch,
    BusinessHours,
    BusinessType,
    Holiday,
    IvrStep,
    Order,
    Retailer,
    RetailerPhone,
    SelfServiceAttempt,
    SelfServiceLock,
    Voicemail,
    utcnow,
)
from models.catalogue import OrderLimit
from models.ivr import steps_of
from models.journal import Journal
from models.ordering_cycle import ordered_in, retailer_cycle
from models.phone import national_phone
from models.retailers import RetailerStatus
from models.security import verify_pin

log = logging.getLogger("hotline.ivr")
DEFAULT_TIMEZONE = "Asia/Shanghai"
ORGANISATION_TTL = 5.0  # seconds


# The reads of every call, built once and run on a plain connection: a statement built per call
# and an ORM session around it cost more than twice the CPU of the read itself.
_RETAILER = (select(Retailer.id, Retailer.card_number, Retailer.branch_id, Branch.code,
                    Retailer.status, Retailer.pin_hash, SelfServiceLock.locked_until,
                    Retailer.retailer_class)
             .outerjoin(Branch, Branch.id == Retailer.branch_id)
             .outerjoin(SelfServiceLock, SelfServiceLock.retailer_id == Retailer.id))
_RETAILER_BY_CARD = _RETAILER.where(Retailer.card_number == bindparam("key"))
_RETAILER_BY_ID = _RETAILER.where(Retailer.id == bindparam("key"))
_RETAILERS_OF_PHONE = (select(RetailerPhone.retailer_id)
                       .where(RetailerPhone.number == bindparam("number")).distinct().limit(2))
_LAST_SEQ = select(func.max(IvrStep.seq)).where(IvrStep.pbx_server == bindparam("server"),
                                                 IvrStep.linkedid == bindparam("linkedid"))


@dataclass(frozen=True, slots=True)
class _Organisation:
    loaded: float
    menu: tuple[tuple[str, str], ...]
    branches: tuple[Branch, ...]
    hours: dict[int, list]
    holidays: dict[int | None, tuple]
    hq_branch_id: int | None
    own_prompts: dict[str, frozenset[str]]


@dataclass(frozen=True, slots=True)
class StepTiming:
    entered_at: datetime
    duration_ms: int
    prompt: str | None


class IvrStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], journal: Journal,
                 settings: IvrSettings, server: str = "local",
                 menu_prompts_dir: Path | None = None) -> None:
        self.sessions = sessions
        self.menu_prompts_dir = menu_prompts_dir  # <lang>/bt-<code>.wav an administrator gave
        self.db = sessions.kw["bind"]
        self.journal = journal
        self.settings = settings
        self.server = server
        self._org: _Organisation | None = None
        self._reloading: asyncio.Task[None] | None = None
        self._background: asyncio.TaskGroup | None = None  # while the store runs

    async def menu_context(self, caller_number: str, language: str = "zh") -> flow.CallContext:
        """What the flow's first step needs: the organisation (cached), not yet the caller."""
        org = await self._organisation()
        now = utcnow()
        open_codes = frozenset(
            b.code for b in org.branches
            if self.settings.open_around_the_clock or is_open(
                now, b.timezone, org.hours.get(b.id, ()),
                org.holidays.get(b.id, ()) + org.holidays.get(None, ())))
        return flow.CallContext(caller_number=caller_number, menu=org.menu,
                                open_branches=open_codes, hq_branch_id=org.hq_branch_id,
                                language=language, own_prompts=org.own_prompts)

    async def caller_facts(self, linkedid: str,
                           caller_number: str) -> tuple[int, flow.Retailer | None]:
        """The call's last step on record (a call transferred back into the IVR) and the
        retailer whose phone is calling, on one connection."""
        async with self.db.connect() as c:
            return await self._last_seq(c, linkedid), await self._recognize(c, caller_number)

    def forget(self) -> None:
        """The organisation changed (an administrator's change): the next call reads it anew."""
        self._org = None

    async def _organisation(self) -> "_Organisation":
        """Menu, branches, hours and holidays change rarely: a burst of calls reads them once,
        and once known they are read again beside the calls, not in their way."""
        cached = self._org
        if cached is None:
            return await self._load_organisation()
        if time.monotonic() - cached.loaded < ORGANISATION_TTL or self._reloading is not None:
            return cached
        if self._background is None:  # not running (a test, a command): read it now
            return await self._load_organisation()
        self._reloading = self._background.create_task(self._reload_organisation())
        return cached

    async def run(self) -> None:
        """While this runs, the organisation is read again beside the calls."""
        async with asyncio.TaskGroup() as background:
            self._background = background
            try:
                await asyncio.Future()  # until cancelled
            finally:
                self._background = None

    async def _reload_organisation(self) -> None:
        try:
            await self._load_organisation()
        except Exception:  # the calls go on with what was read before
            log.exception("organisation not read again")
        finally:
            self._reloading = None

    async def _load_organisation(self) -> "_Organisation":
        async with self.sessions() as s:
            menu = (await s.execute(select(BusinessType.code, BusinessType.menu_key)
                                    .order_by(BusinessType.sort_order))).all()
            branches = tuple(await s.scalars(select(Branch)))
            hours: dict[int, list] = {}
            for bid, w, o, c in (await s.execute(select(
                    BusinessHours.branch_id, BusinessHours.weekday, BusinessHours.opens,
                    BusinessHours.closes))).all():
                hours.setdefault(bid, []).append((w, o, c))
            holidays: dict[int | None, tuple] = {}
            for holiday_bid, day in (await s.execute(
                    select(Holiday.branch_id, Holiday.day))).all():
                holidays[holiday_bid] = holidays.get(holiday_bid, ()) + (day,)
        hq = next((b for b in branches if b.is_headquarters), None)
        self._org = _Organisation(time.monotonic(), tuple((c, k) for c, k in menu), branches,
                                  hours, holidays, hq.id if hq else None,
                                  await asyncio.to_thread(self._own_prompts))
        return self._org

    def _own_prompts(self) -> dict[str, frozenset[str]]:
        folder = self.menu_prompts_dir
        if folder is None or not folder.is_dir():
            return {}
        return {lang.name: frozenset(f.stem.removeprefix("bt-") for f in lang.glob("bt-*.wav"))
                for lang in folder.iterdir() if lang.name in LANGUAGES}

    async def _recognize(self, c: AsyncConnection, caller_number: str) -> flow.Retailer | None:
        number = national_phone(caller_number)
        if not number:
            return None
        ids = list(await c.scalars(_RETAILERS_OF_PHONE, {"number": number}))
        if len(ids) != 1:
            return None  # unknown, or a phone shared by several retailers: ask for the card
        return await self._retailer(c, _RETAILER_BY_ID, ids[0])

    async def lookup_card(self, card_number: str) -> flow.Retailer | None:
        async with self.db.connect() as c:
            return await self._retailer(c, _RETAILER_BY_CARD, card_number)

    @staticmethod
    async def _retailer(c: AsyncConnection, statement, key: int | str) -> flow.Retailer | None:
        # Columns, not the entity: no ORM object to build, nor its phones to load.
        row = (await c.execute(statement, {"key": key})).first()
        if row is None:
            return None
        rid, card, branch_id, branch_code, status, pin_hash, locked_until, retailer_class = row
        return flow.Retailer(
            id=rid, card_number=card, branch_id=branch_id, branch_code=branch_code,
            active=status == RetailerStatus.ACTIVE, has_pin=pin_hash is not None,
            locked=locked_until is not None and locked_until > utcnow(),
            retailer_class=retailer_class)

    async def check_pin(self, retailer_id: int, pin: str, linkedid: str) -> flow.PinOutcome:
        """Three failures in a row lock self-service for a while; every attempt is on record."""
        async with self.sessions() as s, s.begin():
            retailer = await s.get(Retailer, retailer_id)
            if retailer is None:  # the flow asks only for a retailer it found (never deleted)
                raise LookupError(f"retailer {retailer_id} not found")
            lock = await s.get(SelfServiceLock, retailer_id, with_for_update=True)
            if lock is None:
                lock = SelfServiceLock(retailer_id=retailer_id, failures=0)
                s.add(lock)
            now = utcnow()
            if lock.locked_until is not None and lock.locked_until > now:
                outcome, reason = flow.PinOutcome.LOCKED, "locked"
            elif bool(retailer.pin_hash) and await asyncio.to_thread(verify_pin, pin,
                                                                     retailer.pin_hash):
                lock.failures, lock.locked_until = 0, None
                outcome, reason = flow.PinOutcome.OK, "ok"
            else:
                lock.failures += 1
                outcome, reason = flow.PinOutcome.WRONG, "wrong_pin"
                if lock.failures >= self.settings.pin_failures_before_lock:
                    lock.failures = 0
                    lock.locked_until = now + timedelta(minutes=self.settings.pin_lock_minutes)
                    outcome = flow.PinOutcome.LOCKED
            s.add(SelfServiceAttempt(pbx_server=self.server, linkedid=linkedid,
                                     card_number=retailer.card_number, retailer_id=retailer_id,
                                     at=now, success=outcome == flow.PinOutcome.OK, reason=reason))
        return outcome

    async def record_refusal(self, retailer: flow.Retailer, linkedid: str) -> None:
        reason = "locked" if retailer.locked else "no_pin" if not retailer.has_pin else "inactive"
        async with self.sessions() as s, s.begin():
            s.add(SelfServiceAttempt(pbx_server=self.server, linkedid=linkedid,
                                     card_number=retailer.card_number, retailer_id=retailer.id,
                                     at=utcnow(), success=False, reason=reason))

    async def last_orders(self, retailer_id: int, limit: int) -> tuple[flow.OrderLine, ...]:
        """The latest orders, dated in the retailer's branch's time zone."""
        async with self.sessions() as s:
            zone = ZoneInfo(await s.scalar(
                select(Branch.timezone).join(Retailer, Retailer.branch_id == Branch.id)
                .where(Retailer.id == retailer_id)) or DEFAULT_TIMEZONE)
            orders = await s.scalars(select(Order).where(Order.retailer_id == retailer_id)
                                     .order_by(desc(Order.created_at)).limit(limit))
            return tuple(flow.OrderLine(o.created_at.astimezone(zone).date(), o.amount,
                                        str(o.status)) for o in orders)

    async def allowance(self, retailer_id: int, now: datetime | None = None) -> flow.Allowance:
        """What the retailer ordered in its ordering cycle, and may still order of those products
        under their upper limits: counted as the order review counts (models.ordering_cycle)."""
        async with self.sessions() as s:
            cycle = await retailer_cycle(s, retailer_id, now or utcnow())
            ordered = await ordered_in(s, retailer_id, cycle)
            limits = dict((await s.execute(
                select(OrderLimit.product_id, OrderLimit.max_quantity).where(
                    OrderLimit.retailer_id == retailer_id,
                    OrderLimit.product_id.in_(list(ordered))))).all())
        left = [max(0, most - ordered[product]) for product, most in limits.items()]
        return flow.Allowance(cycle.last_day, sum(ordered.values()), sum(left) if left else None)

    async def _last_seq(self, c: AsyncConnection, linkedid: str) -> int:
        """The last step the call has on record (a call transferred back into the IVR). The
        journal's unwritten steps count too: a caller back a moment after leaving the IVR must
        not reuse their numbers."""
        saved = await c.scalar(_LAST_SEQ, {"server": self.server, "linkedid": linkedid}) or 0
        unsaved = steps_of(self.journal.unsaved(), self.server, linkedid)
        return max([saved, *(row.seq for row in unsaved)])

    def keep_path(self, linkedid: str, first: int, path: Sequence[flow.PathEntry],
                  timings: Sequence[StepTiming]) -> None:
        """The call's steps, numbered after `first`, go to the journal: the caller goes on to
        its queue at once, and the screen-pop reads them there until they are written."""
        for entry, timing in zip(path, timings, strict=True):
            self.journal.submit(IvrStep(
                pbx_server=self.server, linkedid=linkedid, seq=first + entry.seq,
                state=entry.state, prompt=timing.prompt, keys=entry.keys, result=entry.result,
                entered_at=timing.entered_at, duration_ms=timing.duration_ms))

    async def save_voicemail(self, linkedid: str, caller_number: str, route: flow.Route | None,
                             path: Path, recorded_at: datetime) -> Voicemail | None:
        try:
            size = path.stat().st_size
        except OSError:
            return None
        duration_ms = max(0, size - 44) // 16  # 8 kHz, 16-bit mono WAV
        if duration_ms == 0:
            return None
        async with self.sessions() as s, s.begin():
            vm = Voicemail(pbx_server=self.server, linkedid=linkedid, caller_number=caller_number,
                           retailer_id=route.retailer_id if route else None,
                           branch_id=route.branch_id if route else None,
                           card_number=route.card_number if route else None,
                           business_type=route.business_type if route else None,
                           recorded_at=recorded_at, duration_ms=duration_ms, path=str(path),
                           size_bytes=size)
            s.add(vm)
        return vm
