"""How many calls to dial now: pure code, fed what the dialer sees of its agents and the calls
it has in flight, returning a number. The same pacers run on the PBX and in the simulator.

- Preview: the agent asks for each call; the pacer dials nothing by itself.
- Progressive: one call per free agent, never more.
- Predictive: adds calls while each adds, in expected abandons (live answers with no agent
  free within the grace time), at most an aimed share of its own live answer; from what it has
  learned of how ringing calls end and how long agents talk (the last minutes weigh most), the
  aim steered by the abandons it has really had, braked by the rate of the day and the last
  24 hours, and by the abandons that any 30 minutes around now can still afford (counts, not a
  rate: a small team's half hour holds few live answers), the calls judged likelier to answer
  as that count runs out; never fewer calls than the progressive's.
- Ratio: VICIdial's ADAPT_HARD_LIMIT as publicly described (a dial level times the agents
  waiting, raised while agents wait, back to 1 once the day's drop rate reaches the limit), to
  compare against.
"""
import bisect
import functools
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class AgentPhase(StrEnum):
    FREE = "free"
    TALK = "talk"
    WRAP = "wrap"
    CLAIMED = "claimed"  # reserved for an answered call being connected


class AgentView(NamedTuple):  # a tuple: the dialer builds one per agent at every decision
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


WINDOW_SECONDS = 1800.0  # the regulator's short window: no 30 minutes in a row ...
WINDOW_LIMIT = 0.05  # ... over this share of their live answers abandoned
TALK_PRIOR = 120.0  # seconds of talk expected before any is seen


def live_pace(agents: int, wrap_seconds: float, talk_seconds: float = TALK_PRIOR) -> float:
    """The live answers a second that `agents` take while busy three quarters of the time."""
    return 0.75 * agents / (talk_seconds + wrap_seconds)


def amd_allowed(target: float, amd_false_positive: float, agents: int | None = None,
                wrap_seconds: float = 0.0) -> bool:
    """Answering-machine detection drops the people it takes for machines, and the regulator
    counts them as abandoned calls: a campaign whose estimated false positives alone reach its
    abandon target may not use it. Nor may a team of `agents` whose half hour holds so few live
    answers that the people AMD drops in it, at their mean and three standard deviations, would
    leave the dialer less than half of the half hour's limit: by chance alone they fill it on
    some days (1 % of people dropped needs about 40 agents, 0.5 % about 12)."""
    f = amd_false_positive
    if f >= target:
        return False
    if agents is None:
        return True
    people = live_pace(agents, wrap_seconds) * WINDOW_SECONDS / (1 - f)
    dropped = f * people
    return dropped + 3 * math.sqrt(dropped) <= WINDOW_LIMIT * people / 2


def dialer_target(target: float, amd_false_positive: float = 0.0) -> float:
    """The abandon rate the dialer may have among the answers AMD passes as people, so that
    with the people AMD drops (`amd_false_positive` of those answering) the rate stays within
    `target`: (a + f) / 1 <= target over people, a counted on the 1 - f passed."""
    if not amd_allowed(target, amd_false_positive):
        return 0.0
    return (target - amd_false_positive) / (1 - amd_false_positive)


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

    def machine(self, answered_at: float) -> None:
        """A call answered at `answered_at` and passed to an agent as a person was a machine,
        as the agent's disposition says: no live answer for the regulator."""


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

    def __init__(self, target: float = 0.03, interval: float = 15.0, step: float = 0.1,
                 max_level: float = 3.0, amd_false_positive: float = 0.0) -> None:
        self.drop_limit = dialer_target(target, amd_false_positive)
        self.interval, self.step, self.max_level = interval, step, max_level
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


