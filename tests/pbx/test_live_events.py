"""The agent's live events over a real WebSocket, from a real call through IVR and ACD: the
screen-pop names the caller's retailer, and a socket dropped during the call gets every missed
event on reconnect, in order."""
import asyncio
import json

import pytest
import websockets

from asterisk.sipp_phone import Keys, Pause
from services.demo import DEMO_PASSWORD

pytestmark = pytest.mark.pbx

ORDER_BJ = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]  # 朝阳便利店, class A


async def token(rig, username: str) -> str:
    reply = await rig.engine.http.post("/auth/token",
                                       data={"username": username, "password": DEMO_PASSWORD})
    return reply.json()["access_token"]


async def frames_until(ws, kind: str, timeout: float = 30.0) -> list[dict]:
    got = []
    async with asyncio.timeout(timeout):
        while not got or got[-1]["kind"] != kind:
            got.append(json.loads(await ws.recv()))
    return got


async def test_a_socket_dropped_during_a_call_gets_the_missed_events_in_order(rig, sipp):
    r = await rig(("8001",), serve=True)
    await r.login("8001")
    hello = {"token": await token(r, "8001")}
    async with websockets.connect(f"{r.ws_url}/ws/agent") as ws:
        await ws.send(json.dumps(hello))
        first = json.loads(await ws.recv())
        assert first["kind"] == "reset"
        assert first["data"]["agent"]["state"] == "available"
        epoch, last = first["epoch"], first["seq"]
    # dropped: the call arrives while nobody listens
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=6000, timeout=40))
    # With no console open the screen-pop waits: it is built when a console subscribes.
    await r.wait_state("8001", "on_call", timeout=30)
    async with websockets.connect(f"{r.ws_url}/ws/agent") as ws:
        await ws.send(json.dumps(hello | {"epoch": epoch, "after": last}))
        resumed = json.loads(await ws.recv())
        assert resumed["kind"] == "resumed" and resumed["epoch"] == epoch
        replayed = [json.loads(await ws.recv()) for _ in range(resumed["data"]["replayed"])]
        assert [f["seq"] for f in replayed] == list(range(last + 1, last + 1 + len(replayed)))
        kinds = [f["kind"] for f in replayed]
        assert kinds.index("call_offered") < kinds.index("call_connected")
        assert {"state", "call_offered", "screen_pop", "call_connected"} <= set(kinds)
        pop = next(f["data"] for f in replayed if f["kind"] == "screen_pop")
        assert pop["retailer"]["name"] == "朝阳便利店"
        assert pop["retailer"]["card_number"] == "110100001"
        assert pop["retailer"]["retailer_class"] == "A"
        assert pop["business_type"]["code"] == "order" and pop["queue"] == "BJ-order"
        assert pop["recent_orders"] and pop["ivr_path"]
        assert pop["waited_seconds"] >= 0
        # and live from here: the caller hangs up, the wrap-up prompt arrives on this socket
        live = await frames_until(ws, "call_ended")
        assert live[0]["seq"] == replayed[-1]["seq"] + 1
        assert live[-1]["data"]["call_id"] == pop["call_id"]
    await call


async def test_a_late_client_is_reset_with_the_current_screen_pop(rig, sipp):
    r = await rig(("8001",), serve=True)
    await r.login("8001")
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=5000, timeout=40))
    # With no console open the screen-pop waits: it is built when a console subscribes.
    await r.wait_state("8001", "on_call", timeout=30)
    async with websockets.connect(f"{r.ws_url}/ws/agent") as ws:
        await ws.send(json.dumps({"token": await token(r, "supervisor"), "agent": "8001",
                                  "epoch": "from-an-earlier-engine", "after": 3}))
        reset = json.loads(await ws.recv())
    assert reset["kind"] == "reset" and reset["data"]["agent"]["state"] == "on_call"
    [pop] = [f for f in reset["data"]["current"] if f["kind"] == "screen_pop"]
    assert pop["data"]["retailer"]["card_number"] == "110100001"
    await call


async def test_the_socket_refuses_a_bad_token_and_another_agents_events(rig):
    r = await rig(serve=True)
    for hello, code in (({"token": "nope"}, 4401),
                        ({"token": await token(r, "8002"), "agent": "8001"}, 4403),
                        ({"token": await token(r, "supervisor"), "agent": "9999"}, 4404),
                        ({"token": await token(r, "supervisor")}, 4400),
                        ({"tok": "x"}, 4400)):
        async with websockets.connect(f"{r.ws_url}/ws/agent") as ws:
            await ws.send(json.dumps(hello))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd.code == code, hello
