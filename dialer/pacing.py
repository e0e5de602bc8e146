"""How many calls to dial now: pure code, fed what the dialer sees of its agents and the calls
it has in flight, returning a number. The same pacers run on the PBX and in the simulator.

- Preview: the agent asks for each call; the pacer dials nothing by itself.
- Progressive: one call per free agent, never more.
- Predictive: as many calls as keep the expected share of abandoned answers (a live answer with
  no agent free within the grace time) at the campaign's target, from what it has learned of
  answer rates, answer delays and talk times, and corrected by the abandons it has really had.
- Ratio: VICIdial's ADAPT_HARD_LIMIT as publicly described (a dial level times the agents
  waiting, raised while agents wait, back to 1 once the day's drop rate reaches the limit), to
  compare against.
"""
import bisect
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum


HORIZONS = (2.0, 4.0, 6.0, 9.0, 13.0, 18.0)  # seconds ahead at which answers meet agents


class AgentPhase(StrEnum):
    FREE = "free"
    TALK = "talk"
    WRAP = "wrap"
    CLAIMED = "claimed"  # reserved for an answered call being connected


@dataclass(frozen=True, slots=True)
class AgentView:
    phase: AgentPhase
    elapsed: float  # seconds in that phase


@dataclass(frozen=True, slots=True)
class PacingView:
    now: float
    agents: Sequence[AgentView]  # the agents logged in to the campaign
    ringing: Sequence[float]  # seconds each call in flight has been ringing
    wrap_seconds: float
    ring_seconds: float  # the campaign's ring time before no-answer
    max_lines_per_agent: float = 3.0
    free_trunks: int = 10**6
    waiting: int = 0  # live answers waiting for an agent now

    @property
    def free_agents(self) -> int:
        return sum(a.phase == AgentPhase.FREE for a in self.agents)

    def cap(self) -> int:
        """Calls that may be added now: the lines-per-agent and trunk limits."""
        lines = math.floor(self.max_lines_per_agent * len(self.agents)) - len(self.ringing)
        return max(0, min(lines, self.free_trunks))


class Pacer:
    name = "pacer"

    def dials(self, view: PacingView) -> int:
        raise NotImplementedError

    # what happened, for the pacers that learn; each called once per outcome
    def answered(self, live: bool, after: float) -> None:
        pass

    def unanswered(self, after: float) -> None:
        pass

    def talked(self, seconds: float) -> None:
        pass

    def abandoned(self) -> None:
        pass

    def connected(self) -> None:
        pass


class Preview(Pacer):
    name = "preview"

    def dials(self, view: PacingView) -> int:
        return 0


class Progressive(Pacer):
    name = "progressive"

    def dials(self, view: PacingView) -> int:
        return max(0, min(view.free_agents - len(view.ringing), view.cap()))


class Ratio(Pacer):
    """VICIdial's adaptive dial level with ADAPT_HARD_LIMIT, as its documentation describes it:
    every interval the level rises while agents wait and falls while calls wait; once the day's
    drop rate reaches the limit the level goes back to 1.0 until it is below again."""

    name = "ratio"

    def __init__(self, drop_limit: float = 0.03, interval: float = 15.0, step: float = 0.1,
                 max_level: float = 3.0) -> None:
        self.drop_limit, self.interval, self.step, self.max_level = (
            drop_limit, interval, step, max_level)
        self.level = 1.0
        self.next_adjust = 0.0
        self.live = self.drops = 0

    def answered(self, live: bool, after: float) -> None:
        self.live += live

    def abandoned(self) -> None:
        self.drops += 1

    def dials(self, view: PacingView) -> int:
        if view.now >= self.next_adjust:
            self.next_adjust = view.now + self.interval
            if self.live and self.drops / self.live >= self.drop_limit:
                self.level = 1.0
            elif view.free_agents > 0:
                self.level = min(self.max_level, self.level + self.step)
            else:
                self.level = max(1.0, self.level - self.step / 2)
        wanted = math.floor(self.level * view.free_agents) - len(view.ringing)
        return max(0, min(wanted, view.cap()))


