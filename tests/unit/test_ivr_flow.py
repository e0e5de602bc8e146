"""The IVR flow as a table: (context, inputs) -> (prompts, state, request or decision)."""
from datetime import date
from decimal import Decimal

import pytest

from ivr.flow import (
    Allowance,
    CallContext,
    CardResult,
    CheckPin,
    Collect,
    Digits,
    FetchOrders,
    Hangup,
    IvrFlow,
    LookupCard,
    OrderLine,
    OrdersResult,
    PinOutcome,
    PinResult,
    Recorded,
    RecordMessage,
    Retailer,
    Route,
    State,
    Timeout,
)

MENU = (("order", "1"), ("complaint", "2"), ("consultation", "3"), ("logistics", "4"),
        ("self_service", "5"), ("operator", "0"))
BJ = Retailer(id=1, card_number="110100001", branch_id=2, branch_code="BJ")
NO_BRANCH = Retailer(id=6, card_number="990000001", branch_id=None, branch_code=None)
LOCKED = Retailer(id=3, card_number="110100003", branch_id=2, branch_code="BJ", locked=True)
ORDERS = (OrderLine(date(2026, 11, 20), Decimal("1234.50"), "delivered"),)
OPEN = frozenset({"HQ", "BJ", "SH"})


def ctx(**kw) -> CallContext:
    return CallContext(**({"caller_number": "13800010001", "menu": MENU, "open_branches": OPEN,
                           "hq_branch_id": 1} | kw))


def run(context: CallContext, inputs):
    flow = IvrFlow(context)
    step = flow.start()
    for event in inputs:
        step = flow.feed(event)
    return flow, step


ROUTES = [
    # name, context, inputs, queue, reason, retailer id, card
    ("order with a valid card", ctx(), [Digits("1"), Digits("110100001"), CardResult(BJ)],
     "BJ-order", "card", 1, "110100001"),
    ("unknown card, then a valid one", ctx(),
     [Digits("2"), Digits("1101"), CardResult(None), Digits("110100001"), CardResult(BJ)],
     "BJ-complaint", "card", 1, "110100001"),
    ("unknown card twice goes to headquarters", ctx(),
     [Digits("1"), Digits("1"), CardResult(None), Digits("22"), CardResult(None)],
     "HQ-order", "unknown card", None, "22"),
    ("operator key", ctx(), [Digits("0")], "HQ-operator", "operator key", None, None),
    ("three bad keys at the menu", ctx(), [Digits("7"), Timeout(), Digits("*")],
     "HQ-operator", "three strikes", None, None),
    ("three bad card entries keep the business type", ctx(),
     [Digits("4"), Timeout(), Digits("12*"), Timeout()], "HQ-logistics", "three strikes",
     None, None),
    ("a card of no branch", ctx(), [Digits("3"), Digits("990000001"), CardResult(NO_BRANCH)],
     "HQ-consultation", "card; card of no branch", 6, "990000001"),
    ("caller ID shortcut accepted", ctx(recognized=BJ), [Digits("1"), Digits("1")],
     "BJ-order", "card", 1, "110100001"),
    ("caller ID shortcut declined", ctx(recognized=BJ),
     [Digits("1"), Digits("2"), Digits("990000001"), CardResult(NO_BRANCH)],
     "HQ-order", "card; card of no branch", 6, "990000001"),
    ("self-service, right PIN, then an agent", ctx(),
     [Digits("5"), Digits("110100001"), CardResult(BJ), Digits("1234"), PinResult(PinOutcome.OK),
      OrdersResult(ORDERS), Digits("0")], "BJ-consultation", "asked for an agent", 1, "110100001"),
    ("self-service, PIN locked by this failure", ctx(),
     [Digits("5"), Digits("110100001"), CardResult(BJ), Digits("1111"),
      PinResult(PinOutcome.WRONG), Digits("2222"), PinResult(PinOutcome.LOCKED)],
     "BJ-consultation", "pin locked", 1, "110100001"),
    ("self-service, three silences at the PIN", ctx(),
     [Digits("5"), Digits("110100001"), CardResult(BJ), Timeout(), Timeout(), Timeout()],
     "HQ-self_service", "three strikes", 1, "110100001"),
    ("self-service on a card locked earlier", ctx(),
     [Digits("5"), Digits("110100003"), CardResult(LOCKED)],
     "BJ-consultation", "self-service refused", 3, "110100003"),
]


@pytest.mark.parametrize("name,context,inputs,queue,reason,retailer,card", ROUTES,
                         ids=[r[0] for r in ROUTES])
