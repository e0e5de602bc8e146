"""The reports' roll-up as pure code: a moment summed into its UTC quarter-hour lands in the same
local period as the moment itself, in any time zone (offsets of 30 and 45 minutes too); rows
outside the range's local days are left out; derived figures come from the sums, not from
averaging averages. And every column of every registered report has its words in both languages
for the exports (i18n.js's report blocks)."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from services.reports.periods import QUARTER, Fact, Figure, period_of, ratio, roll_up, total
from services.reports.query import Column, ColumnKind, Grouping, ReportQuery
from services.reports.registry import ABOUT, REPORTS
from services.reports.words import dictionary

ZONES = ["Asia/Shanghai", "Asia/Kathmandu", "Asia/Kolkata", "America/St_Johns", "Europe/London",
         "Pacific/Chatham", "UTC"]


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),
       st.sampled_from(ZONES), st.sampled_from(list(Grouping)))
def test_a_utc_quarter_lies_in_the_local_period_of_its_moments(moment, zone, grouping):
    at = moment.replace(tzinfo=UTC)
    quarter = int(at.timestamp()) // QUARTER
    fact = Fact(quarter, zone, (), {})
    local = ZoneInfo(zone)
    assert period_of(fact.at.astimezone(local), grouping) == period_of(at.astimezone(local),
                                                                       grouping)


def test_periods_are_named_by_their_local_start():
    at = datetime(2026, 12, 3, 23, 52, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Thursday
    assert [period_of(at, g) for g in Grouping] == [
        "2026-12-03 23:45", "2026-12-03 23:00", "2026-12-03", "2026-11-30", "2026-12-01"]


def test_rows_outside_the_local_days_are_left_out_and_averages_come_from_sums():
    def fact(at: datetime, branch: str, orders: int, amount: int) -> Fact:
        return Fact(int(at.timestamp()) // QUARTER, "Asia/Shanghai", (branch,),
                    {"orders": orders, "amount": amount})
    facts = [
        fact(datetime(2025, 3, 2, 15, 59, tzinfo=UTC), "BJ", 1, 100),  # Sunday 23:59 local
        fact(datetime(2025, 3, 2, 16, 0, tzinfo=UTC), "BJ", 1, 100),  # Monday 00:00 local
        fact(datetime(2025, 3, 3, 2, 0, tzinfo=UTC), "SH", 3, 900),
    ]
    query = ReportQuery(date(2025, 3, 3), date(2025, 3, 9), Grouping.WEEK)
    table = roll_up("t", query, [Column("branch", ColumnKind.TEXT)], [
        Figure(Column("orders", ColumnKind.COUNT), total("orders")),
        Figure(Column("average", ColumnKind.MONEY), ratio("amount", "orders"))], facts)
    assert [(r["branch"], r["orders"], str(r["average"])) for r in table.rows] == [
        ("BJ", 1, "100.00"), ("SH", 3, "300.00")]
    assert table.totals["orders"] == 4 and str(table.totals["average"]) == "250.00"  # 1000/4
    assert table.by_period == [{"period": "2025-03-03", "orders": 4,
                                "average": table.totals["average"]}]
    assert [c.key for c in table.columns] == ["period", "branch", "orders", "average"]


def test_every_column_and_report_has_its_words_in_both_languages():
    words = dictionary()
    missing = [key for name, about in ABOUT.items() for key in (
        f"report.{name}", *(f"column.{c.key}" for c in about.columns or ()))
        if key not in words or not all(words[key])]
    missing += [f"grouping.{g}" for g in Grouping if f"grouping.{g}" not in words]
    missing += [f"column.{k}" for k in ("period", "cycle") if f"column.{k}" not in words]
    assert not missing, missing
    assert set(ABOUT) == set(REPORTS)


def test_a_week_starts_on_monday():
    sunday = datetime(2026, 12, 6, 12, tzinfo=UTC)
    assert period_of(sunday, Grouping.WEEK) == (sunday.date() - timedelta(days=6)).isoformat()
