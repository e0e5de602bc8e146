"""The dialer at work: for each running campaign, as many calls as its pacer says (never with
no agent of the campaign logged in, never past the trunk's lines; a predictive campaign whose
abandons over 24 hours or all along reach its target dials as progressive until they are back
under: a hard limit behind the pacer's own aim, which sits below the target), each to a
contact that is
due, inside the calling window in its own time zone and allowed by the contact policy;
originated over AMI (Async, correlated by ChannelId); an answer the dialplan found live is
handed to a free agent of the campaign through the ACD, and the PBX itself abandons it (a
message naming the hotline and its number) if no agent took it within the grace; every
outcome stored per attempt, and the contact retried as the campaign's rules say."""
from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, overload

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import AgentState, InvalidTransition
from acd.desk import Desk
from acd.notices import OutboundOffered
from acd.routing import AgentProfile
from asterisk import dialplan as dp
from asterisk.ami import AmiClient, AmiError, AmiItem
from asterisk.events import BridgeEnter, Hangup, OriginateResponse, VarSet
from dialer.figures import AttemptCounts, attempt_counts
from dialer.outcomes import from_hangup_cause, from_originate_reason
from dialer.pacing import AgentPhase, AgentView, Pacer, PacingView, Predictive, Preview, Progressive
from dialer.plan import Plan
from dialer.schedule import ContactPolicy, PastCall, retry_at
from dialer.settings import DialerSettings
from models import (
    AttemptOutcome,
    Campaign,
    CampaignState,
    Contact,
    ContactAttempt,
    ContactStatus,
    DialingMode,
    DoNotCall,
    utcnow,
)
from models.write_behind import WriteBehind

log = logging.getLogger("hotline.dialer")

RELOAD_SECONDS = 1.0  # a campaign's changed settings apply within this
SILENT_PBX_SECONDS = 30.0  # past the ring time with no word of the call: counted failed
HANGUP_WAIT_SECONDS = 2.0  # for the cause of a call the PBX reported failed
CALLBACK_PATIENCE = timedelta(minutes=15)  # a callback waits this long for its own agent
PROGRESSIVE = Progressive()
PHASES = {AgentState.AVAILABLE: AgentPhase.FREE, AgentState.RESERVED: AgentPhase.CLAIMED,
          AgentState.ON_CALL: AgentPhase.TALK, AgentState.WRAP_UP: AgentPhase.WRAP}
Write = Callable[[AsyncSession], Awaitable[None]]


class DialRefused(Exception):
    """A call an agent asked for cannot be placed now; the message says why."""


@dataclass
class Dial:
    """A call placed and not yet ended."""

    plan: Plan
    attempt_id: int
    contact_id: int
    attempts: int  # this one included
    phone: str
    channel_id: str
    dial_string: str
    started: float  # the dialer's clock
    answered: float | None = None
    live: bool = False
    channel: str | None = None  # its name, once it exists
    agent_id: int | None = None
    connected: float | None = None
    refused: float | None = None  # when the PBX said it failed, waiting for the Hangup's cause
    pinned_agent_id: int | None = None  # claimed before dialing: a callback's, or previewing
    times: dict[str, datetime] = field(default_factory=dict)  # answered_at, connected_at


