"""The IVR as an explicit state machine: input in, prompts and decisions out, no I/O.

The binding (ivr/agi_app.py) plays what a Step says, performs the one thing it asks for
(collect keys, look a card up, check a PIN, fetch orders, record a message) and feeds the answer
back. Every transition is logged as `state -input-> state` and kept as the call's IVR path.
"""
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from ivr.prompts import menu_keys, say_amount, say_date, say_digits, say_number

log = logging.getLogger("hotline.ivr.flow")

MAX_STRIKES = 3
CARD_MAX_DIGITS = 20
MENU_TIMEOUT_MS = 5000
DIGITS_TIMEOUT_MS = 6000
LANGUAGE_KEY = "9"
HQ = "HQ"
OPERATOR = "operator"
SELF_SERVICE = "self_service"
CONSULTATION = "consultation"  # where a self-service caller who needs a person goes


class State(StrEnum):
    MENU = "menu"
    CONFIRM_STORE = "confirm_store"
    CARD = "card"
    PIN = "pin"
    ORDERS = "orders"
    VOICEMAIL = "voicemail"
    DONE = "done"


# -- what the flow knows and is told ----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Retailer:
    id: int
    card_number: str
    branch_id: int | None
    branch_code: str | None
    active: bool = True
    has_pin: bool = True
    locked: bool = False  # self-service locked after too many wrong PINs
    retailer_class: str | None = None  # "A".. "E": the ACD's priority


@dataclass(frozen=True, slots=True)
class OrderLine:
    day: date
    amount: Decimal
    status: str


@dataclass(frozen=True, slots=True)
class Allowance:
    """The caller's ordering cycle, told after its orders: what it ordered in it and what it may
    still order of those products (the sum, each under its upper limit)."""

    last_day: date  # of the cycle, in the branch's time zone
    ordered: int  # cartons, all its orders of the cycle
    left: int | None  # None: none of the products ordered has an upper limit (or none ordered)


@dataclass(frozen=True, slots=True)
class CallContext:
    caller_number: str
    menu: tuple[tuple[str, str], ...]  # (business type code, key), in the order spoken
    open_branches: frozenset[str]  # branch codes open now (headquarters: "HQ")
    recognized: Retailer | None = None  # the one retailer whose phone the caller ID is
    hq_branch_id: int | None = None
    language: str = "zh"
    # language -> business types with a prompt of their own (added by an administrator)
    own_prompts: Mapping[str, frozenset[str]] = field(default_factory=dict)


# Inputs
@dataclass(frozen=True, slots=True)
class Digits:
    keys: str


@dataclass(frozen=True, slots=True)
class Timeout:
    pass


@dataclass(frozen=True, slots=True)
class CardResult:
    retailer: Retailer | None


class PinOutcome(StrEnum):
    OK = "ok"
    WRONG = "wrong_pin"
    LOCKED = "locked"  # locked before, or by this failure


@dataclass(frozen=True, slots=True)
class PinResult:
    outcome: PinOutcome


@dataclass(frozen=True, slots=True)
class OrdersResult:
    orders: tuple[OrderLine, ...]
    allowance: Allowance | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    duration_ms: int


Input = Digits | Timeout | CardResult | PinResult | OrdersResult | Recorded


# Requests the binding performs
@dataclass(frozen=True, slots=True)
class Collect:
    max_digits: int
    timeout_ms: int
    secret: bool = False  # a PIN: never logged or stored as keyed


@dataclass(frozen=True, slots=True)
class LookupCard:
    card_number: str


@dataclass(frozen=True, slots=True)
class CheckPin:
    retailer_id: int
    pin: str


@dataclass(frozen=True, slots=True)
class FetchOrders:
    retailer_id: int
    limit: int = 3


@dataclass(frozen=True, slots=True)
class RecordMessage:
    max_seconds: int = 120


# Decisions
@dataclass(frozen=True, slots=True)
class Route:
    """Hand the call to the ACD: the queue and the routing facts set on the channel."""

    queue: str
    business_type: str
    reason: str
    branch_id: int | None = None
    retailer_id: int | None = None
    card_number: str | None = None
    retailer_class: str | None = None


@dataclass(frozen=True, slots=True)
class Hangup:
    reason: str


Request = Collect | LookupCard | CheckPin | FetchOrders | RecordMessage
Decision = Route | Hangup


@dataclass(frozen=True, slots=True)
class Step:
    state: State
    say: tuple[str, ...] = ()
    request: Request | None = None
    decision: Decision | None = None


@dataclass(frozen=True, slots=True)
class PathEntry:
    seq: int
    state: str
    keys: str
    result: str


# -- the machine ------------------------------------------------------------------------------

