"""Call detail records the PBX writes itself (cdr_custom, one CSV line per record as each call
ends), so a call that came and went while the engine was away still gets its row."""
import csv
import time
from dataclasses import dataclass
from pathlib import Path

CDR_FILE = "log/cdr-custom/Master.csv"  # under the PBX's run folder (where cdr_custom writes)
# CDR variables the dialplan sets: the number an inbound caller dialed; what became of an
# answered outbound call (live, machine, abandoned), as it tells the engine by a variable too.
DIALED, OUTBOUND = "hotline_dialed", "hotline_outbound"
USER_VARIABLES = {DIALED, OUTBOUND}
FIELDS = ("linkedid", "uniqueid", "channel", "dstchannel", "src", DIALED, OUTBOUND, "lastapp",
          "start", "answer", "end", "disposition")
LOOKBACK = 86400.0  # seconds of records a restarted engine reads for the calls it missed
TIMES = {"start", "answer", "end"}  # as epoch seconds with microseconds


def mapping() -> str:
    """cdr_custom.conf: one file of the FIELDS, quoted (Asterisk 22's advanced mapping)."""
    fields = (f"{f}(double)" if f in TIMES else f"{f}(uservar)" if f in USER_VARIABLES else f
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
    outbound: str
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


def read_recent(path: Path) -> list[CdrRecord]:
    """The records of the last LOOKBACK seconds."""
    return read_records(path, time.time() - LOOKBACK)


def _record(line: list[str]) -> CdrRecord | None:
    if len(line) != len(FIELDS):
        return None
    row = dict(zip(FIELDS, line))
    try:
        start, answer, end = (float(row[k] or 0) for k in ("start", "answer", "end"))
    except ValueError:
        return None
    return CdrRecord(row["linkedid"], row["uniqueid"], row["channel"], row["dstchannel"],
                     row["src"], row[DIALED], row[OUTBOUND], row["lastapp"], start,
                     answer or None, end,
                     row["disposition"])
