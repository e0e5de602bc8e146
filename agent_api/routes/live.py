"""The agent's live events over WebSocket.

The client's first message authenticates and says where it stopped:
    {"token": "...", "agent": "8001", "epoch": "...", "after": 41}
("agent" for supervisors, of their branch unless of headquarters: an agent gets its own). The
server answers with one of
    {"kind": "resumed", "epoch", "seq", "data": {"replayed": n}}
        then the n missed events, in order;
    {"kind": "reset", "epoch", "seq", "data": {"agent": {...}, "current": [...]}}
        reload from the API;
then every live event as {"epoch", "seq", "kind", "at", "data"}. Closes with 4401 (bad token),
4403 (not allowed), 4404 (no such agent), 4400 (bad first message), 4408 (too slow: resume),
1008 when the token ends (logout, expiry, user disabled); agent_api/feeds.py reads the first
message."""
import asyncio

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from acd.desk import Desk
from acd.figures import session_status
from acd.roster import AgentInfo
from agent_api.feeds import Hello, Refused, end, opened, refuse, until_gone
from models import Role
from runtime.feed_leases import Lease
from runtime.live import CutOff, LiveEvent, LiveHub, Subscription, agent_topic
from services import branch_scope
from services.errors import NotFound
from services.principal import Principal

router = APIRouter(tags=["live"])
WATCHING = (Role.SUPERVISOR, Role.ADMIN)


def _agent_for(desk: Desk, user: Principal, number: str | None) -> AgentInfo:
    if number is None:
        agent = desk.agents.get(user.agent_id) if user.agent_id is not None else None
        if agent is None:
            raise Refused(4400, "agent: this user is not an agent; name the agent to watch")
        return agent
    try:
        agent = branch_scope.agent(desk, user, number)
    except NotFound:
        raise Refused(4404, f"agent: {number} not found") from None
    if agent.id != user.agent_id and user.role not in WATCHING:
        raise Refused(4403, f"agent: only agent {number} or a supervisor may follow it")
    return agent


@router.websocket("/ws/agent")
async def agent_events(ws: WebSocket) -> None:
    await ws.accept()
    try:
        async with opened(ws) as (hello, user, held):
            await _follow(ws, hello, _agent_for(ws.app.state.engine.desk, user, hello.agent),
                          held)
    except Refused as refused:
        await refuse(ws, refused)
    except WebSocketDisconnect:
        pass
    except CutOff:
        await ws.close(4408, "too far behind: reconnect with your last seq")


async def _follow(ws: WebSocket, hello: Hello, agent: AgentInfo, held: Lease) -> None:
    engine = ws.app.state.engine
    hub: LiveHub = engine.hub
    topic = agent_topic(agent.id)
    await engine.feed.watched(agent.id)
    subscription = hub.subscribe(topic)  # with `missed` below in one step: no gap between them
    missed = hub.missed(topic, hello.epoch, hello.after)
    head = {"epoch": hub.epoch, "seq": hub.last_seq(topic)}
    try:
        if missed is None:
            current = [e.frame() for e in hub.sticky(topic)]
            await ws.send_json({**head, "kind": "reset",
                                "data": {"agent": session_status(engine.desk, agent),
                                         "current": current}})
        else:
            await ws.send_json({**head, "kind": "resumed", "data": {"replayed": len(missed)}})
            for event in missed:
                await _send(ws, hub, event)
        await _pump(ws, hub, subscription, held)
    finally:
        subscription.close()


async def _send(ws: WebSocket, hub: LiveHub, event: LiveEvent) -> None:
    await ws.send_json({"epoch": hub.epoch, **event.frame()})


async def _pump(ws: WebSocket, hub: LiveHub, subscription: Subscription, held: Lease) -> None:
    """Sends live events until the client goes or the token ends (then closes with 1008)."""
    gone = asyncio.create_task(until_gone(ws))
    ended = asyncio.create_task(held.ended.wait())
    try:
        while True:
            event = asyncio.create_task(subscription.next())
            await asyncio.wait((gone, ended, event), return_when=asyncio.FIRST_COMPLETED)
            if gone.done() or ended.done():
                event.cancel()
                if not gone.done():
                    await end(ws, held)
                return
            await _send(ws, hub, event.result())
    finally:
        gone.cancel()
        ended.cancel()
