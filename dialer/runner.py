"""The dialer at work: for each running campaign, as many calls as its pacer says (never with
no agent of the campaign logged in, never past the trunk's lines; a predictive campaign whose
abandons over 24 hours or all along reach its target, less the people its machine detection is
estimated to drop, dials as progressive until they are back under: a hard limit behind the
pacer's own aim, which sits below the target), each to a contact
chosen by the contact selection (dialer/selection.py), placed and followed to its end by the
calls (dialer/calls.py), its outcome written behind (dialer/outcome_log.py). The calls an agent
took and said were a machine (the disposition `answering_machine`) are told to the campaign's
predictive pacer, which had counted them as live answers."""
import asyncio
import dataclasses
import logging
import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import AgentState
from acd.kept_places import Turn
from acd.outbound import OutboundDesk
from acd.tracker import records_by_call
from asterisk.actions import Pbx
from asterisk.ami import AmiItem
from asterisk.cdr import read_recent
from dialer.amd import AmdEvidence, estimate
from dialer.callbacks import CallbackIntake, contact_of
from dialer.calls import OutboundCalls
from dialer.dials import Dial
from dialer.figures import AttemptCounts, amd_evidence, attempt_counts, machines_taken
from dialer.outcome_log import OutcomeLog
from dialer.pacing import AgentPhase, AgentView, Pacer, PacingView, Predictive, Preview, Progressive
from dialer.plan import Plan
from dialer.schedule import ContactPolicy
from dialer.selection import ContactSelection
from dialer.settings import DialerSettings
from dialer.standing import STANDING, standing_campaign
from models import (
    Branch,
    CallbackRequest,
    Campaign,
    CampaignPurpose,
    CampaignState,
    Contact,
    ContactStatus,
    DialingMode,
    utcnow,
)

log = logging.getLogger("hotline.dialer")

RELOAD_SECONDS = 1.0  # a campaign's changed settings apply within this
ESTIMATE_SECONDS = 60.0  # how often AMD's false positives are estimated again from the calls
# an agent's disposition of a call is looked for this long after its start (later ones are not
# told to the pacer)
DISPOSITION_HORIZON = timedelta(hours=1)
PROGRESSIVE = Progressive()
PHASES = {AgentState.AVAILABLE: AgentPhase.FREE, AgentState.RESERVED: AgentPhase.CLAIMED,
          AgentState.ON_CALL: AgentPhase.TALK, AgentState.WRAP_UP: AgentPhase.WRAP}


class DialRefused(Exception):
    """A call an agent asked for cannot be placed now; the message says why, `rule` names it
    (the API's code) and `ctx` holds its values."""

    def __init__(self, rule: str, message: str, **ctx: int | str) -> None:
        super().__init__(message)
        self.rule, self.ctx = rule, ctx


