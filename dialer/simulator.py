"""A discrete-event simulator of an outbound campaign: the pacers of dialer.pacing run unchanged
against simulated customers and agents.

Customers answer live, by machine, are busy, or ring out, in shares that may change at given
hours (a list that gets better or worse late in the day); an answer comes after a random ring
(lognormal) and a live one talks a random time (lognormal); agents wrap up after each call and
may join or leave during the shift. With answering-machine detection (AMD) an answer is judged
`amd_seconds` after it: a machine is dropped, but AMD errs both ways: a person taken for a
machine is dropped too (an abandoned call, as the regulator counts it), a machine taken for a
person goes to an agent, who hangs up after `machine_talk_seconds`. Without AMD every answer goes
to an agent at once. The k-th call dialed gets the k-th customer
of the seed's stream whatever the pacer (common random numbers), so pacers are compared on the
same customers. A live answer is abandoned when no agent is free within the grace time.
The pacer decides every second, as a live dialer's tick, and when an agent comes free; it hears
of each outcome when it happens (a talk's length when the talk ends, as a live dialer would),
and, when an agent hangs up on a machine passed as a person, that it was one: what the agent's
disposition (`answering_machine`) tells the live dialer. Scenarios are JSON files (see
bench/scenarios/); a scenario's team `changes` are head counts for its own `agents`, scaled in
proportion for another team size (`Scenario.with_agents`)."""
import dataclasses
import heapq
import json
import math
import random
from dataclasses import dataclass, field, fields
from pathlib import Path

from dialer.pacing import (
    AgentPhase,
    AgentView,
    Pacer,
    PacingView,
    Predictive,
    Progressive,
    Ratio,
    amd_allowed,
)

TICK = 1.0  # seconds between the pacer's decisions; it also decides when an agent is free


@dataclass(frozen=True)
class Scenario:
    name: str = "default"
    agents: int = 20
    hours: float = 8.0
    live: float = 0.25  # share of dials answered by a person
    machine: float = 0.10  # answered by a machine (detected, dropped)
    busy: float = 0.05  # busy or failed at once
    answer_mean: float = 8.0  # seconds of ringing before an answer (lognormal)
    answer_sd: float = 4.0
    ring_seconds: float = 20.0  # then no answer
    talk_mean: float = 120.0  # lognormal
    talk_sd: float = 80.0
    wrap_seconds: float = 15.0
    amd_seconds: float = 2.5
    grace_seconds: float = 2.0
    abandon_target: float = 0.03
    max_lines_per_agent: float = 3.0
    trunks: int = 10**6
    # (hour, agents from then on), head counts for the scenario's own `agents`: `with_agents`
    # scales them to another team size
    changes: tuple[tuple[float, int], ...] = ()
    mix_changes: tuple["Mix", ...] = ()  # the live, machine and busy shares from an hour on
    amd: bool = True
    amd_false_positive: float = 0.0  # share of people that AMD takes for a machine
    amd_false_negative: float = 0.0  # share of machines that AMD passes to an agent
    machine_talk_seconds: float = 5.0  # an agent's time on a machine passed to them

    @classmethod
    def load(cls, path: Path) -> "Scenario":
        data = json.loads(path.read_text())
        _refuse_unknown(path.name, data, {f.name for f in fields(cls)})
        data["changes"] = tuple((float(h), int(n)) for h, n in data.get("changes", ()))
        mixes = []
        for i, change in enumerate(data.get("mix_changes", ())):
            _refuse_unknown(f"{path.name}: mix_changes[{i}]", change,
                            {f.name for f in fields(Mix)})
            mixes.append(Mix(**change))
        data["mix_changes"] = tuple(sorted(mixes, key=lambda m: m.hour))
        return cls(**data)

    def with_agents(self, agents: int) -> "Scenario":
        """The same day for a team of `agents`: its changes scaled in proportion (a team of 20
        that drops to 12 is a team of 100 that drops to 60)."""
        scale = agents / self.agents
        return dataclasses.replace(self, agents=agents, changes=tuple(
            (hour, max(1, round(count * scale))) for hour, count in self.changes))

    def mix_at(self, hour: float) -> tuple[float, float, float]:
        live, machine, busy = self.live, self.machine, self.busy
        for m in self.mix_changes:
            if hour >= m.hour:
                live, machine, busy = m.live, m.machine, m.busy
        return live, machine, busy

    def agents_at(self, hour: float) -> int:
        n = self.agents
        for at, count in self.changes:
            if hour >= at:
                n = count
        return n


