"""Turns what the desk reports into each agent's live events: state changes, the offered call
and its screen-pop, the call's connect and end (with the wrap-up prompt), overdue work orders."""
import asyncio
import logging
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import AgentState
from acd.notices import AgentChanged, CallOffered, Notice, OutboundOffered
from models import utcnow
from models.journal import Journal
from runtime.live import LiveHub, agent_topic
from services import screen_pop
from services.work_orders import newly_overdue

log = logging.getLogger("hotline.desktop")
POP = "screen_pop"  # the sticky key of the current call's screen-pop
OVERDUE_INTERVAL = 15.0  # seconds between checks for work-order steps that became overdue
IN_CALL = (AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP)


class DesktopFeed:
    def __init__(self, hub: LiveHub, sessions: async_sessionmaker[AsyncSession],
                 server: str, journal: Journal | None = None) -> None:
        self.hub, self.sessions, self.server = hub, sessions, server
        self.journal = journal  # the IVR's steps of a call just offered may still be there
        self._offers: asyncio.Queue[CallOffered | OutboundOffered] = asyncio.Queue()
        self._calls: dict[int, str | None] = {}  # agent id -> the call its pop belongs to
        # Offers to agents with no console open (a phone-only agent): their pops are built
        # when a console opens during the call, not for nobody.
        self._unseen: dict[int, CallOffered | OutboundOffered] = {}

    def on_notice(self, notice: Notice) -> None:
        """Called by the desk as things happen: state events go out at once."""
        match notice:
            case CallOffered(agent_id=agent_id, call_id=call_id) | OutboundOffered(
                    agent_id=agent_id, call_id=call_id):
                self._calls[agent_id] = call_id
                topic = agent_topic(agent_id)
                self.hub.publish(topic, "call_offered", _offer_data(notice))
                if self.hub.subscribers(topic):
                    self._offers.put_nowait(notice)
                else:
                    self._unseen[agent_id] = notice
            case AgentChanged() as change:
                self._changed(change)

    async def watched(self, agent_id: int) -> None:
        """A console is about to subscribe to the agent's events: the current call's pop is
        built now if it was not, so that the console gets it with the rest."""
        offer = self._unseen.pop(agent_id, None)
        if offer is not None:
            await self._pop(offer)

    def _changed(self, c: AgentChanged) -> None:
        topic = agent_topic(c.agent_id)
        self.hub.publish(topic, "state", {
            "state": c.after, "before": c.before, "event": c.event, "reason": c.reason,
            "call_id": c.call_id if c.after in IN_CALL else None})
        if c.before == AgentState.RESERVED and c.after == AgentState.ON_CALL:
            self.hub.publish(topic, "call_connected", {"call_id": c.call_id})
        elif c.before == AgentState.ON_CALL and c.after == AgentState.WRAP_UP:
            self.hub.publish(topic, "call_ended", {
                "call_id": c.call_id, "wrap_up_seconds": c.wrap_up_seconds,
                "prompt": "set a disposition for the call, then end the wrap-up"})
        elif c.before == AgentState.RESERVED and c.after != AgentState.ON_CALL:
            self.hub.publish(topic, "call_withdrawn", {"call_id": c.call_id})
        if c.after not in IN_CALL:
            self._calls[c.agent_id] = None
            self._unseen.pop(c.agent_id, None)
            self.hub.unstick(topic, POP)

    async def run(self) -> None:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._overdue_loop())
            while True:
                offer = await self._offers.get()
                tg.create_task(self._pop(offer))

    async def _pop(self, offer: CallOffered | OutboundOffered) -> None:
        started = time.perf_counter()
        try:
            async with self.sessions() as session:
                if isinstance(offer, OutboundOffered):
                    pop = await screen_pop.build_outbound(session, offer)
                else:
                    unsaved = self.journal.unsaved() if self.journal else ()
                    pop = await screen_pop.build(session, self.server, offer, unsaved)
        except Exception:  # the agent still has the call_offered event and the call itself
            log.exception("screen-pop failed", extra={"call_id": offer.call_id})
            return
        still_current = self._calls.get(offer.agent_id) == offer.call_id
        self.hub.publish(agent_topic(offer.agent_id), POP, pop,
                         sticky=POP if still_current else None)
        log.debug("screen-pop", extra={"call_id": offer.call_id,
                                       "ms": round((time.perf_counter() - started) * 1000, 1)})

    async def _overdue_loop(self) -> None:
        while True:
            await asyncio.sleep(OVERDUE_INTERVAL)
            try:
                await self.publish_overdue()
            except Exception:
                log.exception("overdue check failed")

    async def publish_overdue(self) -> int:
        async with self.sessions() as session, session.begin():
            notices = await newly_overdue(session, utcnow())
        for n in notices:
            if n.agent_id is not None:
                self.hub.publish(agent_topic(n.agent_id), "task_overdue", n.payload)
        return len(notices)


def _offer_data(o: CallOffered | OutboundOffered) -> dict[str, Any]:
    if isinstance(o, OutboundOffered):
        return {"call_id": o.call_id, "direction": "outbound", "queue": o.campaign,
                "campaign_id": o.campaign_id, "attempt_id": o.attempt_id,
                "amd_check": o.amd_check,
                "caller_number": o.phone, "waited_seconds": 0}
    return {"call_id": o.call_id, "direction": "inbound", "queue": o.queue, "branch": o.branch,
            "business_type": o.business_type, "language": o.language,
            "retailer_id": o.retailer_id, "retailer_class": o.retailer_class,
            "caller_number": o.caller_number, "waited_seconds": o.waited_seconds}
