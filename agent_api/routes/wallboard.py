"""The wallboard's live feed over WebSocket: the first message is {"token": "..."}; then a
snapshot every second: {"kind": "wallboard", "at", "data": {"queues": [...], "agents": [...]}}.
Supervisors, ops and admins may watch (close 4401 bad token, 4403 role, 4400 bad message); one
of a branch sees its branch's queues and agents, one of headquarters all."""
import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from agent_api.auth import principal_for
from agent_api.routes.live import Refused, _hello, _until_gone
from models import Role
from runtime.wallboard import FRESH_SECONDS

router = APIRouter(tags=["live"])
WATCHERS = (Role.SUPERVISOR, Role.OPS, Role.ADMIN)


@router.websocket("/ws/wallboard")
async def wallboard_feed(ws: WebSocket) -> None:
    await ws.accept()
    try:
        hello = await _hello(ws)
        async with ws.app.state.sessions() as session:
            user = await principal_for(session, hello.token)
        if user is None:
            raise Refused(4401, "token: not logged in, or the token expired")
        if user.role not in WATCHERS:
            raise Refused(4403, "the wallboard is for supervisors, ops and admins")
    except Refused as refused:
        await ws.close(refused.code, refused.reason)
        return
    wallboard = ws.app.state.engine.wallboard
    gone = asyncio.create_task(_until_gone(ws))
    try:
        while not gone.done():
            await ws.send_json({"kind": "wallboard", "at": datetime.now(UTC).isoformat(),
                                "role": user.role, "data": await wallboard.snapshot(user)})
            await asyncio.wait((gone,), timeout=FRESH_SECONDS)
    except WebSocketDisconnect:
        pass
    finally:
        gone.cancel()