@dataclass
class IvrFlow:
    ctx: CallContext
    language: str = ""
    state: State = State.MENU
    business_type: str | None = None
    retailer: Retailer | None = None
    card_attempts: int = 0
    strikes: int = 0
    card_entered: str | None = None
    closed_route: Route | None = None  # where the call would have gone, kept with a voicemail
    orders: tuple[OrderLine, ...] = ()
    allowance: Allowance | None = None
    path: list[PathEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.language = self.language or self.ctx.language

    # public ---------------------------------------------------------------------------------

    def start(self) -> Step:
        return self._ask_menu(("welcome",))

    def feed(self, event: Input) -> Step:
        before = self.state
        step = self._dispatch(event)
        self._note(before, event)
        log.debug("%s -%s-> %s", before, type(event).__name__, step.state)
        return step

    @property
    def trail(self) -> str:
        """The path in a few characters, for the channel: `menu:1>card:110100001>route`."""
        return ">".join(f"{p.state}:{p.keys}" if p.keys else p.state for p in self.path)

    # transitions ----------------------------------------------------------------------------

    def _dispatch(self, event: Input) -> Step:
        handler = {
            State.MENU: self._on_menu, State.CONFIRM_STORE: self._on_confirm,
            State.CARD: self._on_card, State.PIN: self._on_pin, State.ORDERS: self._on_orders,
            State.VOICEMAIL: self._on_voicemail,
        }.get(self.state)
        if handler is None:
            raise ValueError(f"no input expected in state {self.state}")
        return handler(event)

    def _on_menu(self, event: Input) -> Step:
        if isinstance(event, Digits) and event.keys == LANGUAGE_KEY:
            self.language = "en" if self.language == "zh" else "zh"
            self.strikes = 0
            return self._ask_menu()
        choice = {key: code for code, key in self.ctx.menu}.get(_digits(event))
        if choice is None:
            return self._strike(event, self._ask_menu)
        self.business_type, self.strikes = choice, 0
        if choice == OPERATOR:
            return self._route(HQ, "operator key", ("to-operator",))
        if self.ctx.recognized is not None:
            return self._ask_confirm()
        return self._ask_card()

    def _on_confirm(self, event: Input) -> Step:
        keys = _digits(event)
        if keys == "1":
            self.strikes = 0
            return self._with_retailer(self.ctx.recognized)
        if keys == "2":
            self.strikes = 0
            return self._ask_card()
        return self._strike(event, self._ask_confirm)

    def _on_card(self, event: Input) -> Step:
        if isinstance(event, CardResult):
            if event.retailer is not None:
                return self._with_retailer(event.retailer)
            if self.card_attempts < 2:
                return self._ask_card(("card-unknown",))
            return self._route(HQ, "unknown card", ("card-unknown", "transfer"))
        keys = _digits(event)
        if not keys or not keys.isdigit():
            return self._strike(event, self._ask_card)
        self.strikes = 0
        self.card_attempts += 1
        self.card_entered = keys
        return Step(State.CARD, request=LookupCard(keys))

    def _on_pin(self, event: Input) -> Step:
        assert self.retailer is not None
        if isinstance(event, PinResult):
            if event.outcome == PinOutcome.OK:
                return Step(State.PIN, request=FetchOrders(self.retailer.id))
            if event.outcome == PinOutcome.LOCKED:
                return self._route_retailer(CONSULTATION, "pin locked", ("pin-locked",))
            return self._ask_pin(("pin-wrong",))
        if isinstance(event, OrdersResult):
            self.orders, self.allowance = event.orders, event.allowance
            self.state = State.ORDERS
            return self._ask_orders_menu(self._speak_orders())
        keys = _digits(event)
        if not keys or not keys.isdigit():
            return self._strike(event, self._ask_pin)
        self.strikes = 0
        return Step(State.PIN, request=CheckPin(self.retailer.id, keys))

    def _on_orders(self, event: Input) -> Step:
        keys = _digits(event)
        if keys == "1":
            self.strikes = 0
            return self._ask_orders_menu(self._speak_orders())
        if keys == "0":
            return self._route_retailer(CONSULTATION, "asked for an agent", ("transfer",))
        self.strikes += 1
        if self.strikes >= MAX_STRIKES:  # the caller was served: a quiet goodbye, not a queue
            return self._finish(Hangup("self-service done"), ("goodbye",))
        return self._ask_orders_menu(("invalid-key",) if keys else ())

    def _on_voicemail(self, event: Input) -> Step:
        if isinstance(event, Recorded) and event.duration_ms > 0:
            return self._finish(Hangup("voicemail left"), ("message-saved", "goodbye"))
        return self._finish(Hangup("no message"), ("goodbye",))

    # helpers --------------------------------------------------------------------------------

    def _with_retailer(self, retailer: Retailer | None) -> Step:
        assert retailer is not None
        self.retailer = retailer
        if self.business_type == SELF_SERVICE:
            if retailer.locked or not retailer.has_pin or not retailer.active:
                return self._route_retailer(CONSULTATION, "self-service refused", ("pin-locked",))
            return self._ask_pin()
        return self._route_retailer(self.business_type or OPERATOR, "card", ("transfer",))

    def _route_retailer(self, business_type: str, reason: str, say: tuple[str, ...]) -> Step:
        branch = self.retailer.branch_code if self.retailer else None
        if branch is None:
            return self._route(HQ, f"{reason}; card of no branch", say, business_type)
        return self._route(branch, reason, say, business_type)

    def _route(self, branch: str, reason: str, say: tuple[str, ...],
               business_type: str | None = None) -> Step:
        bt = business_type or self.business_type or OPERATOR
        r = self.retailer
        branch_id = (r.branch_id if r and branch != HQ else self.ctx.hq_branch_id)
        route = Route(queue=f"{branch}-{bt}", business_type=bt, reason=reason,
                      branch_id=branch_id, retailer_id=r.id if r else None,
                      card_number=r.card_number if r else self.card_entered,
                      retailer_class=r.retailer_class if r else None)
        if branch not in self.ctx.open_branches:
            self.state, self.closed_route = State.VOICEMAIL, route
            return Step(State.VOICEMAIL, say=("closed", "leave-message", "beep"),
                        request=RecordMessage())
        return self._finish(route, say)

    def _finish(self, decision: Decision, say: tuple[str, ...] = ()) -> Step:
        self.state = State.DONE
        return Step(State.DONE, say=say, decision=decision)

    def _strike(self, event: Input, ask: Callable[[tuple[str, ...]], Step]) -> Step:
        self.strikes += 1
        if self.strikes >= MAX_STRIKES:
            return self._route(HQ, "three strikes", ("to-operator",))
        return ask(("no-input",) if isinstance(event, Timeout) else ("invalid-key",))

    def _ask(self, state: State, say: tuple[str, ...], collect: Collect) -> Step:
        self.state = state
        return Step(state, say=say, request=collect)

    def _ask_menu(self, before: tuple[str, ...] = ()) -> Step:
        menu = tuple(menu_keys(self.ctx.menu, self.language,
                                self.ctx.own_prompts.get(self.language, frozenset())))
        extra = ("for-english",) if self.language == "zh" else ()
        return self._ask(State.MENU, before + menu + extra, Collect(1, MENU_TIMEOUT_MS))

    def _ask_confirm(self, before: tuple[str, ...] = ()) -> Step:
        r = self.ctx.recognized
        assert r is not None
        say = before + ("confirm-store-1", *say_digits(r.card_number[-4:], self.language),
                        "confirm-store-2")
        return self._ask(State.CONFIRM_STORE, say, Collect(1, MENU_TIMEOUT_MS))

    def _ask_card(self, before: tuple[str, ...] = ()) -> Step:
        return self._ask(State.CARD, before + ("enter-card",),
                         Collect(CARD_MAX_DIGITS, DIGITS_TIMEOUT_MS))

    def _ask_pin(self, before: tuple[str, ...] = ()) -> Step:
        return self._ask(State.PIN, before + ("enter-pin",), Collect(8, DIGITS_TIMEOUT_MS, True))

    def _ask_orders_menu(self, before: tuple[str, ...] = ()) -> Step:
        return self._ask(State.ORDERS, before + ("self-service-menu",), Collect(1, MENU_TIMEOUT_MS))

    def _speak_orders(self) -> tuple[str, ...]:
        lang = self.language
        say = ["orders-intro"] if self.orders else ["orders-none"]
        for order in self.orders:
            say += ["order-date", *say_date(order.day, lang), "order-amount",
                    *say_amount(order.amount, lang), "order-status", f"status-{order.status}"]
        return (*say, *self._speak_allowance())

    def _speak_allowance(self) -> tuple[str, ...]:
        a, lang = self.allowance, self.language
        if a is None:
            return ()
        say = (["cycle-ordered", *say_number(a.ordered, lang), "cartons"] if a.ordered
               else ["cycle-nothing-ordered"])
        if a.left is not None:
            say += ["cycle-left", *say_number(a.left, lang), "cartons"]
        return (*say, "cycle-ends", *say_date(a.last_day, lang))

    def _note(self, state: State, event: Input) -> None:
        if isinstance(event, Digits):
            keys, result = event.keys, "keys"
            if state == State.PIN:
                keys = "*" * len(keys)  # a PIN never leaves the flow
        elif isinstance(event, Timeout):
            keys, result = "", "timeout"
        else:
            keys, result = "", type(event).__name__
        self.path.append(PathEntry(len(self.path) + 1, str(state), keys, result))


def _digits(event: Input) -> str:
    return event.keys if isinstance(event, Digits) else ""