class Learned:
    """What the predictive pacer has seen, kept as counts in bins so that a decision is table
    lookups: how ringing calls end (a live answer, or anything else: a machine, busy, no
    answer) and when, and how long agents talk. Starts from a prior worth `prior_weight` calls;
    `forget` weighs the counts down with time, so that it follows a list that changes within
    minutes."""

    RING_BIN = 0.1  # seconds
    TALK_BIN = 1.0
    RING_BINS = 1200  # two minutes of ringing
    TALK_BINS = 3600  # an hour of talk; longer talks count in the last bin
    PRIOR_ANSWER_SECONDS = 20.0

    def __init__(self, prior_live: float = 0.25, prior_weight: float = 20.0,
                 talk_mean_prior: float = TALK_PRIOR) -> None:
        self.live = [0.0] * self.RING_BINS  # live answers by ring time
        self.ended = [0.0] * self.RING_BINS  # every end of ringing, live or not
        self.talks = [0.0] * self.TALK_BINS  # finished talks by length
        # a live answer within 20 s, evenly: a shorter spread takes the first calls ringing
        # past it for dead, and a day's first minute dials on for them
        prior_answer_bins = int(self.PRIOR_ANSWER_SECONDS / self.RING_BIN)
        for b in range(prior_answer_bins):
            self.live[b] = self.ended[b] = prior_live * prior_weight / prior_answer_bins
        self.ended[-1] = (1 - prior_live) * prior_weight
        for b in range(self.TALK_BINS):  # exponential with the prior mean
            self.talks[b] = prior_weight * (math.exp(-b * self.TALK_BIN / talk_mean_prior)
                                            - math.exp(-(b + 1) * self.TALK_BIN / talk_mean_prior))

    @classmethod
    def ring_bin(cls, seconds: float) -> int:
        return min(cls.RING_BINS - 1, int(seconds / cls.RING_BIN))

    @classmethod
    def talk_bin(cls, seconds: float) -> int:
        return min(cls.TALK_BINS - 1, int(seconds / cls.TALK_BIN))

    def ring_ended(self, live: bool, after: float) -> None:
        b = self.ring_bin(after)
        self.ended[b] += 1
        self.live[b] += live

    def talked(self, seconds: float) -> None:
        self.talks[self.talk_bin(seconds)] += 1

    def forget(self, factor: float) -> None:
        """Weigh everything seen so far by `factor` (below 1) against what comes next."""
        self.live = [x * factor for x in self.live]
        self.ended = [x * factor for x in self.ended]
        self.talks = [x * factor for x in self.talks]

    def live_share(self) -> float:
        """The share of the ends of ringing that were live answers."""
        ended = sum(self.ended)
        return sum(self.live) / ended if ended > 0 else 0.0

    def answer_table(self, ends: Sequence[float], ring_seconds: float
                     ) -> list[tuple[float, ...]]:
        """Per ring-time bin up to `ring_seconds`: for each window up to one of the `ends` (from
        the previous end, or now), the chance that a call still ringing answers live in it. The
        calls that ended after that ring time, machines and busy lines included, are the ones
        to compare with: a call still ringing at 12 s is likelier a live answer to come than the
        day's share of live answers says."""
        live_after = _tail_sums(self.live)  # live_after[b]: live answers in bin b or later
        ended_after = _tail_sums(self.ended)
        steps = [round(t / self.RING_BIN) for t in ends]
        table = []
        for b in range(self.ring_bin(ring_seconds) + 1):
            by_end = [live_after[b] - live_after[min(self.RING_BINS, b + k)] for k in steps]
            table.append(_increments([x / ended_after[b] if ended_after[b] > 0 else 0.0
                                      for x in by_end]))
        return table

    def talk_survival(self, talking: Sequence[float]) -> list[float]:
        """survival[b]: the chance that a talk lasts past the start of bin b. The talks going on
        now count as lasting at least what they have lasted so far (Kaplan-Meier): otherwise
        the first talks to end, the short ones, would make the estimate all morning."""
        ongoing = [0.0] * self.TALK_BINS
        for elapsed in talking:
            ongoing[self.talk_bin(elapsed)] += 1
        at_risk = _tail_sums([t + o for t, o in zip(self.talks, ongoing)])
        survival, s = [], 1.0
        for b in range(self.TALK_BINS):
            survival.append(s)
            if at_risk[b] > 0:
                s *= 1 - self.talks[b] / at_risk[b]
        survival.append(0.0)
        return survival