@dataclass(frozen=True)
class Mix:
    hour: float
    live: float
    machine: float
    busy: float


def _refuse_unknown(where: str, data: dict, known: set[str]) -> None:
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{where}: unknown scenario keys {sorted(unknown)}")


@dataclass(frozen=True, slots=True)
class Customer:
    """The seed's draws for the k-th call; what they make of it depends on the hour's mix."""
    u: float  # picks the outcome from the mix
    answer_after: float
    talk: float
    amd_error: float  # below the scenario's error share: AMD misjudges this answer

    def outcome(self, s: Scenario, hour: float) -> str:
        """live, machine, busy or no_answer."""
        live, machine, busy = s.mix_at(hour)
        u = self.u
        outcome = ("live" if u < live else "machine" if u < live + machine
                   else "busy" if u < live + machine + busy else "no_answer")
        if outcome in ("live", "machine") and self.answer_after >= s.ring_seconds:
            return "no_answer"
        return outcome


def _lognormal(rng: random.Random, mean: float, sd: float) -> float:
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


class Customers:
    """The seed's stream of customers, drawn in order, the same for every pacer."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.s, self.rng = scenario, random.Random(seed)
        self.drawn: list[Customer] = []

    def __getitem__(self, k: int) -> Customer:
        while len(self.drawn) <= k:
            s, rng = self.s, self.rng
            u, delay, talk = rng.random(), _lognormal(rng, s.answer_mean, s.answer_sd), \
                _lognormal(rng, s.talk_mean, s.talk_sd)
            self.drawn.append(Customer(u, delay, talk, rng.random()))
        return self.drawn[k]


@dataclass
class Agent:
    phase: AgentPhase = AgentPhase.FREE
    since: float = 0.0
    free_at: float | None = None  # when talk and wrap end (known only to the clairvoyant)
    logged_in: bool = True
    leaving: bool = False  # logs out once this call is wrapped up
    call: int | None = None  # the customer on the line
    answered_at: float = 0.0  # when that customer answered


WINDOW_MINUTES = 30


@dataclass
class DayResult:
    dialed: int = 0
    live: int = 0  # people who answered, those AMD dropped included
    abandoned: int = 0  # people with no agent within the grace time
    amd_dropped: int = 0  # people AMD took for a machine: abandoned calls for the regulator
    machines_to_agents: int = 0
    connected: int = 0
    talk_seconds: float = 0.0
    work_seconds: float = 0.0  # talk and wrap
    staffed_seconds: float = 0.0
    waits: list[float] = field(default_factory=list)  # an agent's wait between calls
    # per minute of the day: people answered, abandoned for want of an agent, dropped by AMD
    live_by_minute: list[int] = field(default_factory=list)
    abandoned_by_minute: list[int] = field(default_factory=list)
    amd_dropped_by_minute: list[int] = field(default_factory=list)

    @property
    def abandon_rate(self) -> float:
        """As the regulator counts it: people dropped by AMD are abandoned calls."""
        return (self.abandoned + self.amd_dropped) / self.live if self.live else 0.0

    @property
    def abandon_rate_without_amd(self) -> float:
        """What the dialer sees: abandons among the answers AMD passed as people."""
        seen = self.live - self.amd_dropped
        return self.abandoned / seen if seen else 0.0

    def worst_window(self, minutes: int = WINDOW_MINUTES, with_amd: bool = True) -> float:
        """The highest abandon rate over any `minutes` in a row of the day."""
        live = self.live_by_minute
        lost = [a + (d if with_amd else 0) for a, d in
                zip(self.abandoned_by_minute, self.amd_dropped_by_minute)]
        if not with_amd:
            live = [n - d for n, d in zip(live, self.amd_dropped_by_minute)]
        worst = 0.0
        for start in range(max(1, len(live) - minutes + 1)):
            n = sum(live[start:start + minutes])
            if n:
                worst = max(worst, sum(lost[start:start + minutes]) / n)
        return worst

    @property
    def occupancy(self) -> float:
        return self.work_seconds / self.staffed_seconds if self.staffed_seconds else 0.0

    @property
    def talk_minutes_per_agent_hour(self) -> float:
        return self.talk_seconds / 60 / (self.staffed_seconds / 3600) if self.staffed_seconds else 0

    def wait_p95(self) -> float:
        if not self.waits:
            return 0.0
        ordered = sorted(self.waits)
        return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


class Simulation:
    def __init__(self, scenario: Scenario, pacer: Pacer, seed: int) -> None:
        self.s, self.pacer = scenario, pacer
        self.customers = Customers(scenario, seed)
        self.now = 0.0
        self.next_customer = 0
        self.agents: list[Agent] = []
        self.logged_in = 0
        self.ringing: dict[int, float] = {}  # customer -> dialed at
        self.waiting: dict[int, float] = {}  # live answers waiting for an agent -> answered at
        self.end = scenario.hours * 3600
        minutes = math.ceil(scenario.hours * 60)
        self.result = DayResult(live_by_minute=[0] * minutes, abandoned_by_minute=[0] * minutes,
                                amd_dropped_by_minute=[0] * minutes)
        self.outcomes: dict[int, str] = {}  # customer -> outcome, fixed when dialed
        self._events: list[tuple[float, int, str, int]] = []
        self._seq = 0

    # --- the run -------------------------------------------------------------------------------

    def run(self) -> DayResult:
        end = self.end
        self._staff(0.0)
        self._at(0.0, "tick", 0)
        for hour, _ in self.s.changes:
            self._at(hour * 3600, "staff", 0)
        while self._events:
            t, _, kind, k = heapq.heappop(self._events)
            if t > end:
                break
            self._account(t)
            self.now = t
            getattr(self, f"_on_{kind}")(k)
        self._account(end)
        return self.result

    def _at(self, t: float, kind: str, k: int) -> None:
        self._seq += 1
        heapq.heappush(self._events, (t, self._seq, kind, k))

    def _account(self, t: float) -> None:
        """Time passes: staffed time of the logged-in agents."""
        dt = t - self.now
        if dt > 0:
            self.result.staffed_seconds += dt * self.logged_in

    def _staff(self, t: float) -> None:
        wanted = self.s.agents_at(t / 3600)
        present = [a for a in self.agents if a.logged_in and not a.leaving]
        for _ in range(wanted - len(present)):
            self.agents.append(Agent(since=t))
            self.logged_in += 1
        for a in present[wanted:]:
            if a.phase == AgentPhase.FREE:
                a.logged_in = False
                self.logged_in -= 1
            else:
                a.leaving = True

    # --- events --------------------------------------------------------------------------------

    def _on_staff(self, _: int) -> None:
        self._staff(self.now)
        self._pace()

    def _on_tick(self, _: int) -> None:
        self._pace()
        self._at(self.now + TICK, "tick", 0)

    def _minute(self) -> int:
        return min(len(self.result.live_by_minute) - 1, int(self.now / 60))

    def _on_answer(self, k: int) -> None:
        """The answer as the dialer learns it: after AMD's judgement, when AMD runs."""
        dialed_at = self.ringing.pop(k)
        s, c, person = self.s, self.customers[k], self.outcomes[k] == "live"
        if person:
            self.result.live += 1
            self.result.live_by_minute[self._minute()] += 1
        if s.amd:
            error = c.amd_error < (s.amd_false_positive if person else s.amd_false_negative)
            passed = person != error
        else:
            passed = True
        self.pacer.answered(passed, self.now - dialed_at)
        if not passed:
            if person:  # dropped as a machine
                self.result.amd_dropped += 1
                self.result.amd_dropped_by_minute[self._minute()] += 1
            return
        agent = self._free_agent()
        if agent is not None:
            self._connect(agent, k, self.now)
        else:
            self.waiting[k] = self.now
            self._at(self.now + self.s.grace_seconds, "grace", k)

    def _on_no_answer(self, k: int) -> None:
        dialed_at = self.ringing.pop(k)
        self.pacer.unanswered(self.now - dialed_at)

    def _on_grace(self, k: int) -> None:
        if self.waiting.pop(k, None) is not None:
            if self.outcomes[k] == "live":  # a machine left waiting is no abandoned call
                self.result.abandoned += 1
                self.result.abandoned_by_minute[self._minute()] += 1
            self.pacer.abandoned()  # the dialer cannot tell

    def _on_hangup(self, i: int) -> None:
        agent = self.agents[i]
        self.pacer.talked(self.now - agent.since)  # learned when it ends, as a live dialer would
        k, agent.call = agent.call, None
        assert k is not None  # only an agent on a call hangs up
        if self.outcomes[k] != "live":  # the agent's disposition: answering_machine
            self.pacer.machine(agent.answered_at)
        agent.phase, agent.since = AgentPhase.WRAP, self.now
        self._at(self.now + self.s.wrap_seconds, "wrapped", i)

    def _on_wrapped(self, i: int) -> None:
        agent = self.agents[i]
        if agent.leaving:
            agent.logged_in = agent.leaving = False
            self.logged_in -= 1
            return
        agent.phase, agent.since, agent.free_at = AgentPhase.FREE, self.now, None
        if self.waiting:  # the longest-waiting live answer takes this agent
            k = min(self.waiting, key=self.waiting.__getitem__)
            self._connect(agent, k, self.waiting.pop(k))
        self._pace()

    # --- what agents and calls do --------------------------------------------------------------

    def _free_agent(self) -> Agent | None:
        free = [a for a in self.agents if a.phase == AgentPhase.FREE and a.logged_in]
        return min(free, key=lambda a: a.since) if free else None  # the longest idle

    def _connect(self, agent: Agent, k: int, answered_at: float) -> None:
        r, left = self.result, self.end - self.now
        if self.outcomes[k] == "live":
            talk = self.customers[k].talk
        else:
            talk = self.s.machine_talk_seconds
            r.machines_to_agents += 1
        r.connected += 1
        r.waits.append(self.now - agent.since)
        r.talk_seconds += min(talk, left)  # only the time inside the day
        r.work_seconds += min(talk + self.s.wrap_seconds, left)
        self.pacer.connected()
        agent.phase, agent.since, agent.call = AgentPhase.TALK, self.now, k
        agent.answered_at = answered_at
        agent.free_at = self.now + talk + self.s.wrap_seconds
        self._at(self.now + talk, "hangup", self.agents.index(agent))

    def dial(self) -> None:
        k, self.next_customer = self.next_customer, self.next_customer + 1
        c = self.customers[k]
        outcome = self.outcomes[k] = c.outcome(self.s, self.now / 3600)
        self.result.dialed += 1
        self.ringing[k] = self.now
        if outcome in ("live", "machine"):
            self._at(self.now + c.answer_after + (self.s.amd_seconds if self.s.amd else 0.0),
                     "answer", k)
        elif outcome == "busy":
            self._at(self.now + 1.0, "no_answer", k)
        else:
            self._at(self.now + self.s.ring_seconds, "no_answer", k)

    def view(self) -> PacingView:
        agents = [AgentView(a.phase, self.now - a.since) for a in self.agents
                  if a.logged_in and not a.leaving]
        return PacingView(self.now, agents, [self.now - t for t in self.ringing.values()],
                          self.s.wrap_seconds, self.s.ring_seconds, self.s.max_lines_per_agent,
                          self.s.trunks - len(self.ringing), len(self.waiting))

    def _pace(self) -> None:
        if hasattr(self.pacer, "plan"):
            self.pacer.plan(self)
            return
        for _ in range(self.pacer.dials(self.view())):
            self.dial()