class Dialer:
    def __init__(self, pbx: Pbx, desk: OutboundDesk, sessions: async_sessionmaker[AsyncSession],
                 settings: DialerSettings, abandon_message: Callable[[str], str],
                 caller_id: str, clock: Callable[[], float] = time.monotonic,
                 pbx_records: Path | None = None) -> None:
        """`caller_id`: the number the standing campaigns (callbacks, agents' own calls) show;
        `pbx_records`: the PBX's call records (CDR), read for the calls in flight at a restart."""
        self.pbx, self.desk, self.sessions, self.settings = pbx, desk, sessions, settings
        self.caller_id = caller_id
        self.clock = clock
        self.pbx_records = pbx_records
        policy = ContactPolicy(settings.calls_per_retailer_per_day,
                               settings.quiet_hours_after_abandon)
        self.plans: dict[int, Plan] = {}
        self.pacers: dict[int, Pacer] = {}
        self.outcomes = OutcomeLog(sessions)
        self.contacts = ContactSelection(sessions, policy, settings.trunk, clock)
        self.calls = OutboundCalls(pbx, desk, self.outcomes, self.pacers, settings, policy,
                                   abandon_message, clock)
        self.callbacks = CallbackIntake(sessions, caller_id)
        self._standing = asyncio.Lock()  # one maker of a branch's standing campaigns at a time
        self._loaded_at = -math.inf
        self._counts: dict[int, AttemptCounts] = {}  # running campaigns' attempts
        self._amd: dict[int, AmdEvidence] = {}  # of the people AMD dropped, per campaign
        self._estimated_at = -math.inf
        self._since: dict[int, datetime | None] = {}  # what the evidence was read for
        self._today = utcnow().date()
        # the machines agents said they took, told to the campaign's predictive pacer once: the
        # pacer's start per campaign (it never counted what was answered before), and those told
        self._pacing_since: dict[int, datetime] = {}
        self._machines_told: dict[int, datetime] = {}  # attempt -> started
        self.ticks = 0  # rounds done: what "the dialer looked and placed no call" waits for

    def attempts(self) -> dict[str, AttemptCounts]:
        """The running campaigns' attempts by campaign name, as last read (each round that
        reloads the campaigns reads them anew)."""
        return {plan.name: self._counts.get(plan.id, AttemptCounts())
                for plan in self.plans.values()}

    @property
    def dials(self) -> dict[str, Dial]:
        """The calls in flight, by channel id."""
        return self.calls.dials

    # the loop --------------------------------------------------------------------------------

    async def run(self) -> None:
        records = [] if self.pbx_records is None else await asyncio.to_thread(
            read_recent, self.pbx_records)
        await self.outcomes.recover(records_by_call(records))
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self.outcomes.run())
            while True:
                try:
                    await self.tick()
                except Exception:
                    log.exception("dialer tick failed")
                await asyncio.sleep(self.settings.tick_seconds)

    async def tick(self) -> None:
        now = self.clock()
        if now - self._loaded_at >= RELOAD_SECONDS:
            await self.schedule_callbacks()
            await self.callbacks.close_finished()
            await self._reload()
            self._loaded_at = now
        await self.calls.check(now)
        if self.pbx.connected:
            for plan in list(self.plans.values()):
                await self._pace(plan, now)
        self.ticks += 1

    async def schedule_callbacks(self) -> None:
        """Callback requests not yet given to the dialer become contacts of their campaign."""
        async with self._standing:
            await self.callbacks.schedule()

    async def flush(self) -> None:
        """Until every outcome so far is stored."""
        await self.outcomes.flush()

    async def on_event(self, item: AmiItem) -> None:
        await self.calls.on_event(item)

    # pacing and dialing ----------------------------------------------------------------------

    def live(self, campaign_id: int) -> dict[str, int] | None:
        """What a running campaign is doing now; None when it is not running."""
        plan = self.plans.get(campaign_id)
        if plan is None:
            return None
        mine = self.calls.of(plan)
        agents = self._agents(plan, self.clock())
        return {"ringing": sum(d.answered is None for d in mine),
                "waiting_for_agent": sum(d.live and d.agent_id is None for d in mine),
                "talking": sum(d.connected is not None for d in mine),
                "agents_logged_in": len(agents),
                "agents_busy": sum(a.phase != AgentPhase.FREE for a in agents),
                "amd_on": plan.amd_on}

    def _agents(self, plan: Plan, now: float) -> list[AgentView]:
        """The campaign's agents who are logged in and not paused."""
        return [AgentView(PHASES[a.state], a.time_in_state)
                for a in self.desk.logged_in(plan.works, now) if a.state in PHASES]

    def _at_work(self, plan: Plan, team: int) -> Plan:
        """The plan with the team at work now, which may turn AMD on or off (`Plan.amd_on`); the
        pacer keeps the people AMD drops in hand only while it is on."""
        plan = self.plans[plan.id] = dataclasses.replace(plan, team=team)
        self.pacers[plan.id] = self._pacer(plan, self.pacers.get(plan.id))
        return plan

    async def _pace(self, plan: Plan, now: float) -> None:
        agents = self._agents(plan, now)
        if plan.detect_machines and plan.team != len(agents):
            plan = self._at_work(plan, len(agents))
        if not agents:
            return  # nobody of the campaign logged in (or all paused): never dial
        for dial in await self._take_callbacks(plan):
            await self.calls.place(dial)
        mine = self.calls.of(plan)
        view = PacingView(
            now=now, agents=agents, ringing=[now - d.started for d in mine if d.answered is None],
            wrap_seconds=plan.wrap_up_seconds, ring_seconds=plan.ring_seconds,
            max_lines_per_agent=plan.max_lines_per_agent,
            free_trunks=self.settings.max_lines - len(self.dials),
            waiting=sum(d.live and d.agent_id is None for d in mine))
        pacer = self.pacers[plan.id]
        if isinstance(pacer, Predictive) and self._counts.get(
                plan.id, AttemptCounts()).reached(plan.dialer_target):
            pacer = PROGRESSIVE  # until the campaign's abandon rate is back under its target
        wanted = min(pacer.dials(view), view.cap())
        if wanted > 0:
            for dial in await self.contacts.due(plan, wanted, self.calls.phones()):
                await self.calls.place(dial)

    async def _take_callbacks(self, plan: Plan) -> list[Dial]:
        """Callbacks due now whose agent is free: the agent is claimed, then the call placed.
        One whose agent stays away past CALLBACK_PATIENCE goes to any agent of the campaign."""
        free = {p.agent_id for p in self.desk.free_agents(plan.works)}
        if not free:
            return []  # no query while every agent of the campaign is busy
        taken = await self.contacts.callbacks(plan, free, self.calls.phones())
        return await self.calls.claim_pinned(plan, taken)

    # preview: the agent sees the contact, then asks for the call -------------------------------

    def _preview_plan(self, agent_id: int, campaign_id: int) -> Plan:
        plan = self.plans.get(campaign_id)
        if plan is None or plan.mode != DialingMode.PREVIEW:
            raise DialRefused("campaign_not_preview",
                              f"campaign {campaign_id} is not running in preview mode",
                              campaign=campaign_id)
        if not self.desk.works(agent_id, plan.works):
            raise DialRefused("campaign_not_worked",
                              f"the agent does not work campaign {plan.name!r}",
                              campaign=plan.name)
        return plan

    async def preview(self, agent_id: int, campaign_id: int) -> Contact | None:
        """The contact the agent would call next (not held: dial it with `dial_preview`)."""
        plan = self._preview_plan(agent_id, campaign_id)
        found = await self.contacts.due(plan, 1, self.calls.phones(), peek=True)
        return found[0] if found else None

    async def dial_preview(self, agent_id: int, campaign_id: int, contact_id: int) -> int:
        """The agent asked for this contact's call: the agent is claimed, the call placed; the
        attempt's id. Raises DialRefused."""
        return await self._dial_for(agent_id, self._preview_plan(agent_id, campaign_id),
                                    contact_id)

    async def call_back(self, agent_id: int, contact_id: int) -> int:
        """The agent calls a callback's contact now (from the inbox), whatever the campaign's
        mode: the attempt's id. Raises DialRefused."""
        async with self.sessions() as s:
            campaign_id = await s.scalar(select(Contact.campaign_id)
                                         .where(Contact.id == contact_id))
        plan = await self._running(campaign_id)
        if plan is None:
            raise DialRefused("campaign_not_running", "its campaign is not running",
                              contact=contact_id)
        if not self.desk.works(agent_id, plan.works):
            raise DialRefused("campaign_not_worked",
                              f"the agent does not work campaign {plan.name!r}",
                              campaign=plan.name)
        return await self._dial_for(agent_id, plan, contact_id)

    async def dial_number(self, agent_id: int, branch: str, phone: str,
                          retailer_id: int | None, name: str, time_zone: str) -> int:
        """Click-to-dial: the agent's own call to `phone`, as a contact of the branch's own
        calls campaign, so the do-not-call list and the contact policy apply to it as to any
        call. The attempt's id. Raises DialRefused."""
        async with self._standing, self.sessions() as s, s.begin():
            found = await s.scalar(select(Branch).where(Branch.code == branch))
            if found is None:
                raise DialRefused("unknown_branch", f"no branch {branch!r}", branch=branch)
            campaign = await standing_campaign(s, found, CampaignPurpose.MANUAL, self.caller_id)
            contact = await s.scalar(select(Contact).where(Contact.campaign_id == campaign.id,
                                                           Contact.phone == phone))
            if contact is None:
                contact = Contact(campaign_id=campaign.id, phone=phone, time_zone=time_zone)
                s.add(contact)
            if contact.status != ContactStatus.DIALING:
                contact.status, contact.next_attempt_at = ContactStatus.PENDING, None
            contact.retailer_id, contact.name = retailer_id, name
            await s.flush()
            campaign_id, contact_id = campaign.id, contact.id
        plan = await self._running(campaign_id)
        if plan is None:
            raise DialRefused("campaign_not_running",
                              f"the branch's own calls campaign {branch!r} is not running",
                              campaign=campaign_id)
        return await self._dial_for(agent_id, plan, contact_id)

    async def call_kept(self, turn: Turn) -> None:
        """A kept place's turn (virtual hold): the caller called back now for the agent the ACD
        reserved (the stand-in's id is the call's channel id), as a contact of the branch's
        callback campaign; the agent is released if the call cannot be placed."""
        place = turn.place
        async with self._standing, self.sessions() as s, s.begin():
            branch = await s.scalar(select(Branch).where(Branch.code == place.branch))
            assert branch is not None  # the queue's branch
            campaign = await standing_campaign(s, branch, CampaignPurpose.CALLBACK,
                                               self.caller_id)
            contact = await contact_of(s, campaign, place.caller_number)
            if contact is None:
                contact = Contact(campaign_id=campaign.id, phone=place.caller_number,
                                  retailer_id=place.retailer_id, time_zone=branch.timezone,
                                  fields={"kept_place": place.linkedid})
                s.add(contact)
                await s.flush()
            await s.execute(update(CallbackRequest).where(
                CallbackRequest.linkedid == place.linkedid,
                CallbackRequest.contact_id.is_(None)).values(contact_id=contact.id))
            campaign_id, contact_id = campaign.id, contact.id
        plan, dial = await self._running(campaign_id), None
        if plan is not None:
            async with self.sessions() as s, s.begin():
                contact = await s.get(Contact, contact_id, with_for_update=True)
                if contact is not None and contact.status != ContactStatus.DIALING:
                    dial = await self.contacts.kept(s, plan, contact, place.call_id)
        if dial is None:  # paused, being called, or on the do-not-call list
            await self.desk.release(turn.agent_id, place.call_id)
            return
        dial.pinned_agent_id = dial.agent_id = turn.agent_id
        await self.calls.place(dial)

    async def _running(self, campaign_id: int | None) -> Plan | None:
        """The campaign's plan, read now if the dialer's round has not come since it began."""
        if campaign_id is not None and campaign_id not in self.plans:
            await self._reload()
        return self.plans.get(campaign_id) if campaign_id is not None else None

    async def _dial_for(self, agent_id: int, plan: Plan, contact_id: int) -> int:
        """The agent claimed for this contact's call, the call placed; the attempt's id."""
        if agent_id not in {p.agent_id for p in self.desk.free_agents(plan.works)}:
            raise DialRefused("agent_not_available", "the agent is not available")
        phones = self.calls.phones()
        dials = await self.contacts.due(plan, 1, phones, contact_id=contact_id)
        if not dials:
            held = await self.contacts.why_not(plan, contact_id, phones)
            ctx: dict[str, int | str] = {"contact": contact_id}
            if held.until is not None:
                ctx["until"] = held.until.isoformat(timespec="minutes")
            raise DialRefused(held.rule, held.message, **ctx)
        dials[0].pinned_agent_id = agent_id
        for dial in await self.calls.claim_pinned(plan, dials):
            await self.calls.place(dial)
        return dials[0].attempt_id

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
                done = over or (campaign.id not in open_ids
                                and campaign.purpose not in STANDING)
                if done and not any(
                        d.plan.id == campaign.id for d in self.dials.values()):
                    campaign.state = CampaignState.FINISHED
                    log.info("campaign finished", extra={"campaign": campaign.name})
                    continue
                plans[campaign.id] = Plan.of(campaign)
            self._counts = await attempt_counts(s, list(plans))
            pacing = [c.id for c in running if c.id in plans
                      and plans[c.id].mode == DialingMode.PREDICTIVE]
            oldest = min((self._pacing_since.get(i, utcnow()) for i in pacing), default=None)
            machines = [] if oldest is None else await machines_taken(
                s, pacing, max(oldest, utcnow() - DISPOSITION_HORIZON))
            detecting = [c for c in running if c.id in plans and c.detect_machines]
            since = {c.id: c.amd_since for c in detecting}  # a change of AMD's parameters
            if self.clock() - self._estimated_at >= ESTIMATE_SECONDS or since != self._since:
                found = await amd_evidence(s, list(since))
                self._amd = {c.id: found.get(c.id, AmdEvidence()) for c in detecting}
                self._estimated_at, self._since = self.clock(), since
            for c in detecting:  # the people AMD drops, as the campaign's calls show them
                before = self.plans.get(c.id)
                plans[c.id] = dataclasses.replace(plans[c.id], amd_false_positive=estimate(
                    c.amd_false_positive, self._amd[c.id]).rate,
                    team=before.team if before else None)
        today = utcnow().date()
        for plan in plans.values():
            pacer = self.pacers[plan.id] = self._pacer(plan, self.pacers.get(plan.id))
            if isinstance(pacer, Predictive) and self._today != today:
                pacer.new_day()  # its day's abandon rate starts again
        self._today = today
        self.plans = plans
        self.machines_taken(machines)

    def machines_taken(self, found: list[tuple[int, int, datetime, datetime]]) -> None:
        """Each call an agent took as a person's and said was a machine (attempt, campaign,
        started, answered) is told once to its campaign's predictive pacer, which counted it as
        a live answer, if the pacer was there when it was dialed."""
        now, clock = utcnow(), self.clock()
        for attempt, campaign, started, answered in found:
            pacer = self.pacers.get(campaign)
            since = self._pacing_since.get(campaign)
            if (attempt in self._machines_told or not isinstance(pacer, Predictive)
                    or since is None or started < since):
                continue
            self._machines_told[attempt] = started
            pacer.machine(clock - (now - answered).total_seconds())
        old = now - DISPOSITION_HORIZON
        self._machines_told = {a: at for a, at in self._machines_told.items() if at >= old}

    def _pacer(self, plan: Plan, pacer: Pacer | None) -> Pacer:
        """The campaign's pacer, kept (with what it learned) while the mode stays."""
        if plan.mode == DialingMode.PREDICTIVE:
            if not isinstance(pacer, Predictive):
                pacer = Predictive(grace=self.settings.grace_seconds)
                self._pacing_since[plan.id] = utcnow()
            pacer.target = plan.dialer_target
            pacer.amd_false_positive = plan.amd_false_positive if plan.amd_on else 0.0
            return pacer
        kind = Progressive if plan.mode == DialingMode.PROGRESSIVE else Preview
        return pacer if type(pacer) is kind else kind()