class Predictive(Pacer):
    """Dials the n-th new call while it adds at most `aim` of its own live answer to the
    expected live answers that find no agent within the grace time, over the ring time ahead.

    The look-ahead goes second by second: answers (from the calls ringing, the new ones and
    those waiting) and agents coming free (by the middle of that second plus the grace time)
    are sums of independent chances from what it has learned (how ringing calls end and when,
    how long agents talk), taken as normal; agents left free carry over to the next second,
    answers left without one are lost. That is a queue whose idle agents wait: an answer at 3 s
    cannot take an agent freed at 15 s, as comparing totals at a horizon let it. Judging the
    marginal call, not the share over all answers in sight, keeps the safe answers of calls
    already ringing from diluting the risk the new ones bring; summed over decisions, the
    marginal losses are the day's losses.

    The aim follows the abandons really had (see `aim`). The chances come from tables rebuilt
    every `refresh` seconds, so that a decision costs a lookup per agent and call in flight."""

    name = "predictive"

    # (seconds, live answers before the rate is trusted, rate at which braking starts, as a
    # share of the target): the day and the last 24 hours are what the regulator counts; the
    # last 30 minutes' rate only where they hold so many live answers (a large team) that one
    # abandon moves it little: a list or a team that changes brings abandons in proportion to
    # the calls in flight, which the abandons a large half hour can afford do not hold back
    BRAKES = ((1800.0, 400, 1.0), (86400.0, 200, 0.9))
    ECHO_SECONDS = 120.0  # the abandons that say more are coming
    # a call still in flight past the ring time may be an answer being judged by AMD (its
    # analysis takes seconds): what was learned of such calls says how likely, up to this long
    LATE_ANSWER = 10.0
    # A list whose live share jumps: when the calls dialed over CHANGE_SECONDS, all ended (dialed
    # a ring time and CHANGE_SETTLE ago), answered live more often than the share learned by more
    # than chance gives once in e^CHANGE_EVIDENCE (a binomial's Chernoff bound; on a steady list
    # about once a day, and then the share moves up, the safe way), what was learned of rings
    # before weighs CHANGE_KEEP against them: a 15-minute memory alone takes half an hour to
    # follow, dialing for the old share meanwhile. By the time dialed, not ended: the ends of
    # the last minutes over-represent the early ones, answers, whenever the dialing speeds up.
    CHANGE_SECONDS, CHANGE_SETTLE, CHANGE_EVIDENCE, CHANGE_KEEP = 120.0, 5.0, 4.5, 0.1
    CHANGE_CHECK = 5.0  # seconds between looks
    # the aim's factor learned from the outcomes stays within e^±3: while a brake holds the
    # aim down, the answers connected keep raising it, and a factor wound up for hours dials
    # hard the moment the brake lets go
    BOOST_LIMIT = 3.0
    # no call is placed whose live answer is likelier lost than not: at an aim of 1 or more
    # every call passes, and the pacer dialed to the lines' limit (26 calls at once for 10 busy
    # agents)
    AIM_CEILING = 0.5

    def __init__(self, target: float = 0.03, grace: float = 2.0, safety: float = 2.5,
                 setpoint: float = 0.9, gain: float = 0.1, talk_mean_prior: float = TALK_PRIOR,
                 refresh: float = 60.0, step_seconds: float = 1.0, memory: float = 900.0,
                 start_boost: float = 0.0, amd_false_positive: float = 0.0,
                 window_limit: float = WINDOW_LIMIT, window_reserve: float = 1.5,
                 window_spread: tuple[float, float] = (4.0, 6.0), window_sd: float = 2.5,
                 window_echo: float = 1.0, window_caution: float = 1.5) -> None:
        self.target = dialer_target(target, amd_false_positive)
        self.amd_false_positive = amd_false_positive
        self.grace, self.safety, self.refresh = grace, safety, refresh
        self.setpoint, self.gain = setpoint, gain
        self.talk_mean_prior = talk_mean_prior
        self.memory = memory  # seconds for what was learned to weigh 1/e of what comes next
        self.boost = start_boost  # the log of the aim's factor learned from the outcomes; a
        # day that has learned nothing yet starts below the model's aim
        self.step_seconds = step_seconds  # of the look-ahead
        self.seen = Learned(talk_mean_prior=talk_mean_prior)
        self.live_today = self.abandoned_today = 0
        self.now = 0.0
        self.windows = [Rolling(seconds) for seconds, _, _ in self.BRAKES]
        self.window = Budget(WINDOW_SECONDS, window_limit)
        # abandons kept in hand against chance, and over how many more the brake eases off:
        # half those the team's half hour allows, within these bounds
        self.window_reserve, self.window_spread = window_reserve, window_spread
        self.window_sd = window_sd
        self.window_echo = window_echo  # abandons still to come per abandon of the last minutes
        self.window_caution = window_caution  # see `_likelier`
        self.last_dials = 0
        self.recent: deque[tuple[float, bool, float]] = deque()  # (dialed, live, ring time)
        self._watch_from = -math.inf  # a change is looked for from then on
        self._checked_at = -math.inf
        self._tables_at = self._forgot_at = -math.inf
        self._tables_for: tuple[float, float] | None = None  # ring and wrap seconds

    def answered(self, live: bool, after: float) -> None:
        self.seen.ring_ended(live, after)
        self.recent.append((self.now - after, live, after))
        if live:
            self.live_today += 1
            for w in self.windows:
                w.add(self.now, False)
            self.window.add(self.now, False)

    def unanswered(self, after: float) -> None:
        self.seen.ring_ended(False, after)
        self.recent.append((self.now - after, False, after))

    def talked(self, seconds: float) -> None:
        self.seen.talked(seconds)

    def follow_change(self, now: float, ring_seconds: float) -> bool:
        """Whether the calls dialed lately answered live so far above the share learned that
        the list has changed; if so, what was learned of rings before them weighs little."""
        recent, settled = self.recent, now - ring_seconds - self.CHANGE_SETTLE
        start = settled - self.CHANGE_SECONDS
        while recent and recent[0][0] < start:  # in the order of their ends: nearly dialed
            recent.popleft()
        if now < self._watch_from:
            return False
        p = self.seen.live_share()
        if not 0 < p < 1:
            return False
        n = live = 0
        for dialed, was_live, _ in recent:
            if start <= dialed < settled:
                n += 1
                live += was_live
        if not n or live / n <= p or n * _divergence(live / n, p) <= self.CHANGE_EVIDENCE:
            return False
        self.seen.forget(self.CHANGE_KEEP)
        for dialed, was_live, after in recent:
            if dialed >= start:
                self.seen.ring_ended(was_live, after)
        self._tables_at = -math.inf
        self._watch_from = now + ring_seconds + self.CHANGE_SETTLE + self.CHANGE_SECONDS
        return True

    def abandoned(self) -> None:
        self.abandoned_today += 1
        for w in self.windows:
            w.add(self.now, True)
        self.window.add(self.now, True)
        self.boost = max(-self.BOOST_LIMIT,
                         self.boost - self.gain * (1 - self.setpoint * self.target))

    def connected(self) -> None:
        self.boost = min(self.BOOST_LIMIT, self.boost + self.gain * self.setpoint * self.target)

    def machine(self, answered_at: float) -> None:
        """Taken back out of the live answers the abandon rates count (a machine passed to an
        agent took the agent's time all the same: what was learned of rings and talks stays)."""
        self.live_today = max(0, self.live_today - 1)
        for w in self.windows:
            w.retract(answered_at)
        self.window.retract(answered_at)

    def new_day(self) -> None:
        self.live_today = self.abandoned_today = 0
        self.window.day_start = None

    def aim(self, in_flight: float = 0.0, agents: int = 0, wrap_seconds: float = 0.0,
            window_brake: float | None = None) -> float:
        """The share of its own live answer that the marginal call may lose. The model errs,
        by a factor that depends on the team and the day, so the aim follows the outcomes: up
        a little with each answer connected, down with each abandon, at rest when the abandon
        rate is `setpoint` of the target; cut hard while the rate of the day or of the last 24
        hours runs over 90 % of the target (once enough live answers make that rate worth
        trusting); and eased off as the abandons any 30 minutes around now can still afford,
        less the `in_flight` losses expected of the calls already placed, come down to
        `window_reserve` (see `window_brake`; given, when the caller has it already)."""
        if self.target <= 0:
            return 0.0
        rates = [(self.abandoned_today, self.live_today, 200, 0.9)]
        for window, (_, trusted, start) in zip(self.windows, self.BRAKES):
            rates.append((*window.counts(self.now), trusted, start))
        brake = 1.0
        for lost, live, trusted, start in rates:
            if live >= trusted:
                over = lost / live / self.target - start
                brake = min(brake, max(0.02, 1.0 - 4.0 * over))
        if window_brake is None:
            window_brake = self.window_brake(in_flight, agents, wrap_seconds)
        brake = min(brake, window_brake)
        return min(self.AIM_CEILING, self.target * self.safety * math.exp(self.boost) * brake)

    def window_brake(self, in_flight: float, agents: int, wrap_seconds: float) -> float:
        """1 while the 30 minutes around now can afford more than `window_reserve` abandons
        beyond those expected of the calls in flight, down to 0.02 as that comes to nothing.
        Counts, not a rate: in a small team 30 minutes hold about a hundred live answers, so
        that the 5 % are five abandons and two close together take most of them. Abandons come
        in bursts (a list or a team that changed, which the model has not followed yet): each
        of the last ECHO_SECONDS keeps `window_echo` more in hand, for those the calls placed
        meanwhile will bring."""
        # live answers a second while the agents are busy three quarters of the time
        expected_rate = live_pace(agents, wrap_seconds, self.talk_mean_prior)
        left = self.window.affordable(self.now, expected_rate, self.amd_false_positive)
        in_flight = max(0.0, in_flight)
        kept = (in_flight + self.window_sd * math.sqrt(in_flight) + self.window_reserve
                + self.window_echo * self.window.lost_since(self.now - self.ECHO_SECONDS))
        # a small team's brake acts within its five (over 6, 10 agents went over 5 % on some
        # days of twenty), a larger team's sooner (over 4, 20 agents did)
        low, high = self.window_spread
        spread = min(high, max(low, expected_rate * WINDOW_SECONDS * self.window.limit / 2))
        return min(1.0, max(0.02, (left - kept) / spread))

    def _likelier(self, window_brake: float) -> float:
        """How much likelier than learned the calls are judged to answer live: 1 while the half
        hour can afford its abandons (`window_brake` 1), up to 1 + `window_caution` as its count
        runs out. Once it has, the abandons still to come are those of the calls in flight, and
        a small team's are a handful together: a burst of answers a little above the learned
        chances (a list that changed, or chance) takes the rest of the half hour's five. Judging
        the calls likelier as the count runs low keeps fewer in flight, and the marginal call's
        loss grows faster than its answer."""
        return 1.0 + self.window_caution * (1.0 - window_brake)

    def _tables(self, view: PacingView) -> None:
        if (view.now - self._tables_at < self.refresh
                and self._tables_for == (view.ring_seconds, view.wrap_seconds)):
            return
        self._tables_at, self._tables_for = view.now, (view.ring_seconds, view.wrap_seconds)
        steps = max(1, math.ceil(view.ring_seconds / self.step_seconds))
        self.ends = [self.step_seconds * (i + 1) for i in range(steps)]  # each answer in one
        # an answer in a window meets the agents free by its middle plus the grace time
        self.ends_free = [t - self.step_seconds / 2 for t in self.ends]
        self.answer_rows = self.seen.answer_table(self.ends, view.ring_seconds + self.LATE_ANSWER)
        # seconds of talk left to be free by each window's time; the survival is padded with
        # zeros to look that far past its last bin
        self.talk_spans = [max(0, round((t + self.grace - view.wrap_seconds) / Learned.TALK_BIN))
                           for t in self.ends_free]
        self.survival = self.seen.talk_survival(
            [a.elapsed for a in view.agents if a.phase == AgentPhase.TALK]
        ) + [0.0] * max(self.talk_spans)
        self.talk_rows: dict[int, tuple[float, ...]] = {}  # whole seconds talked -> row
        self.wrap_rows: dict[int, tuple[float, ...]] = {}  # whole seconds of wrap-up left -> row

    def _talk_row(self, elapsed: int) -> tuple[float, ...]:
        """For each window, the chance an agent talking for `elapsed` seconds comes free in it."""
        survival, b = self.survival, min(int(elapsed / Learned.TALK_BIN), Learned.TALK_BINS - 1)
        if survival[b] <= 0:
            return _increments([1.0] * len(self.ends))
        return _increments([1.0 - survival[b + k] / survival[b] for k in self.talk_spans])

    def _wrap_row(self, left: int) -> tuple[float, ...]:
        return _increments([1.0 if left <= t + self.grace else 0.0 for t in self.ends_free])

    def _freeing(self, agents: Sequence[AgentView], wrap: float) -> tuple[int, list[float]]:
        """The agents free now, and per window the mean and variance of those coming free."""
        talk_rows, wrap_rows, found, free_now = self.talk_rows, self.wrap_rows, [], 0
        talk, wrapping, free = AgentPhase.TALK, AgentPhase.WRAP, AgentPhase.FREE
        for phase, elapsed in agents:  # a hot loop: rows by whole seconds, made when first met
            if phase is talk:
                row = talk_rows.get(key := int(elapsed))
                if row is None:
                    row = talk_rows[key] = self._talk_row(key)
            elif phase is wrapping:
                row = wrap_rows.get(key := math.ceil(wrap - elapsed))
                if row is None:
                    row = wrap_rows[key] = self._wrap_row(key)
            else:
                free_now += phase is free
                continue
            found.append(row)
        return free_now, [sum(column) for column in zip(*found)] if found else \
            [0.0] * 2 * len(self.ends)

    def dials(self, view: PacingView) -> int:
        if view.now - self._forgot_at >= self.refresh:
            if self._forgot_at > -math.inf:
                self.seen.forget(math.exp(-(view.now - self._forgot_at) / self.memory))
            self._forgot_at = view.now
        if view.now - self._checked_at >= self.CHANGE_CHECK:
            self._checked_at = view.now
            self.follow_change(view.now, view.ring_seconds)
        self.now = view.now
        cap = view.cap()
        if cap <= 0 or not view.agents:
            return 0
        self._tables(view)
        rows, per_bin, steps = self.answer_rows, 1.0 / Learned.RING_BIN, len(self.ends)
        late = view.ring_seconds + self.LATE_ANSWER
        ringing = [rows[int(r * per_bin)] for r in view.ringing if r < late]
        answers = [sum(column) for column in zip(*ringing)] if ringing else [0.0] * 2 * steps
        answers[0] += view.waiting  # they need an agent at once
        free_now, freeing = self._freeing(view.agents, view.wrap_seconds)
        new = rows[0]
        new_total = sum(new[:steps])

        @functools.cache
        def lost(n: int) -> float:
            return _lost(free_now, freeing, [a + n * q for a, q in zip(answers, new)], steps)

        in_flight = lost(0)
        window_brake = self.window_brake(in_flight, len(view.agents), view.wrap_seconds)
        aim = self.aim(window_brake=window_brake)
        likelier = self._likelier(window_brake)
        if likelier > 1:
            answers = [a * likelier for a in answers]
            new = tuple(q * likelier for q in new)
            new_total = sum(new[:steps])
            lost.cache_clear()

        # a call for each free agent that no call in flight is for: none of them can be lost
        safe = max(0, min(cap, free_now - len(view.ringing) - view.waiting))

        def within(n: int) -> bool:  # the n-th call adds at most `aim` of its answer in losses
            return n <= safe or lost(n) - lost(n - 1) <= aim * new_total

        self.last_dials = _largest(within, min(self.last_dials, cap), cap)
        return self.last_dials


