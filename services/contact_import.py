"""`hotline import-contacts`: a contact list into a campaign from the command line, with a
progress bar and every rejected row written to a CSV beside the list."""
import csv
import sys
from pathlib import Path

from sqlalchemy import or_, select

from dialer.contacts import ImportReport, ListError, import_contacts, read_rows
from models import Campaign

BAR = 30


def progress_bar(done: int, total: int | None) -> None:
    share = done / total if total else 1.0
    filled = round(share * BAR)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total} rows")
    sys.stderr.flush()


def write_rejected(report: ImportReport, path: Path) -> None:
    columns = list(dict.fromkeys(k for r in report.rejected for k in r.values))
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        out = csv.writer(f)
        out.writerow(["line", "reason", *columns])
        for r in report.rejected:
            out.writerow([r.line, r.reason, *(r.values.get(c, "") for c in columns)])


async def import_file(sessions, campaign: str, path: Path, rejected_path: Path | None) -> int:
    async with sessions() as s:
        match = Campaign.name == campaign
        if campaign.isdigit():
            match = or_(match, Campaign.id == int(campaign))
        found = await s.scalar(select(Campaign).where(match))
    if found is None:
        print(f"hotline: no campaign {campaign!r} (give its id or name)", file=sys.stderr)
        return 2
    try:
        rows = list(read_rows(path.name, path.read_bytes()))
    except (OSError, ListError) as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return 2
    report = await import_contacts(sessions, found.id, iter(rows), len(rows), progress_bar)
    sys.stderr.write("\n")
    print(f"{report.rows} rows: {report.added} added to {found.name!r}, "
          f"{len(report.rejected)} rejected")
    if report.rejected:
        rejected_path = rejected_path or path.with_name(path.name + ".rejected.csv")
        write_rejected(report, rejected_path)
        print(f"rejected rows and why: {rejected_path}")
    return 0
