"""Scheduled reports, the settings' (`Settings.reports.schedules`) and those headquarters'
administrators keep (services.report_schedules, read again at each wake and when they change):
each day at `Settings.reports.at` (headquarters' clock) yesterday's daily reports, each Monday
last week's weekly ones, written as XLSX into the reports folder (<folder>/<daily|weekly>/) and
mailed over SMTP to their addresses when a server is set.

A report's file is its record of being done: a period whose file is there is not written again,
and one mailed to its addresses leaves a marker beside it, so a restart neither repeats nor
loses the latest period (the latest only: a server down for a week catches up its last day).
A report that could not be written or mailed is tried again after `RETRY`. The clock is
injected: the tests move it and wait for the mail, not for time."""
import asyncio
import hashlib
import logging
import os
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Role, utcnow
from runtime.settings import ReportSettings, ScheduledReport, SmtpSettings
from services import report_schedules
from services.principal import Principal
from services.reports import export, reading
from services.reports.query import ReportQuery, ReportTable
from services.reports.words import word

log = logging.getLogger("hotline.reports")
RETRY = timedelta(minutes=5)
SCHEDULER = Principal(0, "scheduled-reports", Role.OPS, None, sees_all_branches=True,
                      agent_id=None)
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep_until(self, moment: datetime) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return utcnow()

    async def sleep_until(self, moment: datetime) -> None:
        while (left := (moment - utcnow()).total_seconds()) > 0:
            await asyncio.sleep(min(left, 3600))  # a clock set forward is noticed within the hour


@dataclass(frozen=True, slots=True)
class Job:
    schedule: ScheduledReport
    since: date
    until: date
    path: Path

    @property
    def marker(self) -> Path:
        """Beside the file once mailed to these addresses."""
        said = ",".join(sorted(self.schedule.to)) + self.schedule.lang
        return self.path.with_name(f"{self.path.name}.mailed-"
                                   f"{hashlib.sha256(said.encode()).hexdigest()[:10]}")

    @property
    def done(self) -> bool:
        return self.path.exists() and (not self.schedule.to or self.marker.exists())


class ReportScheduler:
    def __init__(self, settings: ReportSettings, smtp: SmtpSettings,
                 sessions: async_sessionmaker[AsyncSession], folder: Path,
                 clock: Clock | None = None) -> None:
        self.settings, self.smtp, self.sessions, self.folder = settings, smtp, sessions, folder
        self.clock = clock or SystemClock()
        self.zone = ZoneInfo(settings.timezone)
        self._changed = asyncio.Event()

    async def run(self) -> None:
        while True:
            now = self.clock.now()
            wake = self.next_due(now)
            for job in self.jobs(now, await self.schedules()):
                if job.done:
                    continue
                try:
                    await self.produce(job)
                except Exception:  # the database or the mail server: tried again later
                    log.exception("scheduled report failed", extra={
                        "report": job.schedule.report, "since": str(job.since)})
                    wake = min(wake, now + RETRY)
            await self._sleep_until(wake)

    def changed(self) -> None:
        """An administrator changed the schedules: they are read again now."""
        self._changed.set()

    async def _sleep_until(self, moment: datetime) -> None:
        sleeping = asyncio.ensure_future(self.clock.sleep_until(moment))
        changed = asyncio.ensure_future(self._changed.wait())
        try:
            await asyncio.wait({sleeping, changed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in (sleeping, changed):
                waiting.cancel()
            await asyncio.gather(sleeping, changed, return_exceptions=True)
        self._changed.clear()

    async def schedules(self) -> list[ScheduledReport]:
        """The settings' schedules and the administrators' active ones."""
        kept = []
        async with self.sessions() as session:
            rows = await report_schedules.listed(session, active_only=True)
        for row in rows:
            try:
                kept.append(ScheduledReport(report=row.report, every=row.every,  # type: ignore[arg-type]
                                            grouping=row.grouping, filters=row.filters,  # type: ignore[arg-type]
                                            to=row.recipients, lang=row.lang))  # type: ignore[arg-type]
            except ValidationError:  # a report no longer registered: said, and left out
                log.exception("scheduled report left out", extra={"schedule": row.id})
        return [*self.settings.schedules, *kept]

    def _due_at(self, day: date) -> datetime:
        return datetime.combine(day, self.settings.at, self.zone)

    def jobs(self, now: datetime, schedules: list[ScheduledReport]) -> Iterator[Job]:
        """Each schedule's latest period that is over and due by `now`."""
        today = now.astimezone(self.zone).date()
        for schedule in schedules:
            if schedule.every == "daily":
                day = today - timedelta(days=1 if now >= self._due_at(today) else 2)
                since = until = day
            else:
                monday = today - timedelta(days=today.weekday())
                if now < self._due_at(monday):
                    monday -= timedelta(days=7)
                since, until = monday - timedelta(days=7), monday - timedelta(days=1)
            yield Job(schedule, since, until, self.folder / schedule.every / _file_name(
                schedule, since, until))

    def next_due(self, now: datetime) -> datetime:
        """The next moment a period falls due: a day's `at`, or a Monday's (one more wake
        than a schedule needs is harmless)."""
        today = now.astimezone(self.zone).date()
        daily = self._due_at(today)
        if now >= daily:
            daily = self._due_at(today + timedelta(days=1))
        return daily

    async def produce(self, job: Job) -> None:
        s = job.schedule
        query = ReportQuery(job.since, job.until, s.grouping, **s.filters.model_dump())
        async with self.sessions() as session:
            table = await reading.read(session, s.report, query, SCHEDULER)
        if not job.path.exists():
            await asyncio.to_thread(_write, job.path, export.to_xlsx(table, s.lang))
            log.info("scheduled report written", extra={"path": str(job.path)})
        if s.to and self.smtp.host and not job.marker.exists():
            message = _message(job, table, self.smtp.sender, job.path.read_bytes())
            await asyncio.to_thread(_send, self.smtp, message)
            job.marker.touch()
            log.info("scheduled report mailed", extra={"path": str(job.path), "to": s.to})


def _file_name(schedule: ScheduledReport, since: date, until: date) -> str:
    days = str(since) if since == until else f"{since}_{until}"
    filters = "".join(f"_{k}-{v}" for k, v in schedule.filters.model_dump().items()
                      if v is not None)
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in filters)
    return f"{schedule.report}_{schedule.grouping}_{days}{safe}_{schedule.lang}.xlsx"


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_bytes(content)
    os.replace(part, path)  # whole or not at all: a file there is a report done


def _message(job: Job, table: ReportTable, sender: str, book: bytes) -> EmailMessage:
    lang = job.schedule.lang
    name = word(f"report.{table.name}", lang, table.name)
    days = str(job.since) if job.since == job.until else f"{job.since} – {job.until}"
    message = EmailMessage()
    message["From"], message["To"] = sender, ", ".join(job.schedule.to)
    message["Subject"] = f"{name} {days}"
    totals = [f"{export.header(c, lang)}: {export.said(c, table.totals.get(c.key), lang)}"
              for c in table.columns if c.key in table.totals]
    message.set_content(f"{name} {days}\n\n{word('reports.total', lang)}\n" + "\n".join(totals))
    message.add_attachment(book, maintype=XLSX[0], subtype=XLSX[1], filename=job.path.name)
    return message


def _send(smtp: SmtpSettings, message: EmailMessage) -> None:
    assert smtp.host is not None
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.user:
            server.login(smtp.user, smtp.password.get_secret_value() if smtp.password else "")
        server.send_message(message)