class Clairvoyant(Pacer):
    """A ceiling, not a dialer: it knows every customer's answer and every call's length, and
    dials each live customer so that the answer comes the moment an agent is free."""

    name = "clairvoyant"

    def plan(self, sim: Simulation) -> None:
        free_times = sorted(
            (sim.now if a.phase == AgentPhase.FREE else a.free_at or math.inf)
            for a in sim.agents if a.logged_in and not a.leaving)
        covered = sum(sim.outcomes[k] == "live" for k in sim.ringing) + len(sim.waiting)
        delay = sim.s.amd_seconds if sim.s.amd else 0.0
        for free_at in free_times[covered:]:
            while True:  # the next customers in order: the others are dialed as they come
                c = sim.customers[sim.next_customer]
                if c.outcome(sim.s, sim.now / 3600) != "live":
                    sim.dial()
                    continue
                if free_at - c.answer_after - delay <= sim.now + 1e-9:
                    sim.dial()
                    break
                return


def pacer_for(name: str, s: Scenario) -> Pacer:
    """The named pacer set up for the scenario's target, grace time and AMD errors."""
    fp = s.amd_false_positive if s.amd else 0.0
    if name == "predictive":
        return Predictive(target=s.abandon_target, grace=s.grace_seconds, amd_false_positive=fp)
    if name == "ratio":
        return Ratio(target=s.abandon_target, amd_false_positive=fp)
    if name == "progressive":
        return Progressive()
    if name == "clairvoyant":
        return Clairvoyant()
    raise ValueError(f"unknown pacer {name!r}")


def as_run(s: Scenario) -> Scenario:
    """The scenario as a campaign may run it: without AMD if its false positives are refused,
    for the target or for the day's smallest team."""
    team = min([s.agents, *(n for _, n in s.changes)])
    if s.amd and not amd_allowed(s.abandon_target, s.amd_false_positive, team, s.wrap_seconds):
        return dataclasses.replace(s, amd=False)
    return s
