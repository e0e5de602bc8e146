"""The IVR over FastAGI: runs the flow (ivr/flow.py) on a call, doing what each step asks."""
import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import replace
from pathlib import Path

from asterisk import dialplan as dp
from asterisk.agi import AgiHangup, AgiSession, Handler
from ivr import flow
from ivr.prompts import LANGUAGES
from ivr.settings import IvrSettings
from ivr.store import IvrStore, StepTiming
from models import utcnow

log = logging.getLogger("hotline.ivr")


class IvrApp:
    def __init__(self, store: IvrStore, settings: IvrSettings, voicemail_dir: Path) -> None:
        self.store = store
        self.settings = settings
        self.voicemail_dir = voicemail_dir  # the engine's view of settings.pbx_voicemail_dir

    def routes(self) -> dict[str, Handler]:
        return {dp.AGI_SCRIPT_IVR: self.handle, dp.AGI_SCRIPT_LEAVE_MESSAGE: self.leave_message}

    async def handle(self, session: AgiSession) -> None:
        req = session.request
        # The dialplan answered and passes the call's linkedid: two round trips fewer a call.
        linkedid = (req.args[0] if req.args else None) or req.uniqueid
        caller = req.callerid or ""
        context = await self.store.menu_context(caller)
        # Read while the caller hears the welcome: the first prompt waits for no database.
        # Awaited below whatever happens to the call: the handler owns it.
        facts = asyncio.create_task(self.store.caller_facts(linkedid, caller))
        call = _Call(session, self, linkedid, context, facts)
        try:
            await call.run()
        finally:
            first, _ = await facts
            self.store.keep_path(linkedid, first, call.flow.path, call.timings)

    async def leave_message(self, session: AgiSession) -> None:
        """A caller who chose a message at the queue's maximum wait: the routing facts the IVR
        set on the channel go with the voicemail."""
        names = (dp.VAR_LANGUAGE, dp.VAR_QUEUE, dp.VAR_BUSINESS_TYPE, dp.VAR_BRANCH,
                 dp.VAR_RETAILER, dp.VAR_CARD, "CHANNEL(linkedid)")
        reply = await session.command("GET FULL VARIABLE", "|".join(f"${{{n}}}" for n in names))
        lang, queue, bt, branch, retailer, card, linkedid = (reply.data.split("|") + [""] * 7)[:7]
        lang = lang if lang in LANGUAGES else "zh"
        route = flow.Route(queue=queue, business_type=bt, reason="maximum wait",
                           branch_id=int(branch) if branch.isdigit() else None,
                           retailer_id=int(retailer) if retailer.isdigit() else None,
                           card_number=card or None)
        await session.exec("Playback", self.prompt_files(lang, ("leave-message", "beep")),
                           timeout=60)
        await self.record_message(session, linkedid or session.request.uniqueid, route,
                                  self.settings.voicemail_max_seconds)
        await session.set_variable(dp.VAR_HANDLED, "1")
        await session.exec("Playback", self.prompt_file(lang, "message-saved"), timeout=60)

    def prompt_file(self, lang: str, key: str) -> str:
        return f"{self.settings.pbx_prompts_dir}/{lang}/{key}"

    def prompt_files(self, lang: str, keys: tuple[str, ...]) -> str:
        """The prompts as one argument of Read or Playback ('' for none)."""
        return "&".join(self.prompt_file(lang, key) for key in keys)

    async def record_message(self, session: AgiSession, linkedid: str, route: flow.Route | None,
                             seconds: int) -> int:
        """Records until # or the limit; returns the message's length in ms (0: none)."""
        name = linkedid.replace("/", "_")
        started = utcnow()
        try:
            await session.command("RECORD FILE", f"{self.settings.pbx_voicemail_dir}/{name}",
                                  "wav", "#", seconds * 1000, timeout=seconds + 30)
        finally:  # a caller who hangs up after speaking has still left a message
            vm = await self.store.save_voicemail(linkedid, session.request.callerid or "",
                                                 route, self.voicemail_dir / f"{name}.wav",
                                                 started)
        return vm.duration_ms if vm else 0


