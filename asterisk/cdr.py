"""Call detail records the PBX writes itself (cdr_custom, one CSV line per record as each call
ends), so a call that came and went while the engine was away still gets its row."""
import csv
from dataclasses import dataclass
from pathlib import Path

CDR_FILE = "log/cdr-custom/Master.csv"  # under the PBX's run folder (where cdr_custom writes)
DIALED = "hotline_dialed"  # a CDR variable the inbound context sets: the number the caller dialed
FIELDS = ("linkedid", "uniqueid", "channel", "dstchannel", "src", DIALED, "lastapp", "start",
          "answer", "end", "disposition")
TIMES = {"start", "answer", "end"}  # as epoch seconds with microseconds


def mapping() -> str:
    """cdr_custom.conf: one file of the FIELDS, quoted (Asterisk 22's advanced mapping)."""
    fields = (f"{f}(double)" if f in TIMES else f"{f}(uservar)" if f == DIALED else f
              for f in FIELDS)
    return f"[{Path(CDR_FILE).name}]\nformat = dsv\nfields = {','.join(fields)}\n"


@dataclass(frozen=True, slots=True)
class CdrRecord:
    linkedid: str
    uniqueid: str
    channel: str
    dst_channel: str
    caller: str
    dialed: str
    last_app: str
    start: float
    answer: float | None  # None: never answered
    end: float
    disposition: str  # ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION


def read_records(path: Path, since: float) -> list[CdrRecord]:
    """The records of calls that ended at `since` or later; none when the PBX keeps no file
    here (a PBX on another machine). A line that does not parse is skipped."""
    records = []
    try:
        with path.open(newline="", encoding="utf-8", errors="replace") as f:
            for line in csv.reader(f):
                record = _record(line)
                if record is not None and record.end >= since:
                    records.append(record)
    except FileNotFoundError:
        return []
    return records


def _record(line: list[str]) -> CdrRecord | None:
    if len(line) != len(FIELDS):
        return None
    row = dict(zip(FIELDS, line))
    try:
        start, answer, end = (float(row[k] or 0) for k in ("start", "answer", "end"))
    except ValueError:
        return None
    return CdrRecord(row["linkedid"], row["uniqueid"], row["channel"], row["dstchannel"],
                     row["src"], row[DIALED], row["lastapp"], start, answer or None, end,
                     row["disposition"])