@dataclass
class Learned:
    """What the predictive pacer has seen: answers and their delays, talk times."""

    prior_live: float = 0.25
    prior_weight: float = 20.0
    dialed: int = 0
    live: int = 0
    answer_delays: list[float] = field(default_factory=list)  # sorted, live answers only
    talks: list[float] = field(default_factory=list)  # sorted
    window: int = 2000

    def p_live(self) -> float:
        return (self.live + self.prior_live * self.prior_weight) / (self.dialed
                                                                    + self.prior_weight)

    def add_sorted(self, values: list[float], x: float) -> None:
        bisect.insort(values, x)
        if len(values) > self.window:  # forget one at random-ish: keeps the shape
            values.pop(len(values) // 2 if len(values) % 2 else 0)

    @staticmethod
    def cdf(values: list[float], x: float, default: float) -> float:
        if not values:
            return default
        return bisect.bisect_right(values, x) / len(values)


class Predictive(Pacer):
    """Chooses the largest number of new calls for which, at several points ahead, the
    expected excess of live answers over the agents free by then (plus the grace time) stays
    within the aimed share of the answers. Answers and freed agents are sums of independent
    chances from what it has learned (the share of live answers, when they come, how long
    agents talk), taken as normal: E[(answers - free)+] has a closed form. The aim sits below
    the target and drops far below it while the day's or the recent abandon rate is over."""

    name = "predictive"

    def __init__(self, target: float = 0.03, grace: float = 2.0, safety: float = 0.2,
                 talk_mean_prior: float = 120.0) -> None:
        self.target, self.grace, self.safety = target, grace, safety
        self.talk_mean_prior = talk_mean_prior
        self.seen = Learned()
        self.live_today = self.abandoned_today = 0
        self.recent: deque[bool] = deque(maxlen=300)  # live answers: abandoned or not

    def answered(self, live: bool, after: float) -> None:
        self.seen.dialed += 1
        if live:
            self.seen.live += 1
            self.live_today += 1
            self.seen.add_sorted(self.seen.answer_delays, after)

    def unanswered(self, after: float) -> None:
        self.seen.dialed += 1

    def talked(self, seconds: float) -> None:
        self.seen.add_sorted(self.seen.talks, seconds)

    def abandoned(self) -> None:
        self.abandoned_today += 1
        self.recent.append(True)

    def connected(self) -> None:
        self.recent.append(False)

    def new_day(self) -> None:
        self.live_today = self.abandoned_today = 0

    def aim(self) -> float:
        """The model's abandon share to allow now: `safety` of the target while the day's and
        the recent rates run at 70 % of it, more below that, quickly less above."""
        today = self.abandoned_today / self.live_today if self.live_today >= 30 else 0.0
        recent = sum(self.recent) / len(self.recent) if len(self.recent) >= 30 else 0.0
        over = max(today, recent) / self.target
        return self.target * self.safety * max(0.02, min(1.5, 1.0 - 2.0 * (over - 0.7)))

    def _answer_within(self, rang: float, horizon: float, ring: float) -> float:
        """Chance that a call that has rung `rang` seconds is answered live within `horizon`."""
        p = self.seen.p_live()
        delays = self.seen.answer_delays
        f = lambda t: Learned.cdf(delays, t, min(1.0, t / 10.0))  # noqa: E731
        still = 1.0 - p * f(rang)
        if rang >= ring or still <= 0:
            return 0.0
        return max(0.0, p * (f(min(ring, rang + horizon)) - f(rang)) / still)

    def _free_within(self, agent: AgentView, horizon: float, wrap: float) -> float:
        if agent.phase == AgentPhase.FREE:
            return 1.0
        if agent.phase == AgentPhase.CLAIMED:
            return 0.0
        if agent.phase == AgentPhase.WRAP:
            return 1.0 if wrap - agent.elapsed <= horizon else 0.0
        talks = self.seen.talks
        if len(talks) < 20:  # exponential with the prior mean until there is data
            return 1.0 - math.exp(-max(0.0, horizon - wrap) / self.talk_mean_prior)
        before = Learned.cdf(talks, agent.elapsed, 0.0)
        if before >= 1.0:
            return 1.0
        done = Learned.cdf(talks, agent.elapsed + max(0.0, horizon - wrap), 0.0)
        return max(0.0, (done - before) / (1.0 - before))

    def dials(self, view: PacingView) -> int:
        cap = view.cap()
        if cap <= 0 or not view.agents:
            return 0
        aim = self.aim()
        return min(self._most_within(view, horizon, aim, cap)
                   for horizon in HORIZONS if horizon < view.ring_seconds)

    def _most_within(self, view: PacingView, horizon: float, aim: float, cap: int) -> int:
        """The largest n for which E[(answers by `horizon` - agents free by horizon + grace)+]
        stays within `aim` of the answers expected."""
        agents = [self._free_within(a, horizon + self.grace, view.wrap_seconds)
                  for a in view.agents]
        mu_f = sum(agents) - view.waiting
        var_f = sum(q * (1 - q) for q in agents)
        ring = [self._answer_within(r, horizon, view.ring_seconds) for r in view.ringing]
        mu_r = sum(ring)
        var_r = sum(q * (1 - q) for q in ring)
        q_new = self._answer_within(0.0, horizon, view.ring_seconds)
        lo, hi = 0, cap
        while lo < hi:  # g(n) = excess - aim * answers is convex in n: [0, n*] is allowed
            n = (lo + hi + 1) // 2
            mu_l = mu_r + n * q_new
            var_l = var_r + n * q_new * (1 - q_new)
            if _excess(mu_l - mu_f, var_l + var_f) <= aim * max(mu_l, 1e-9):
                lo = n
            else:
                hi = n - 1
        return lo


def _excess(mu: float, var: float) -> float:
    """E[max(X, 0)] for X normal(mu, var)."""
    if var <= 1e-12:
        return max(mu, 0.0)
    sigma = math.sqrt(var)
    z = mu / sigma
    return sigma * math.exp(-z * z / 2) / math.sqrt(2 * math.pi) + mu * 0.5 * (
        1 + math.erf(z / math.sqrt(2)))