class Dialer:
    def __init__(self, ami: AmiClient, desk: Desk, sessions: async_sessionmaker[AsyncSession],
                 settings: DialerSettings, abandon_message: Callable[[str], str],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ami, self.desk, self.sessions, self.settings = ami, desk, sessions, settings
        self.abandon_message = abandon_message  # the number to call back -> Playback's files
        self.clock = clock
        self.policy = ContactPolicy(settings.calls_per_retailer_per_day,
                                    settings.quiet_hours_after_abandon)
        self.plans: dict[int, Plan] = {}
        self.pacers: dict[int, Pacer] = {}
        self.dials: dict[str, Dial] = {}  # channel id -> the call
        self._writes: WriteBehind[Write] = WriteBehind(self._write, "outbound outcome",
                                                       logger=log)
        self._loaded_at = -math.inf
        self._counts: dict[int, AttemptCounts] = {}  # running campaigns' attempts
        self._today = utcnow().date()

    # the loop --------------------------------------------------------------------------------

    async def run(self) -> None:
        await self._recover()
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._writes.run())
            while True:
                try:
                    await self.tick()
                except Exception:
                    log.exception("dialer tick failed")
                await asyncio.sleep(self.settings.tick_seconds)

    async def tick(self) -> None:
        now = self.clock()
        if now - self._loaded_at >= RELOAD_SECONDS:
            await self._reload()
            self._loaded_at = now
        for dial in list(self.dials.values()):
            if dial.live and dial.agent_id is None:
                await self._connect(dial)
            elif dial.refused is not None and now - dial.refused > HANGUP_WAIT_SECONDS:
                await self._finish(dial, AttemptOutcome.FAILED, "originate 0")
            elif dial.answered is None and now - dial.started > (dial.plan.ring_seconds
                                                                 + SILENT_PBX_SECONDS):
                await self._finish(dial, AttemptOutcome.FAILED, "no word from the PBX")
        if self.ami.connected:
            for plan in list(self.plans.values()):
                await self._pace(plan, now)

    async def flush(self) -> None:
        """Until every outcome so far is stored."""
        await self._writes.flush()

    # what the PBX says -----------------------------------------------------------------------

    async def on_event(self, item: AmiItem) -> None:
        dial: Dial | None
        match item:
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
                self._store(dial.attempt_id, agent_id=dial.agent_id, connected_at=at)
            case Hangup(channel=ch, cause=cause) if ch.uniqueid in self.dials:
                dial = self.dials[ch.uniqueid]
                await self._finish(dial, None if dial.answered else from_hangup_cause(cause),
                                   f"hangup {cause} {item.cause_text}".strip())
            case OriginateResponse(response="Failure", reason=reason) as r:
                dial = self.dials.get(r.uniqueid) or next(
                    (d for d in self.dials.values() if d.dial_string == r.channel_name), None)
                if dial is None or dial.answered is not None:
                    return
                if reason == 0 and r.uniqueid == dial.channel_id:
                    dial.refused = self.clock()  # busy or congested: the Hangup's cause says
                else:
                    await self._finish(dial, from_originate_reason(reason), f"originate {reason}")

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
        for profile in sorted(self._free_agents(plan),
                              key=lambda p: (-p.skills.get(plan.skill or "", 0), p.idle_since)):
            if self.desk.claim_agent(dial.channel_id, profile.agent_id, plan.wrap_up_seconds):
                break
        else:
            return
        dial.agent_id = profile.agent_id
        await self._hand_over(dial)

    async def _hand_over(self, dial: Dial) -> None:
        """The claimed agent gets the call and its screen-pop."""
        assert dial.agent_id is not None and dial.channel is not None  # claimed, and answered
        plan = dial.plan
        self.desk.notify(OutboundOffered(dial.agent_id, dial.channel_id, plan.id, plan.name,
                                         dial.attempt_id, dial.contact_id, dial.phone))
        try:
            await self.desk.connect_claimed(dial.agent_id, dial.channel_id, dial.channel,
                                            recording=plan.recording, campaign=plan.name)
        except (AmiError, InvalidTransition) as exc:
            log.info("outbound connect failed", extra={"channel_id": dial.channel_id,
                                                       "agent_id": dial.agent_id,
                                                       "error": str(exc)})
            dial.agent_id = dial.pinned_agent_id = None

    async def _release(self, dial: Dial) -> None:
        """The agent claimed before dialing, for a call that did not reach them."""
        assert dial.pinned_agent_id is not None  # only called for a pinned agent
        machine = self.desk.sessions.machine(dial.pinned_agent_id)
        if machine.state == AgentState.RESERVED and machine.current_call == dial.channel_id:
            await self.desk.release(dial.pinned_agent_id, dial.channel_id)

    async def _finish(self, dial: Dial, outcome: AttemptOutcome | None, reason: str) -> None:
        """The call is over: its outcome (None: answered, live or machine, as the dialplan
        said), what the pacer learns of it, and what becomes of the contact."""
        self.dials.pop(dial.channel_id, None)
        if dial.pinned_agent_id is not None and dial.connected is None:
            await self._release(dial)
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
        values = dict(outcome=outcome, pbx_reason=reason[:64], abandoned=abandoned,
                      agent_id=dial.agent_id if dial.connected else None, ended_at=ended,
                      **dial.times)

        self._store(dial.attempt_id, **values)

        async def write(s: AsyncSession) -> None:
            # Not over an agent's word given during the call (a callback, do-not-call).
            await s.execute(update(Contact).where(Contact.id == dial.contact_id,
                                                  Contact.status == ContactStatus.DIALING)
                            .values(status=status, next_attempt_at=next_at))
            await s.execute(update(Contact).where(Contact.id == dial.contact_id)
                            .values(last_outcome=outcome))
        self._writes.submit(write)

    def _store(self, attempt_id: int, **values) -> None:
        async def write(s: AsyncSession) -> None:
            await s.execute(update(ContactAttempt).where(ContactAttempt.id == attempt_id)
                            .values(**values))
        self._writes.submit(write)

    # pacing and dialing ----------------------------------------------------------------------

    def live(self, campaign_id: int) -> dict[str, int] | None:
        """What a running campaign is doing now; None when it is not running."""
        plan = self.plans.get(campaign_id)
        if plan is None:
            return None
        mine = [d for d in self.dials.values() if d.plan.id == campaign_id]
        agents = self._agents(plan, self.clock())
        return {"ringing": sum(d.answered is None for d in mine),
                "waiting_for_agent": sum(d.live and d.agent_id is None for d in mine),
                "talking": sum(d.connected is not None for d in mine),
                "agents_logged_in": len(agents),
                "agents_busy": sum(a.phase != AgentPhase.FREE for a in agents)}

    def _agents(self, plan: Plan, now: float) -> list[AgentView]:
        """The campaign's agents who are logged in and not paused."""
        agents = []
        for agent_id, machine in self.desk.sessions.machines.items():
            info = self.desk.agents.get(agent_id)
            phase = PHASES.get(machine.state)
            if info is not None and phase is not None and plan.works(info):
                agents.append(AgentView(phase, machine.time_in_state(now)))
        return agents

    async def _pace(self, plan: Plan, now: float) -> None:
        agents = self._agents(plan, now)
        if not agents:
            return  # nobody of the campaign logged in (or all paused): never dial
        for dial in await self._take_callbacks(plan):
            await self._originate(dial)
        mine = [d for d in self.dials.values() if d.plan.id == plan.id]
        view = PacingView(
            now=now, agents=agents, ringing=[now - d.started for d in mine if d.answered is None],
            wrap_seconds=plan.wrap_up_seconds, ring_seconds=plan.ring_seconds,
            max_lines_per_agent=plan.max_lines_per_agent,
            free_trunks=self.settings.max_lines - len(self.dials),
            waiting=sum(d.live and d.agent_id is None for d in mine))
        pacer = self.pacers[plan.id]
        if isinstance(pacer, Predictive) and self._counts.get(
                plan.id, AttemptCounts()).reached(plan.abandon_target):
            pacer = PROGRESSIVE  # until the campaign's abandon rate is back under its target
        wanted = min(pacer.dials(view), view.cap())
        if wanted > 0:
            for dial in await self._take_contacts(plan, wanted):
                await self._originate(dial)

    @overload
    async def _take_contacts(self, plan: Plan, wanted: int, contact_id: int | None = None,
                             peek: Literal[False] = False) -> list[Dial]: ...

    @overload
    async def _take_contacts(self, plan: Plan, wanted: int, contact_id: int | None = None,
                             *, peek: Literal[True]) -> list[Contact]: ...

    async def _take_contacts(self, plan: Plan, wanted: int, contact_id: int | None = None,
                             peek: bool = False) -> list[Dial] | list[Contact]:
        """Up to `wanted` due contacts (or just `contact_id`), marked dialing with a new attempt
        each (with `peek`, only shown); those outside their window or held back by the contact
        policy get the time they may be called."""
        now = utcnow()
        busy_phones = self._phones_in_flight()
        taken: list = []
        query = (select(Contact).where(Contact.campaign_id == plan.id,
                                       Contact.status == ContactStatus.PENDING,
                                       or_(Contact.next_attempt_at.is_(None),
                                           Contact.next_attempt_at <= now),
                                       or_(Contact.callback_agent_id.is_(None),
                                           Contact.next_attempt_at < now - CALLBACK_PATIENCE))
                 .order_by(Contact.next_attempt_at.is_not(None), Contact.next_attempt_at,
                           Contact.id)
                 .limit(wanted * 4).with_for_update(skip_locked=True))
        if contact_id is not None:
            query = query.where(Contact.id == contact_id)
        async with self.sessions() as s, s.begin():
            due = list(await s.scalars(query))
            blocked = set(await s.scalars(select(DoNotCall.phone).where(
                DoNotCall.phone.in_([c.phone for c in due]))))
            history = await self._history(s, due, now)
            for contact in due:
                if len(taken) == wanted:
                    break
                if contact.phone in blocked:
                    contact.status = ContactStatus.DO_NOT_CALL
                    continue
                if contact.phone in busy_phones:
                    continue
                when = self._allowed_from(plan, contact, history, now)
                if when is None:
                    continue
                if when > now:
                    contact.next_attempt_at = when
                    continue
                busy_phones.add(contact.phone)
                taken.append(contact if peek else await self._attempt(s, plan, contact, now))
        return taken

    # preview: the agent sees the contact, then asks for the call -------------------------------

    def _preview_plan(self, agent_id: int, campaign_id: int) -> Plan:
        plan = self.plans.get(campaign_id)
        if plan is None or plan.mode != DialingMode.PREVIEW:
            raise DialRefused(f"campaign {campaign_id} is not running in preview mode")
        info = self.desk.agents.get(agent_id)
        if info is None or not plan.works(info):
            raise DialRefused(f"the agent does not work campaign {plan.name!r}")
        return plan

    async def preview(self, agent_id: int, campaign_id: int) -> Contact | None:
        """The contact the agent would call next (not held: dial it with `dial_preview`)."""
        plan = self._preview_plan(agent_id, campaign_id)
        found = await self._take_contacts(plan, 1, peek=True)
        return found[0] if found else None

    async def dial_preview(self, agent_id: int, campaign_id: int, contact_id: int) -> int:
        """The agent asked for this contact's call: the agent is claimed, the call placed; the
        attempt's id. Raises DialRefused."""
        plan = self._preview_plan(agent_id, campaign_id)
        if agent_id not in {p.agent_id for p in self.desk.router.available_agents()}:
            raise DialRefused("the agent is not available")
        dials = await self._take_contacts(plan, 1, contact_id=contact_id)
        if not dials:
            raise DialRefused(f"contact {contact_id} may not be called now (not due, outside "
                              "its window, held by the contact policy, or being called)")
        dials[0].pinned_agent_id = agent_id
        for dial in await self._claim_pinned(plan, dials):
            await self._originate(dial)
        return dials[0].attempt_id

    def _free_agents(self, plan: Plan) -> list[AgentProfile]:
        """The campaign's agents available now, as the router has them."""
        agents = self.desk.agents
        return [p for p in self.desk.router.available_agents()
                if p.agent_id in agents and plan.works(agents[p.agent_id])]

    def _phones_in_flight(self) -> set[str]:
        return {d.phone for d in self.dials.values()}

    async def _take_callbacks(self, plan: Plan) -> list[Dial]:
        """Callbacks due now whose agent is free: the agent is claimed, then the call placed.
        One whose agent stays away past CALLBACK_PATIENCE goes to any agent of the campaign."""
        now = utcnow()
        free = {p.agent_id for p in self._free_agents(plan)}
        if not free:
            return []  # no query while every agent of the campaign is busy
        taken: list[Dial] = []
        in_flight = self._phones_in_flight()
        async with self.sessions() as s, s.begin():
            due = await s.scalars(
                select(Contact).where(Contact.campaign_id == plan.id,
                                      Contact.status == ContactStatus.PENDING,
                                      Contact.callback_agent_id.in_(free),
                                      Contact.next_attempt_at <= now,
                                      Contact.next_attempt_at >= now - CALLBACK_PATIENCE)
                .order_by(Contact.next_attempt_at).with_for_update(skip_locked=True))
            for contact in due:
                if contact.phone not in in_flight:
                    dial = await self._attempt(s, plan, contact, now)
                    dial.pinned_agent_id = contact.callback_agent_id
                    taken.append(dial)
        return await self._claim_pinned(plan, taken)

    async def _claim_pinned(self, plan: Plan, taken: list[Dial]) -> list[Dial]:
        claimed = []
        for dial in taken:  # once the attempts are stored: no agent is held for a failed write
            assert dial.pinned_agent_id is not None  # every caller pins an agent first
            if self.desk.claim_agent(dial.channel_id, dial.pinned_agent_id,
                                     plan.wrap_up_seconds):
                dial.agent_id = dial.pinned_agent_id
                claimed.append(dial)
            else:  # taken by an inbound call meanwhile: retried as a failed call is
                dial.pinned_agent_id = None
                self.dials[dial.channel_id] = dial
                await self._finish(dial, AttemptOutcome.FAILED, "the callback's agent was busy")
        return claimed

    async def _attempt(self, s: AsyncSession, plan: Plan, contact: Contact,
                       now: datetime) -> Dial:
        """The contact marked dialing, with a new attempt row."""
        contact.status = ContactStatus.DIALING
        contact.attempts += 1
        channel_id = f"dial-{uuid.uuid4().hex}"
        attempt = ContactAttempt(campaign_id=plan.id, contact_id=contact.id,
                                 retailer_id=contact.retailer_id, phone=contact.phone,
                                 channel_id=channel_id, started_at=now)
        s.add(attempt)
        await s.flush()
        return Dial(plan, attempt.id, contact.id, contact.attempts, contact.phone, channel_id,
                    f"PJSIP/{contact.phone}@{self.settings.trunk}", self.clock())

    async def _history(self, s: AsyncSession, contacts: list[Contact],
                       now: datetime) -> list[tuple[int | None, str, PastCall]]:
        since = now - timedelta(hours=max(self.policy.quiet_hours_after_abandon, 48))
        retailers = [c.retailer_id for c in contacts if c.retailer_id is not None]
        rows = await s.execute(
            select(ContactAttempt.retailer_id, ContactAttempt.phone, ContactAttempt.started_at,
                   ContactAttempt.abandoned)
            .where(ContactAttempt.started_at >= since,
                   or_(ContactAttempt.phone.in_([c.phone for c in contacts]),
                       ContactAttempt.retailer_id.in_(retailers))))
        return [(r, p, PastCall(at, abandoned)) for r, p, at, abandoned in rows]

    def _allowed_from(self, plan: Plan, contact: Contact, history, now: datetime
                      ) -> datetime | None:
        """When this contact may be called: now, later, or None (the campaign has ended)."""
        mine = [call for retailer, phone, call in history
                if phone == contact.phone or (retailer is not None
                                              and retailer == contact.retailer_id)]
        earliest = self.policy.allowed_from(mine, now, contact.time_zone)
        return plan.calendar.next_open(earliest, contact.time_zone)

    async def _originate(self, dial: Dial) -> None:
        self.dials[dial.channel_id] = dial
        plan = dial.plan
        try:
            await self.ami.originate(
                dial.dial_string, context=dp.CTX_OUTBOUND, exten="answered",
                caller_id=plan.caller_id, timeout_ms=plan.ring_seconds * 1000,
                channel_id=dial.channel_id, variables={
                    dp.VAR_DIRECTION: "outbound", dp.VAR_CAMPAIGN: str(plan.id),
                    dp.VAR_ATTEMPT: str(dial.attempt_id),
                    dp.VAR_DETECT_MACHINE: "1" if plan.detect_machines else "0",
                    dp.VAR_GRACE: str(self.settings.grace_seconds),
                    dp.VAR_ABANDON_MESSAGE: self.abandon_message(plan.caller_id)})
        except AmiError as exc:
            if dial.channel_id in self.dials:
                await self._finish(dial, AttemptOutcome.FAILED, f"not placed: {exc}")

    # campaigns ---------------------------------------------------------------------------------

    async def _reload(self) -> None:
        """The running campaigns' settings as they are now; a campaign with nobody left to call
        is finished."""
        async with self.sessions() as s, s.begin():
            running = list(await s.scalars(select(Campaign).where(
                Campaign.state == CampaignState.RUNNING)))
            open_ids = set(await s.scalars(
                select(Contact.campaign_id).distinct()
                .where(Contact.campaign_id.in_([c.id for c in running]),
                       Contact.status.in_((ContactStatus.PENDING, ContactStatus.DIALING)))))
            plans = {}
            yesterday = (utcnow() - timedelta(days=1)).date()  # still today in every zone
            for campaign in running:
                over = campaign.ends_on is not None and campaign.ends_on < yesterday
                if (over or campaign.id not in open_ids) and not any(
                        d.plan.id == campaign.id for d in self.dials.values()):
                    campaign.state = CampaignState.FINISHED
                    log.info("campaign finished", extra={"campaign": campaign.name})
                    continue
                plans[campaign.id] = Plan.of(campaign)
            self._counts = await attempt_counts(s, list(plans))
        today = utcnow().date()
        for plan in plans.values():
            pacer = self.pacers[plan.id] = self._pacer(plan, self.pacers.get(plan.id))
            if isinstance(pacer, Predictive) and self._today != today:
                pacer.new_day()  # its day's abandon rate starts again
        self._today = today
        self.plans = plans

    def _pacer(self, plan: Plan, pacer: Pacer | None) -> Pacer:
        """The campaign's pacer, kept (with what it learned) while the mode stays."""
        if plan.mode == DialingMode.PREDICTIVE:
            if not isinstance(pacer, Predictive):
                pacer = Predictive(target=plan.abandon_target,
                                   grace=self.settings.grace_seconds)
            pacer.target = plan.abandon_target
            return pacer
        kind = Progressive if plan.mode == DialingMode.PROGRESSIVE else Preview
        return pacer if type(pacer) is kind else kind()

    async def _recover(self) -> None:
        """Calls in flight when the engine stopped: their outcome is unknown, and their
        contacts are due again."""
        async with self.sessions() as s, s.begin():
            await s.execute(update(ContactAttempt).where(ContactAttempt.ended_at.is_(None))
                            .values(outcome=AttemptOutcome.FAILED, ended_at=utcnow(),
                                    pbx_reason="the engine restarted"))
            await s.execute(update(Contact).where(Contact.status == ContactStatus.DIALING)
                            .values(status=ContactStatus.PENDING))

    async def _write(self, batch: list[Write]) -> None:
        """The outcomes, in the order they came, in one transaction."""
        async with self.sessions() as s, s.begin():
            for write in batch:
                await write(s)