class _Answers:
    """Live answers and abandons by when they came, each in order."""

    def __init__(self) -> None:
        self.live: deque[float] = deque()
        self.lost: deque[float] = deque()

    def add(self, now: float, lost: bool) -> None:
        (self.lost if lost else self.live).append(now)

    def retract(self, when: float) -> None:
        """One live answer counted at or before `when` (the latest) was none."""
        i = bisect.bisect_right(self.live, when) - 1
        if i >= 0:
            del self.live[i]

    def _drop_before(self, start: float) -> None:
        for came in (self.live, self.lost):
            while came and came[0] < start:
                came.popleft()


class Rolling(_Answers):
    """Live answers and abandons over the last `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def counts(self, now: float) -> tuple[int, int]:
        """(abandons, live answers) in the window ending now."""
        self._drop_before(now - self.seconds)
        return len(self.lost), len(self.live)


class Budget(_Answers):
    """The abandons that every `seconds` in a row around now can still afford within `limit`
    of their live answers: the regulator's short window, counted as it counts it."""

    PRIOR_SECONDS = 300.0  # the expected rate of live answers fills the first 5 minutes
    AHEAD_SD = 1.0  # the live answers still to come, counted one standard deviation short
    DROPS_SD = 3.0  # the people AMD drops unseen, kept in hand: their mean and three sd

    def __init__(self, seconds: float, limit: float) -> None:
        super().__init__()
        self.seconds, self.limit = seconds, limit
        self.day_start: float | None = None

    def add(self, now: float, lost: bool) -> None:
        if self.day_start is None:
            self.day_start = now
        super().add(now, lost)

    def lost_since(self, when: float) -> int:
        """Abandons counted from `when` on (within the window)."""
        count = 0
        for at in reversed(self.lost):
            if at < when:
                break
            count += 1
        return count

    def affordable(self, now: float, expected_rate: float, amd_false_positive: float = 0.0
                   ) -> float:
        """The fewest abandons still affordable in any window that holds now: one starting
        `seconds` ago (or when the day started) and one starting at each abandon since, each
        with the live answers it has had and those expected by its end (the rate seen, from
        `expected_rate` per second at first). The people AMD drops count against it, at the
        estimated share and one standard deviation more, since the dialer never sees them."""
        if self.day_start is None:
            self.day_start = now
        start = max(now - self.seconds, self.day_start)
        self._drop_before(start)
        seen_for = min(self.seconds, now - self.day_start)
        prior_for = max(0.0, self.PRIOR_SECONDS - seen_for)  # only until it has seen some
        rate = (len(self.live) + expected_rate * prior_for) / max(1.0, seen_for + prior_for)
        f = amd_false_positive

        def allowed(live: float) -> float:
            people = live / (1 - f)
            return (self.limit - f) * people - self.DROPS_SD * math.sqrt(f * people)

        def ahead(seconds: float) -> float:  # live answers still to come, one sd fewer
            expected = rate * max(0.0, seconds)
            return max(0.0, expected - self.AHEAD_SD * math.sqrt(expected))

        left = allowed(len(self.live) + ahead(start + self.seconds - now)) - len(self.lost)
        live_in = self.live
        for i, when in enumerate(self.lost):  # the live answers from each abandon on
            live = len(live_in) - bisect.bisect_right(live_in, when) + ahead(
                when + self.seconds - now)
            left = min(left, allowed(live) - (len(self.lost) - i))
        return left


