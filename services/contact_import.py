"""A contact list into a campaign, from an upload or from `hotline import-contacts` (with a
progress bar and every rejected row written to a CSV beside the list): read as a stream within
the stated limits (`Settings.imports.contacts`), all its good rows added in one transaction, or
nothing when the file as a whole is refused."""
import logging
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialer.contacts import ImportReport, import_contacts, read_rows
from dialer.sheets import Limits, SheetError
from models import Campaign
from services.errors import DomainError
from services.sheet_files import refusal_text, refused, write_rows

BAR = 30
log = logging.getLogger("hotline.imports")


async def import_list(sessions: async_sessionmaker[AsyncSession], campaign_id: int, name: str,
                      file: IO[bytes], limits: Limits,
                      progress: Callable[[int], None] | None = None) -> ImportReport:
    """Raises Refused (TooLarge for the file's size) naming the limit or what is unreadable."""
    log.debug("contacts: importing %s into campaign %d", name, campaign_id)
    try:
        report = await import_contacts(sessions, campaign_id, read_rows(name, file, limits),
                                       progress, limits.max_rejected)
    except SheetError as exc:
        log.debug("contacts: %s refused, nothing added: %s", name, exc.text)
        raise refused(exc) from None
    log.debug("contacts: %s: %d rows, %d added", name, report.rows, report.added)
    return report


def write_rejected(report: ImportReport, path: Path) -> None:
    columns = list(dict.fromkeys(k for r in report.rejected for k in r.values))
    write_rows(path, ["line", "reason", *columns],
               ([r.line, r.reason, *(r.values.get(c, "") for c in columns)]
                for r in report.rejected))


async def import_file(sessions, campaign: str, path: Path, rejected_path: Path | None,
                      limits: Limits) -> int:
    async with sessions() as s:
        match = Campaign.name == campaign
        if re.fullmatch(r"[0-9]{1,9}", campaign):  # not str.isdigit: "12²" is a name
            match = or_(match, Campaign.id == int(campaign))
        found = await s.scalar(select(Campaign).where(match))
    if found is None:
        print(f"hotline: no campaign {campaign!r} (give its id or name)", file=sys.stderr)
        return 2
    try:
        with path.open("rb") as file:
            size = path.stat().st_size

            def progress_bar(rows: int) -> None:
                filled = round(min(file.tell() / size, 1.0) * BAR) if size else BAR
                sys.stderr.write(f"\r[{'#' * filled}{'.' * (BAR - filled)}] {rows} rows")
                sys.stderr.flush()

            report = await import_list(sessions, found.id, path.name, file, limits,
                                       progress_bar)
    except (OSError, DomainError) as exc:
        print(f"hotline: nothing imported: {refusal_text(exc)}", file=sys.stderr)
        return 2
    sys.stderr.write(f"\r[{'#' * BAR}] {report.rows} rows\n")
    print(f"{report.rows} rows: {report.added} added to {found.name!r}, "
          f"{len(report.rejected)} rejected")
    if report.rejected:
        rejected_path = rejected_path or path.with_name(path.name + ".rejected.csv")
        write_rejected(report, rejected_path)
        print(f"rejected rows and why: {rejected_path}")
    return 0

