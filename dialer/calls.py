"""The dialer's calls from origination to their end: originated over AMI (Async, correlated by
ChannelId); an answer the dialplan found live is handed to a free agent of the campaign through
the ACD, and the PBX itself abandons it (a message naming the hotline and its number) if no
agent took it within the grace; every outcome stored per attempt, what the pacer learns of it,
and the contact retried as the campaign's rules say."""
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from acd.agent_state import InvalidTransition
from acd.notices import OutboundOffered
from acd.outbound import OutboundDesk
from asterisk import dialplan as dp
from asterisk.actions import Originate, Pbx
from asterisk.ami import AmiError, AmiItem
from asterisk.events import BridgeEnter, Hangup, OriginateResponse, VarSet
from dialer.amd import CheckSampler
from dialer.dials import Dial
from dialer.outcome_log import OutcomeLog
from dialer.outcomes import from_hangup_cause, from_originate_reason
from dialer.pacing import Pacer
from dialer.plan import Plan
from dialer.schedule import ContactPolicy, retry_at
from dialer.settings import DialerSettings
from models import AttemptOutcome, ContactStatus, utcnow

log = logging.getLogger("hotline.dialer")

SILENT_PBX_SECONDS = 30.0  # past the ring time with no word of the call: counted failed
HANGUP_WAIT_SECONDS = 2.0  # for the cause of a call the PBX reported failed