def _lost(free_now: float, freeing: list[float], answers: list[float], steps: int) -> float:
    """Expected answers without an agent: per window, free agents X = carried + freed -
    answers (normal); lost E[(-X)+], but never more than the answers expected in the window
    (a normal spreads a rare answer's small chance into a large loss); carried on max(X, 0),
    matched to a normal."""
    carried_mean, carried_var, lost = float(free_now), 0.0, 0.0
    for i in range(steps):
        m = carried_mean + freeing[i] - answers[i]
        v = carried_var + freeing[steps + i] + answers[steps + i]
        if v <= 1e-12:
            kept, kept_sq = max(m, 0.0), max(m, 0.0) ** 2
        else:
            sd = math.sqrt(v)
            z = m / sd
            above = 0.5 * (1 + math.erf(z * _SQRT_HALF))  # P(X > 0)
            density = math.exp(-z * z / 2) * _INV_SQRT_2PI
            kept = m * above + sd * density  # E[max(X, 0)]
            kept_sq = (m * m + v) * above + m * sd * density
        lost_here = min(kept - m, answers[i])
        lost += lost_here
        carried_mean, carried_var = m + lost_here, max(0.0, kept_sq - kept * kept)
    return lost


def _largest(allowed, start: int, cap: int) -> int:
    """The largest n in [0, cap] with allowed(n), allowed being true on [0, n*]: gallop from
    `start` (the last answer, usually near), then halve."""
    if allowed(start):
        lo, step = start, 1
        while lo < cap and allowed(hi := min(cap, lo + step)):
            lo, step = hi, step * 2
        if lo == cap:
            return cap
        hi -= 1  # the last one tried failed
    else:
        hi, step = start - 1, 1
        while hi > 0 and not allowed(lo := max(0, hi - step + 1)):
            hi, step = lo - 1, step * 2
        if hi <= 0:
            return 0
    while lo < hi:
        n = (lo + hi + 1) // 2
        if allowed(n):
            lo = n
        else:
            hi = n - 1
    return lo


def _divergence(q: float, p: float) -> float:
    """Kullback-Leibler divergence of a share q from p (0 < p < 1): a binomial of n trials at p
    shows a share of q or more with a chance under exp(-n times this)."""
    d = q * math.log(q / p) if q > 0 else 0.0
    return d + ((1 - q) * math.log((1 - q) / (1 - p)) if q < 1 else 0.0)


def _tail_sums(values: list[float]) -> list[float]:
    """tails[b] = sum(values[b:]), with tails[len(values)] = 0."""
    tails = [0.0] * (len(values) + 1)
    for b in range(len(values) - 1, -1, -1):
        tails[b] = tails[b + 1] + values[b]
    return tails


def _increments(by_end: list[float]) -> tuple[float, ...]:
    """Chances by the end of each window -> chances in each window, then their variances."""
    chances = [b - a for a, b in zip([0.0] + by_end[:-1], by_end)]
    return tuple(chances) + tuple(q * (1 - q) for q in chances)


_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
