"""The quality score as pure code: the weighted total, and each broken rule named with its field."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.quality import (
    Criterion,
    Item,
    form_refusals,
    one_decimal,
    score_refusals,
    weighted_total,
)

# greeting 1 x 5 points, solution 3 x 10 points, closing 1 x 2 points
FORM = [Criterion(1, "问候", 1, 5), Criterion(2, "解决问题", 3, 10), Criterion(3, "结束语", 1, 2)]


def total(*points: int) -> Decimal:
    return weighted_total(FORM, {c.id: p for c, p in zip(FORM, points)})


@pytest.mark.parametrize("points, expected", [
    ((5, 10, 2), "100.0"),
    ((0, 0, 0), "0.0"),
    ((5, 0, 2), "40.0"),  # (1 + 0 + 1) / 5
    ((0, 10, 0), "60.0"),
    ((4, 7, 1), "68.0"),  # (0.8 + 2.1 + 0.5) / 5
    ((1, 0, 0), "4.0"),
])
def test_the_total_is_the_weighted_percentage(points, expected):
    assert total(*points) == Decimal(expected)


def test_the_total_is_rounded_half_up_to_one_decimal():
    thirds = [Criterion(1, "a", 1, 3)]
    assert weighted_total(thirds, {1: 1}) == Decimal("33.3")
    assert weighted_total(thirds, {1: 2}) == Decimal("66.7")
    eighths = [Criterion(1, "a", 1, 8)]  # 1/8 = 12.5 %, 1/80 of a point: exactly a half tenth
    assert weighted_total([*eighths, Criterion(2, "b", 9, 1)], {1: 1, 2: 0}) == Decimal("1.3")
    assert str(weighted_total(thirds, {1: 3})) == "100.0"


def test_averages_round_half_up():
    assert one_decimal(83.25) == 83.3 and one_decimal(Decimal("83.25")) == 83.3
    assert one_decimal(70 / 3) == 23.3 and one_decimal(None) is None


criteria = st.lists(st.tuples(st.integers(1, 100), st.integers(1, 100)), min_size=1, max_size=30)


@given(criteria, st.data())
def test_the_total_is_always_a_percentage(shape, data):
    form = [Criterion(i, f"c{i}", w, m) for i, (w, m) in enumerate(shape)]
    points = {c.id: data.draw(st.integers(0, c.max_points)) for c in form}
    assert Decimal(0) <= weighted_total(form, points) <= Decimal(100)
    assert weighted_total(form, {c.id: c.max_points for c in form}) == Decimal(100)
    assert weighted_total(form, {c.id: 0 for c in form}) == Decimal(0)


def broken(items, active=True, has_agent=True, recorded=True) -> list[tuple[str, tuple]]:
    return [(v.rule, v.loc) for v in score_refusals([Item(*i) for i in items], FORM, active,
                                                    has_agent, recorded)]


def test_only_a_recorded_call_of_an_agent_is_scored():
    full = [(1, 5), (2, 10), (3, 2)]
    assert broken(full, recorded=False) == [("call_recorded", ("body", "call_id"))]
    assert broken(full, has_agent=False, recorded=False) == [
        ("call_has_agent", ("body", "call_id"))]


@pytest.mark.parametrize("items, expected", [
    ([(1, 5), (2, 10), (3, 2)], []),
    ([(3, 0), (1, 0), (2, 0)], []),  # any order
    ([(1, 6), (2, 10), (3, 2)], [("points_in_range", ("body", "items", 0, "points"))]),
    ([(1, 5), (2, -1), (3, 2)], [("points_in_range", ("body", "items", 1, "points"))]),
    ([(1, 5), (2, 10)], [("criterion_scored", ("body", "items"))]),
    ([], [("criterion_scored", ("body", "items"))]),
    ([(1, 5), (2, 10), (3, 2), (9, 1)], [("criterion_known", ("body", "items", 3,
                                                               "criterion_id"))]),
    ([(1, 5), (1, 4), (2, 10), (3, 2)], [("criterion_once", ("body", "items", 1,
                                                              "criterion_id"))]),
    ([(9, 1), (2, 11), (3, 2)], [("criterion_known", ("body", "items", 0, "criterion_id")),
                                 ("points_in_range", ("body", "items", 1, "points")),
                                 ("criterion_scored", ("body", "items"))]),
])
def test_each_rule_is_named_with_its_item(items, expected):
    assert broken(items) == expected


def test_a_retired_form_and_a_call_without_agent_are_refused():
    full = [(1, 5), (2, 10), (3, 2)]
    assert broken(full, active=False) == [("form_active", ("body", "form_id"))]
    assert broken(full, has_agent=False) == [("call_has_agent", ("body", "call_id"))]
    assert broken([], active=False, has_agent=False) == [
        ("call_has_agent", ("body", "call_id")), ("form_active", ("body", "form_id")),
        ("criterion_scored", ("body", "items"))]


def test_criterion_names_are_distinct_on_a_form():
    assert form_refusals(["问候", "解决问题"]) == []
    assert [(v.rule, v.loc) for v in form_refusals(["问候", "解决问题", "问候"])] == [
        ("criterion_name_once", ("body", "criteria", 2, "name"))]
