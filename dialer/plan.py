"""A running campaign's settings as the dialer applies them, read again every second."""
from __future__ import annotations

from dataclasses import dataclass

from acd.roster import AgentInfo
from dialer.amd import AmdSettings
from dialer.pacing import amd_allowed, dialer_target
from dialer.schedule import Calendar, RetryRule, parse_retries, parse_windows
from dialer.standing import STANDING
from models import Campaign, DialingMode, RecordingPolicy


@dataclass(frozen=True)
class Plan:
    id: int
    name: str
    mode: DialingMode
    abandon_target: float
    max_lines_per_agent: float
    ring_seconds: int
    wrap_up_seconds: int
    caller_id: str
    retries: dict[str, RetryRule]
    calendar: Calendar
    detect_machines: bool
    amd_false_positive: float  # estimated; counted in the abandon rate when detecting machines
    amd: AmdSettings
    amd_check_share: float  # of the calls AMD takes for machines, kept on for an agent to check
    recording: RecordingPolicy
    skill: str | None  # agents with this skill work it (in `branch`, if set; all of the
    branch: str | None  # branch's without a skill) ...
    agent_ids: frozenset[int]  # ... and these agents
    standing: bool  # a branch's callbacks or own calls: never finished for want of contacts
    team: int | None = None  # its agents at work now, as the dialer last counted them

    @property
    def amd_on(self) -> bool:
        """Machines are detected: the campaign asks, and the people AMD is estimated to drop
        alone stay under the abandon target (else it runs without, as its change was refused)
        and leave the team's half hour room enough (else it runs without while so few work)."""
        return self.detect_machines and amd_allowed(self.abandon_target, self.amd_false_positive,
                                                    self.team, self.wrap_up_seconds)

    @property
    def dialer_target(self) -> float:
        """The abandon rate the dialer may have among the calls it passes to agents, the people
        machine detection drops counted. Still counted once AMD is off for dropping too many:
        they are in the day's abandon rate, which then leaves the predictive nothing (it dials
        as progressive) until the campaign is retuned or stops asking for AMD."""
        return dialer_target(self.abandon_target,
                             self.amd_false_positive if self.detect_machines else 0.0)

    @classmethod
    def of(cls, c: Campaign) -> Plan:
        return cls(c.id, c.name, c.mode, c.abandon_target, c.max_lines_per_agent, c.ring_seconds,
                   c.wrap_up_seconds, c.caller_id, parse_retries(c.retries),
                   Calendar(parse_windows(c.windows), c.starts_on, c.ends_on),
                   c.detect_machines, c.amd_false_positive, AmdSettings.of(c.amd),
                   c.amd_check_share or 0.0, c.recording,
                   c.business_type.code if c.business_type else None,
                   c.branch.code if c.branch else None, frozenset(a.id for a in c.agents),
                   c.purpose in STANDING)

    def works(self, agent: AgentInfo) -> bool:
        if agent.id in self.agent_ids:
            return True
        if self.skill is None and self.branch is None:
            return False
        return ((self.skill is None or self.skill in agent.skills)
                and (self.branch is None or agent.branch == self.branch))