class OutboundCalls:
    def __init__(self, pbx: Pbx, desk: OutboundDesk, outcomes: OutcomeLog,
                 pacers: dict[int, Pacer], settings: DialerSettings, policy: ContactPolicy,
                 abandon_message: Callable[[str], str],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.pbx, self.desk, self.outcomes, self.pacers = pbx, desk, outcomes, pacers
        self.settings, self.policy, self.clock = settings, policy, clock
        self.abandon_message = abandon_message  # the number to call back -> Playback's files
        self.dials: dict[str, Dial] = {}  # channel id -> the call
        self.samplers: dict[int, CheckSampler] = {}  # campaign id -> its calls kept to check

    def phones(self) -> set[str]:
        """The numbers being called now: none is called twice at once."""
        return {d.phone for d in self.dials.values()}

    def of(self, plan: Plan) -> list[Dial]:
        return [d for d in self.dials.values() if d.plan.id == plan.id]

    async def place(self, dial: Dial) -> None:
        self.dials[dial.channel_id] = dial
        plan = dial.plan
        variables = {dp.VAR_DIRECTION: "outbound", dp.VAR_CAMPAIGN: str(plan.id),
                     dp.VAR_ATTEMPT: str(dial.attempt_id),
                     dp.VAR_DETECT_MACHINE: "1" if plan.amd_on else "0",
                     dp.VAR_GRACE: str(self.settings.grace_seconds),
                     dp.VAR_ABANDON_MESSAGE: self.abandon_message(plan.caller_id)}
        if plan.amd_on:
            variables[dp.VAR_AMD] = dp.AMD_SEPARATOR.join(map(str, plan.amd.arguments()))
            dial.amd_check = self.samplers.setdefault(plan.id, CheckSampler()).take(
                plan.amd_check_share)
            if dial.amd_check:
                variables[dp.VAR_AMD_CHECK] = "1"
        try:
            await self.pbx.perform(Originate(
                dial.dial_string, dp.CTX_OUTBOUND, "answered", dial.channel_id,
                caller_id=plan.caller_id, ring_ms=plan.ring_seconds * 1000,
                variables=variables))
        except AmiError as exc:
            if dial.channel_id in self.dials:
                await self.finish(dial, AttemptOutcome.FAILED, f"not placed: {exc}")

    async def claim_pinned(self, plan: Plan, taken: list[Dial]) -> list[Dial]:
        """Each call's pinned agent claimed (once its attempt is stored: no agent is held for
        a failed write); a call whose agent was taken meanwhile is retried as a failed one."""
        claimed = []
        for dial in taken:
            assert dial.pinned_agent_id is not None  # every caller pins an agent first
            if self.desk.claim(dial.channel_id, dial.pinned_agent_id, plan.wrap_up_seconds):
                dial.agent_id = dial.pinned_agent_id
                claimed.append(dial)
            else:  # taken by an inbound call meanwhile: retried as a failed call is
                dial.pinned_agent_id = None
                self.dials[dial.channel_id] = dial
                await self.finish(dial, AttemptOutcome.FAILED, "the callback's agent was busy")
        return claimed

    async def check(self, now: float) -> None:
        """What time alone decides: an answer still waiting for an agent, a failure whose
        cause never came, a call the PBX never spoke of."""
        for dial in list(self.dials.values()):
            if dial.live and dial.agent_id is None:
                await self._connect(dial)
            elif dial.refused is not None and now - dial.refused > HANGUP_WAIT_SECONDS:
                await self.finish(dial, AttemptOutcome.FAILED, "originate 0")
            elif dial.answered is None and now - dial.started > (dial.plan.ring_seconds
                                                                 + SILENT_PBX_SECONDS):
                await self.finish(dial, AttemptOutcome.FAILED, "no word from the PBX")

    # what the PBX says -----------------------------------------------------------------------

    async def on_event(self, item: AmiItem) -> None:
        dial: Dial | None
        match item:
            case VarSet(channel=ch, variable=dp.VAR_AMD_RESULT, value=value) if (
                    ch.uniqueid in self.dials):
                self.dials[ch.uniqueid].amd_result = value[:64]
            case VarSet(channel=ch, variable=dp.VAR_OUTBOUND, value=value) if (
                    ch.uniqueid in self.dials):
                await self._answered(self.dials[ch.uniqueid], value, ch.name)
            case BridgeEnter(channel=ch) if (
                    ch.uniqueid in self.dials and self.dials[ch.uniqueid].connected is None):
                # Once: a barged call enters the agent's conference as well.
                dial = self.dials[ch.uniqueid]
                dial.connected = self.clock()
                dial.times["connected_at"] = at = utcnow()
                self.pacers[dial.plan.id].connected()
                self.outcomes.attempt(dial.attempt_id, agent_id=dial.agent_id, connected_at=at)
            case Hangup(channel=ch, cause=cause) if ch.uniqueid in self.dials:
                dial = self.dials[ch.uniqueid]
                await self.finish(dial, None if dial.answered else from_hangup_cause(cause),
                                  f"hangup {cause} {item.cause_text}".strip())
            case OriginateResponse(response="Failure", reason=reason) as r:
                dial = self.dials.get(r.uniqueid) or next(
                    (d for d in self.dials.values() if d.dial_string == r.channel_name), None)
                if dial is None or dial.answered is not None:
                    return
                if reason == 0 and r.uniqueid == dial.channel_id:
                    dial.refused = self.clock()  # busy or congested: the Hangup's cause says
                else:
                    await self.finish(dial, from_originate_reason(reason), f"originate {reason}")

    async def _answered(self, dial: Dial, value: str, channel: str) -> None:
        pacer = self.pacers[dial.plan.id]
        if value in ("live", "machine") and dial.answered is None:
            dial.answered, dial.channel = self.clock(), channel
            dial.times["answered_at"] = utcnow()
            dial.live = value == "live"
            pacer.answered(dial.live, dial.answered - dial.started)
            if dial.live:
                await self._connect(dial)

    async def _connect(self, dial: Dial) -> None:
        """To the agent claimed before dialing (a callback's, a preview's), or the free agent of
        the campaign with the best skill, then the longest idle."""
        assert dial.answered is not None  # only a call answered live is connected
        if self.clock() - dial.answered > self.settings.grace_seconds:
            return  # the PBX is telling the customer we will call back
        if dial.pinned_agent_id is not None:
            return await self._hand_over(dial)  # claimed before it was dialed
        plan = dial.plan
        for profile in sorted(self.desk.free_agents(plan.works),
                              key=lambda p: (-p.skills.get(plan.skill or "", 0), p.idle_since)):
            if self.desk.claim(dial.channel_id, profile.agent_id, plan.wrap_up_seconds):
                break
        else:
            return
        dial.agent_id = profile.agent_id
        await self._hand_over(dial)

    async def _hand_over(self, dial: Dial) -> None:
        """The claimed agent gets the call and its screen-pop."""
        assert dial.agent_id is not None and dial.channel is not None  # claimed, and answered
        plan = dial.plan
        offer = OutboundOffered(dial.agent_id, dial.channel_id, plan.id, plan.name,
                                dial.attempt_id, dial.contact_id, dial.phone, dial.checked)
        try:
            await self.desk.hand_over(offer, dial.channel, plan.recording)
        except (AmiError, InvalidTransition) as exc:
            log.info("outbound connect failed", extra={"channel_id": dial.channel_id,
                                                       "agent_id": dial.agent_id,
                                                       "error": str(exc)})
            dial.agent_id = dial.pinned_agent_id = None

    async def finish(self, dial: Dial, outcome: AttemptOutcome | None, reason: str) -> None:
        """The call is over: its outcome (None: answered, live or machine, as the dialplan
        said), what the pacer learns of it, and what becomes of the contact."""
        self.dials.pop(dial.channel_id, None)
        if dial.pinned_agent_id is not None and dial.connected is None:
            # The agent claimed before dialing, for a call that did not reach them.
            await self.desk.release(dial.pinned_agent_id, dial.channel_id)
        pacer, now = self.pacers[dial.plan.id], self.clock()
        abandoned = dial.live and dial.connected is None
        if outcome is None:
            outcome = AttemptOutcome.ANSWERED if dial.live else AttemptOutcome.MACHINE
        if abandoned:
            pacer.abandoned()
        elif dial.connected is not None:
            pacer.talked(now - dial.connected)
        elif dial.answered is None:
            pacer.unanswered(now - dial.started)
        ended = utcnow()
        if outcome == AttemptOutcome.ANSWERED and not abandoned:
            status, next_at = ContactStatus.DONE, None
        elif abandoned:  # called again, once the policy's quiet time is over
            status = ContactStatus.PENDING
            next_at = ended + timedelta(hours=self.policy.quiet_hours_after_abandon)
        else:
            next_at = retry_at(dial.plan.retries, outcome, dial.attempts, ended)
            status = ContactStatus.EXHAUSTED if next_at is None else ContactStatus.PENDING
        self.outcomes.attempt(dial.attempt_id, outcome=outcome, pbx_reason=reason[:64],
                              abandoned=abandoned, amd_result=dial.amd_result,
                              amd_checked=dial.checked,
                              agent_id=dial.agent_id if dial.connected else None,
                              ended_at=ended, **dial.times)
        self.outcomes.contact(dial.contact_id, status, next_at, outcome)