class _Call:
    def __init__(self, session: AgiSession, app: IvrApp, linkedid: str,
                 ctx: flow.CallContext, facts: Awaitable[tuple[int, flow.Retailer | None]]
                 ) -> None:
        self.session, self.app, self.linkedid = session, app, linkedid
        self.flow = flow.IvrFlow(ctx)
        self.facts: Awaitable[tuple[int, flow.Retailer | None]] | None = facts
        self.timings: list[StepTiming] = []
        self.state: str | None = None

    async def run(self) -> None:
        step = self.flow.start()
        while step.decision is None:
            started, wall = time.monotonic(), utcnow()
            try:
                event = await self._perform(step)
            except AgiHangup:
                self.flow.path.append(flow.PathEntry(len(self.flow.path) + 1, str(step.state),
                                                     "", "hangup"))
                self._time(started, wall, step)
                raise
            self._time(started, wall, step)
            if self.facts is not None:  # the caller's input counts with who the caller is
                _, recognized = await self.facts
                self.flow.ctx, self.facts = replace(self.flow.ctx, recognized=recognized), None
            step = self.flow.feed(event)
        await self._conclude(step)

    def _time(self, started: float, wall, step: flow.Step) -> None:
        self.timings.append(StepTiming(wall, int((time.monotonic() - started) * 1000),
                                       step.say[0] if step.say else None))

    async def _enter(self, state: flow.State) -> None:
        if self._entered(state):
            await self.session.set_variable(dp.VAR_STEP, str(state))

    def _entered(self, state: flow.State) -> bool:
        """True when the call moves into this step (its variable is to be set)."""
        entered, self.state = state != self.state, state
        return entered

    async def _perform(self, step: flow.Step) -> flow.Input:
        request, store = step.request, self.app.store
        if isinstance(request, flow.Collect):
            return await self._collect(step.state, step.say, request)
        await self._enter(step.state)
        await self._play(step.say)
        match request:
            case flow.LookupCard(card_number=card):
                return flow.CardResult(await store.lookup_card(card))
            case flow.CheckPin(retailer_id=rid, pin=pin):
                return flow.PinResult(await store.check_pin(rid, pin, self.linkedid))
            case flow.FetchOrders(retailer_id=rid, limit=limit):
                return flow.OrdersResult(await store.last_orders(rid, limit),
                                         await store.allowance(rid))
            case flow.RecordMessage(max_seconds=seconds):
                return await self._record(seconds)
        raise ValueError(f"nothing to do for {request!r}")

    async def _collect(self, state: flow.State, say: tuple[str, ...],
                       c: flow.Collect) -> flow.Input:
        """Read() plays the prompts and stops at the first key (barge-in); # ends the entry.
        Keys that arrive between AGI commands are lost to Asterisk, so the gap from one Read
        to the next is kept to two round trips: the subroutine sets the step and reads, and
        one GET brings back both the status and the keys."""
        new_step = str(state) if self._entered(state) else ""
        await self.session.gosub(dp.CTX_IVR_COLLECT,
                                 (new_step, self._files(say) or "silence/1", str(c.max_digits),
                                  f"{c.timeout_ms / 1000:g}"),
                                 timeout=c.timeout_ms / 1000 + 120)
        reply = await self.session.command("GET FULL VARIABLE",
                                           f"${{READSTATUS}}|${{{dp.IVR_INPUT_VAR}}}")
        status, _, keys = reply.data.partition("|")
        if status == "HANGUP":
            raise AgiHangup("caller hung up during Read")
        return flow.Digits(keys) if keys else flow.Timeout()

    async def _play(self, say: tuple[str, ...]) -> None:
        if say:
            await self.session.exec("Playback", self._files(say), timeout=120)

    def _files(self, say: tuple[str, ...]) -> str:
        return self.app.prompt_files(self.flow.language, say)

    async def _record(self, max_seconds: int) -> flow.Input:
        route = self.flow.closed_route
        if route is not None:
            await self.session.set_variables(self._routing_facts(route))
        return flow.Recorded(await self.app.record_message(self.session, self.linkedid, route,
                                                           max_seconds))

    def _routing_facts(self, route: flow.Route) -> dict[str, str]:
        facts = {dp.VAR_CARD: route.card_number, dp.VAR_RETAILER: route.retailer_id,
                 dp.VAR_BRANCH: route.branch_id, dp.VAR_BUSINESS_TYPE: route.business_type,
                 dp.VAR_RETAILER_CLASS: route.retailer_class,
                 dp.VAR_LANGUAGE: self.flow.language, dp.VAR_IVR_PATH: self.flow.trail}
        return {name: str(value) for name, value in facts.items() if value is not None}

    async def _conclude(self, step: flow.Step) -> None:
        """The decision and the last prompt go on the channel in one round trip, and the AGI
        ends: the dialplan plays the prompt and goes on from the decision. Always set, so a
        caller back in the IVR never hears the prompt of its first time."""
        done = {dp.VAR_STEP: str(flow.State.DONE),
                dp.LAST_PROMPT_VAR: self._files(step.say)}
        decision = step.decision
        if isinstance(decision, flow.Route):
            done |= self._routing_facts(decision) | {dp.VAR_QUEUE: decision.queue}
        await self.session.set_variables(done | {dp.VAR_HANDLED: "1"})
        log.info("ivr done", extra={"linkedid": self.linkedid, "decision": repr(decision),
                                    "path": self.flow.trail})
