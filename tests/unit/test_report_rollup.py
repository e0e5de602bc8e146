"""A report's table as pure code: derived figures come from the sums at each level (a row, a
period, the range), not from averaging averages. And every column of every registered report
has its words in both languages for the exports (i18n.js's report blocks)."""
from services.reports.grouping import Figure, counted, share, summed, table
from services.reports.query import Column, ColumnKind, Grouping
from services.reports.registry import ABOUT, REPORTS
from services.reports.words import dictionary


def test_a_table_s_averages_come_from_its_sums_at_every_level():
    groups = [("2025-03-03", ("BJ",), {"orders": 1, "amount": 100}),
              ("2025-03-03", ("BJ",), {"orders": 0, "amount": 0}),  # a fact of another key
              ("2025-03-03", ("SH",), {"orders": 3, "amount": 900}),
              ("2025-03-10", ("SH",), {"orders": 1, "amount": 50, "retailers": {7}})]
    report = table("t", [Column("branch", ColumnKind.TEXT)], [
        Figure(Column("orders", ColumnKind.COUNT), summed("orders")),
        Figure(Column("average", ColumnKind.MONEY), share("amount", "orders")),
        Figure(Column("retailers", ColumnKind.COUNT), counted("retailers"))], groups)
    assert [(r["period"], r["branch"], r["orders"], str(r["average"])) for r in report.rows] == [
        ("2025-03-03", "BJ", 1, "100.00"), ("2025-03-03", "SH", 3, "300.00"),
        ("2025-03-10", "SH", 1, "50.00")]
    assert report.totals["orders"] == 5 and str(report.totals["average"]) == "210.00"  # 1050/5
    assert [(p["period"], str(p["average"])) for p in report.by_period] == [
        ("2025-03-03", "250.00"), ("2025-03-10", "50.00")]
    assert [c.key for c in report.columns] == ["period", "branch", "orders", "average",
                                               "retailers"]


def test_every_column_and_report_has_its_words_in_both_languages():
    words = dictionary()
    missing = [key for name, about in ABOUT.items() for key in (
        f"report.{name}", *(f"column.{c.key}" for c in about.columns or ()))
        if key not in words or not all(words[key])]
    missing += [f"grouping.{g}" for g in Grouping if f"grouping.{g}" not in words]
    missing += [f"column.{k}" for k in ("period", "cycle") if f"column.{k}" not in words]
    assert not missing, missing
    assert set(ABOUT) == set(REPORTS)

