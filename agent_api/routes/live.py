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
4403 (not allowed), 4404 (no such agent), 4400 (bad first message), 4408 (too slow: resume)."""
import asyncio
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, ValidationError

from acd.desk import Desk
from acd.figures import session_status
from acd.roster import AgentInfo
from agent_api.auth import Principal, principal_for
from models import Role
from runtime.live import CutOff, LiveEvent, LiveHub, Subscription, agent_topic
from services import branch_scope
from services.errors import NotFound

router = APIRouter(tags=["live"])
log = logging.getLogger("hotline.live")
HELLO_TIMEOUT = 10.0
WATCHING = (Role.SUPERVISOR, Role.ADMIN)


class Hello(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    agent: str | None = Field(default=None, max_length=16)
    epoch: str | None = Field(default=None, max_length=32)
    after: int | None = Field(default=None, ge=0)


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


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


async def _hello(ws: WebSocket) -> Hello:
    try:
        async with asyncio.timeout(HELLO_TIMEOUT):
            first = await ws.receive_json()
        return Hello.model_validate(first)
    except TimeoutError:
        raise Refused(4400, "no first message with the token") from None
    except (ValidationError, ValueError) as exc:
        raise Refused(4400, f"first message: {exc}"[:120]) from None


@router.websocket("/ws/agent")
async def agent_events(ws: WebSocket) -> None:
    await ws.accept()
    engine = ws.app.state.engine
    hub: LiveHub = engine.hub
    try:
        hello = await _hello(ws)
        async with ws.app.state.sessions() as session:
            user = await principal_for(session, hello.token)
        if user is None:
            raise Refused(4401, "token: not logged in, or the token expired")
        agent = _agent_for(engine.desk, user, hello.agent)
    except Refused as refused:
        await ws.close(refused.code, refused.reason)
        return
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
        await _pump(ws, hub, subscription)
    except WebSocketDisconnect:
        pass
    except CutOff:
        await ws.close(4408, "too far behind: reconnect with your last seq")
    finally:
        subscription.close()


async def _send(ws: WebSocket, hub: LiveHub, event: LiveEvent) -> None:
    await ws.send_json({"epoch": hub.epoch, **event.frame()})


async def _pump(ws: WebSocket, hub: LiveHub, subscription: Subscription) -> None:
    """Sends live events until the client goes; what the client sends is read (and ignored)
    only to notice that it went."""
    gone = asyncio.create_task(_until_gone(ws))
    try:
        while True:
            event = asyncio.create_task(subscription.next())
            await asyncio.wait((gone, event), return_when=asyncio.FIRST_COMPLETED)
            if gone.done():
                event.cancel()
                return
            await _send(ws, hub, event.result())
    finally:
        gone.cancel()


async def _until_gone(ws: WebSocket) -> None:
    while (await ws.receive())["type"] != "websocket.disconnect":
        pass
