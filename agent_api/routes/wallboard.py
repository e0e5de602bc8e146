"""The wallboard's live feed over WebSocket: the first message is {"token": "..."}; then a
snapshot every second: {"kind": "wallboard", "at", "data": {"queues": [...], "agents": [...]}}.
Supervisors, ops and admins may watch (close 4401 bad token, 4403 role, 4400 bad message, 1008
when the token ends); one of a branch sees its branch's queues and agents, one of headquarters
all."""
import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from agent_api.feeds import Refused, end, opened, refuse, until_gone
from models import Role
from runtime.wallboard import FRESH_SECONDS

router = APIRouter(tags=["live"])
WATCHERS = (Role.SUPERVISOR, Role.OPS, Role.ADMIN)


@router.websocket("/ws/wallboard")
async def wallboard_feed(ws: WebSocket) -> None:
    await ws.accept()
    try:
        async with opened(ws) as (_, user, held):
            if user.role not in WATCHERS:
                raise Refused(4403, "the wallboard is for supervisors, ops and admins")
            wallboard = ws.app.state.engine.wallboard
            gone = asyncio.create_task(until_gone(ws))
            ended = asyncio.create_task(held.ended.wait())
            try:
                while not gone.done() and not ended.done():
                    await ws.send_json({"kind": "wallboard",
                                        "at": datetime.now(UTC).isoformat(), "role": user.role,
                                        "data": await wallboard.snapshot(user)})
                    await asyncio.wait((gone, ended), timeout=FRESH_SECONDS,
                                       return_when=asyncio.FIRST_COMPLETED)
                if not gone.done():
                    await end(ws, held)
            finally:
                gone.cancel()
                ended.cancel()
    except Refused as refused:
        await refuse(ws, refused)
    except WebSocketDisconnect:
        pass
