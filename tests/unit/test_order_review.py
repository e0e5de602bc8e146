"""The order review rules as pure code, table-driven: each broken rule is named with its field;
the limits count what the retailer's ordering cycle holds already."""
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from models import OrderStatus, RetailerStatus
from models.ordering_cycle import cycle_at
from services.ordering import Facts, Limit, Line, review, transition_refused

FACTS = Facts(RetailerStatus.ACTIVE, active_products={1: "中华", 2: "玉溪", 3: "利群"},
              on_supply=frozenset({1, 2}), limits={1: Limit(2, 10), 2: Limit(0, 5)})


def broken(lines, facts=FACTS) -> list[tuple[str, tuple]]:
    return [(v.rule, v.loc) for v in review([Line(*x) for x in lines], facts)]


@pytest.mark.parametrize("lines, expected", [
    ([(1, 2), (2, 5)], []),
    ([(1, 10)], []),
    ([(1, 1)], [("retailer_lower_limit", ("body", "lines", 0, "quantity"))]),
    ([(1, 11)], [("retailer_upper_limit", ("body", "lines", 0, "quantity"))]),
    ([(3, 1)], [("product_on_supply", ("body", "lines", 0, "product_id"))]),
    ([(9, 1)], [("product_active", ("body", "lines", 0, "product_id"))]),
    ([(2, 1), (2, 1)], [("product_once", ("body", "lines", 1, "product_id"))]),
    ([(2, 6), (3, 1), (1, 1)], [("retailer_upper_limit", ("body", "lines", 0, "quantity")),
                                ("product_on_supply", ("body", "lines", 1, "product_id")),
                                ("retailer_lower_limit", ("body", "lines", 2, "quantity"))]),
])
def test_each_rule_is_named_with_its_line(lines, expected):
    assert broken(lines) == expected


def test_a_product_without_a_limit_row_has_no_limit():
    facts = Facts(RetailerStatus.ACTIVE, {4: "云烟"}, frozenset({4}), {})
    assert broken([(4, 99_999)], facts) == []


@pytest.mark.parametrize("status", [RetailerStatus.SUSPENDED, RetailerStatus.CLOSED])
def test_a_retailer_who_is_not_active_may_not_order(status):
    facts = Facts(status, FACTS.active_products, FACTS.on_supply, FACTS.limits)
    assert broken([(1, 2)], facts) == [("retailer_active", ("body", "retailer_id"))]


@pytest.mark.parametrize("current, wanted, allowed", [
    (OrderStatus.ACCEPTED, OrderStatus.DELIVERED, True),
    (OrderStatus.ACCEPTED, OrderStatus.CANCELLED, True),
    (OrderStatus.SUBMITTED, OrderStatus.REJECTED, True),
    (OrderStatus.DELIVERED, OrderStatus.CANCELLED, False),
    (OrderStatus.CANCELLED, OrderStatus.ACCEPTED, False),
    (OrderStatus.ACCEPTED, OrderStatus.SUBMITTED, False),
])
def test_status_transitions(current, wanted, allowed):
    refused = transition_refused(current, wanted)
    assert (refused is None) == allowed
    if refused is not None:
        assert refused.rule == "status_transition" and refused.loc == ("body", "status")


def test_a_limit_rule_carries_its_limit_for_the_readers_words():
    upper, = review([Line(1, 11)], FACTS)
    assert upper.said() == {
        "loc": ["body", "lines", 0, "quantity"], "type": "rule.retailer_upper_limit",
        "msg": "中华: at most 10 in the ordering cycle for this retailer (0 ordered, 10 left)",
        "ctx": {"limit": 10, "product": "中华", "ordered": 0, "allowance": 10}}
    lower, = review([Line(1, 1)], FACTS)
    assert lower.ctx == {"limit": 2, "product": "中华", "ordered": 0, "allowance": 10}
    on_supply, = review([Line(3, 1)], FACTS)
    assert "ctx" not in on_supply.said()  # a rule without values says none


CYCLE = cycle_at(datetime(2026, 12, 9, 2, 0, tzinfo=UTC), 0, "Asia/Shanghai")


@pytest.mark.parametrize("ordered, lines, expected", [
    ({1: 6}, [(1, 4)], []),  # 10 in the cycle: the upper limit reached, not passed
    ({1: 6}, [(1, 5)], [("retailer_upper_limit", ("body", "lines", 0, "quantity"))]),
    ({1: 10}, [(1, 1)], [("retailer_upper_limit", ("body", "lines", 0, "quantity"))]),
    ({1: 1}, [(1, 1)], []),  # the lower limit of 2 reached by the cycle's total
    ({1: 2}, [(1, 1)], []),  # a top-up once the cycle holds the lower limit
    ({2: 5}, [(1, 2)], []),  # another product's orders do not count
])
def test_the_limits_hold_over_what_the_cycle_holds_already(ordered, lines, expected):
    assert broken(lines, replace(FACTS, ordered=ordered, cycle=CYCLE)) == expected


def test_a_refusal_in_a_cycle_says_what_was_ordered_what_is_left_and_the_cycles_days():
    upper, = review([Line(1, 5)], replace(FACTS, ordered={1: 7}, cycle=CYCLE))
    assert upper.ctx == {"limit": 10, "product": "中华", "ordered": 7, "allowance": 3,
                         "cycle_start": "2026-12-07", "cycle_end": "2026-12-13"}