def test_routes(name, context, inputs, queue, reason, retailer, card):
    flow, step = run(context, inputs)
    assert step.state == State.DONE and isinstance(step.decision, Route)
    assert (step.decision.queue, step.decision.reason) == (queue, reason)
    assert (step.decision.retailer_id, step.decision.card_number) == (retailer, card)
    assert len(flow.path) == len(inputs)


STEPS = [
    # name, context, inputs, state, first prompts said, request
    ("greeting and menu", ctx(), [], State.MENU,
     ("welcome", "bt-order", "press", "digit-1"), Collect(1, 5000)),
    ("menu key asks for the card", ctx(), [Digits("1")], State.CARD, ("enter-card",),
     Collect(20, 6000)),
    ("card keyed is looked up", ctx(), [Digits("1"), Digits("110100001")], State.CARD, (),
     LookupCard("110100001")),
    ("invalid key re-prompts", ctx(), [Digits("8")], State.MENU, ("invalid-key", "bt-order"),
     Collect(1, 5000)),
    ("timeout re-prompts", ctx(), [Timeout()], State.MENU, ("no-input", "bt-order"),
     Collect(1, 5000)),
    ("unknown card once re-prompts", ctx(), [Digits("1"), Digits("9"), CardResult(None)],
     State.CARD, ("card-unknown", "enter-card"), Collect(20, 6000)),
    ("recognized caller is offered the shortcut", ctx(recognized=BJ), [Digits("1")],
     State.CONFIRM_STORE, ("confirm-store-1", "digit-0", "digit-0", "digit-0", "digit-1",
                           "confirm-store-2"), Collect(1, 5000)),
    ("bad key at the shortcut re-prompts", ctx(recognized=BJ), [Digits("1"), Digits("5")],
     State.CONFIRM_STORE, ("invalid-key", "confirm-store-1"), Collect(1, 5000)),
    ("self-service asks for the PIN", ctx(), [Digits("5"), Digits("110100001"), CardResult(BJ)],
     State.PIN, ("enter-pin",), Collect(8, 6000, secret=True)),
    ("no PIN keyed re-prompts", ctx(), [Digits("5"), Digits("1"), CardResult(BJ), Timeout()],
     State.PIN, ("no-input", "enter-pin"), Collect(8, 6000, secret=True)),
    ("PIN keyed is checked", ctx(), [Digits("5"), Digits("1"), CardResult(BJ), Digits("4321")],
     State.PIN, (), CheckPin(1, "4321")),
    ("wrong PIN re-prompts", ctx(),
     [Digits("5"), Digits("1"), CardResult(BJ), Digits("1"), PinResult(PinOutcome.WRONG)],
     State.PIN, ("pin-wrong", "enter-pin"), Collect(8, 6000, secret=True)),
    ("right PIN fetches the last three orders", ctx(),
     [Digits("5"), Digits("1"), CardResult(BJ), Digits("1234"), PinResult(PinOutcome.OK)],
     State.PIN, (), FetchOrders(1, 3)),
    ("orders are read out", ctx(),
     [Digits("5"), Digits("1"), CardResult(BJ), Digits("1234"), PinResult(PinOutcome.OK),
      OrdersResult(ORDERS)], State.ORDERS, ("orders-intro", "order-date", "digit-2"),
     Collect(1, 5000)),
    ("no orders", ctx(),
     [Digits("5"), Digits("1"), CardResult(BJ), Digits("1234"), PinResult(PinOutcome.OK),
      OrdersResult(())], State.ORDERS, ("orders-none", "self-service-menu"), Collect(1, 5000)),
    ("orders again on 1", ctx(),
     [Digits("5"), Digits("1"), CardResult(BJ), Digits("1234"), PinResult(PinOutcome.OK),
      OrdersResult(ORDERS), Digits("1")], State.ORDERS, ("orders-intro",), Collect(1, 5000)),
    ("out of hours offers voicemail", ctx(open_branches=frozenset({"HQ"})),
     [Digits("1"), Digits("110100001"), CardResult(BJ)], State.VOICEMAIL,
     ("closed", "leave-message", "beep"), RecordMessage()),
    ("headquarters closed too", ctx(open_branches=frozenset()), [Digits("0")], State.VOICEMAIL,
     ("closed",), RecordMessage()),
]


@pytest.mark.parametrize("name,context,inputs,state,said,asked", STEPS,
                         ids=[s[0] for s in STEPS])
