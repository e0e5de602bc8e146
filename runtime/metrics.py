"""The engine's metrics, served at /metrics in the Prometheus text format. Each part counts
what it sees (the call tracker its calls and queue waits, the AMI client its round trips, the
FastAGI server the engine's turns); the figures of a moment (agents by state, the dialer's
abandon rates, the writers' backlogs) are read here at each scrape, and a probe task measures
how late the event loop wakes."""
import asyncio
from typing import TYPE_CHECKING

from acd.figures import agents_by_state
from telemetry.metrics import Gauge, Histogram, Metric, exposition

if TYPE_CHECKING:
    from runtime.engine import Engine

PROBE_SECONDS = 0.5  # the event-loop probe sleeps this long and notes how late it woke


class EngineMetrics:
    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self.loop_lag = Histogram(
            "hotline_event_loop_lag_seconds",
            f"How late the event loop woke a task that slept {PROBE_SECONDS} s")
        self.agents = Gauge("hotline_agents", "Agents in each state, by branch",
                            ("state", "branch"))
        self.abandon_rate = Gauge(
            "hotline_dialer_abandon_rate",
            "A running campaign's abandoned calls / live answers, over 24 hours and all along",
            ("campaign", "window"))
        self.backlog = Gauge("hotline_write_behind_backlog",
                             "Rows submitted to a write-behind writer and not yet committed",
                             ("writer",))
        self.ami_up = Gauge("hotline_ami_connected", "1 while the AMI link is logged in")

    async def probe(self) -> None:
        """Until cancelled: a wake-up every PROBE_SECONDS, its lateness observed."""
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(PROBE_SECONDS)
            self.loop_lag.observe(max(0.0, loop.time() - asked - PROBE_SECONDS))

    def all(self) -> list[Metric]:
        """Every metric, the figures of the moment read afresh."""
        e = self.engine
        self.agents.replace(({"state": state, "branch": branch}, n)
                            for (state, branch), n in agents_by_state(e.desk).items())
        rates = []
        for name, counts in e.dialer.attempts().items():
            for window, rate in (("24h", counts.abandon_rate_24h), ("all", counts.abandon_rate)):
                if rate is not None:
                    rates.append(({"campaign": name, "window": window}, rate))
        self.abandon_rate.replace(rates)
        writers = (e.journal.writer, e.call_log.writer, e.dialer.outcomes.writer)
        self.backlog.replace(({"writer": w.name}, w.pending()) for w in writers)
        self.ami_up.set(1.0 if e.ami.connected else 0.0)
        return [e.tracker.ended, e.tracker.queue_waits, self.agents, e.ami.round_trips,
                self.ami_up, e.agi.turns, self.loop_lag, self.abandon_rate, self.backlog]

    def exposition(self) -> str:
        return exposition(self.all())