def test_steps(name, context, inputs, state, said, asked):
    _, step = run(context, inputs)
    assert step.state == state and step.request == asked and step.decision is None
    assert step.say[:len(said)] == said


def test_language_key_switches_to_english_and_back():
    flow, step = run(ctx(), [Digits("9")])
    assert flow.language == "en" and "for-english" not in step.say
    assert step.say[:3] == ("bt-order", "press", "digit-1")
    flow.feed(Digits("9"))
    assert flow.language == "zh"


def test_english_numbers_in_the_order_readout():
    flow, step = run(ctx(language="en"), [Digits("5"), Digits("1"), CardResult(BJ),
                                          Digits("1234"), PinResult(PinOutcome.OK),
                                          OrdersResult(ORDERS)])
    assert "month-11" in step.say and "yuan" in step.say and "status-delivered" in step.say


def test_voicemail_ends_the_call_and_keeps_where_it_would_have_gone():
    flow, step = run(ctx(open_branches=frozenset({"HQ"})),
                     [Digits("2"), Digits("110100001"), CardResult(BJ), Recorded(4200)])
    assert step.decision == Hangup("voicemail left")
    assert step.say == ("message-saved", "goodbye")
    assert flow.closed_route.queue == "BJ-complaint" and flow.closed_route.retailer_id == 1
    _, silent = run(ctx(open_branches=frozenset()), [Digits("0"), Recorded(0)])
    assert silent.decision == Hangup("no message")


def test_a_silent_caller_after_self_service_hears_goodbye():
    _, step = run(ctx(), [Digits("5"), Digits("1"), CardResult(BJ), Digits("1234"),
                          PinResult(PinOutcome.OK), OrdersResult(()), Timeout(), Timeout(),
                          Timeout()])
    assert step.decision == Hangup("self-service done") and step.say == ("goodbye",)


def test_the_path_masks_the_pin_and_reads_as_a_trail():
    flow, _ = run(ctx(), [Digits("5"), Digits("110100001"), CardResult(BJ), Digits("1234"),
                          PinResult(PinOutcome.OK)])
    assert [p.keys for p in flow.path] == ["5", "110100001", "", "****", ""]
    assert "1234" not in flow.trail
    assert flow.trail.startswith("menu:5>card:110100001>card>pin:****")


def test_no_input_is_expected_once_done():
    flow, _ = run(ctx(), [Digits("0")])
    with pytest.raises(ValueError):
        flow.feed(Digits("1"))


SELF_SERVICE = [Digits("5"), Digits("110100001"), CardResult(BJ), Digits("1234"),
                PinResult(PinOutcome.OK)]
CYCLE_ENDS_ZH = ("cycle-ends", "digit-2", "digit-0", "digit-2", "digit-6", "year", "num-10",
                 "digit-2", "month", "num-10", "digit-3", "day")  # 二零二六年十二月十三日


def test_self_service_tells_the_ordering_cycle_after_the_orders_and_again_on_1():
    told = Allowance(date(2026, 12, 13), ordered=65, left=35)
    flow, step = run(ctx(), [*SELF_SERVICE, OrdersResult(ORDERS, told)])
    said = step.say[step.say.index("cycle-ordered"):]
    assert said == ("cycle-ordered", "digit-6", "num-10", "digit-5", "cartons",
                    "cycle-left", "digit-3", "num-10", "digit-5", "cartons",
                    *CYCLE_ENDS_ZH, "self-service-menu")
    assert step.say.index("cycle-ordered") > step.say.index("status-delivered")
    again = flow.feed(Digits("1"))
    assert again.say[again.say.index("cycle-ordered"):] == said


def test_self_service_with_nothing_ordered_in_the_cycle_says_so_and_when_it_ends():
    nothing = Allowance(date(2026, 12, 13), 0, None)
    _, step = run(ctx(), [*SELF_SERVICE, OrdersResult((), nothing)])
    assert step.say == ("orders-none", "cycle-nothing-ordered", *CYCLE_ENDS_ZH,
                        "self-service-menu")


def test_self_service_tells_the_cycle_in_english():
    _, step = run(ctx(language="en"), [*SELF_SERVICE, OrdersResult(ORDERS, Allowance(
        date(2026, 12, 13), ordered=50, left=0))])
    said = step.say[step.say.index("cycle-ordered"):]
    assert said == ("cycle-ordered", "num-50", "cartons", "cycle-left", "digit-0", "cartons",
                    "cycle-ends", "month-12", "num-13", "digit-2", "num-1000", "num-20",
                    "digit-6", "self-service-menu")
