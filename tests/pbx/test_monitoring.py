"""Live monitoring on the real PBX: a supervisor's sipp phone (playing a 2500 Hz tone) joins an
agent's call in each mode, asserted from the PBX's ChanSpy events (listen, whisper) and its
BridgeEnter into the caller's bridge (barge: the call was moved into a conference of the
agent's); the caller's recording proves who heard the supervisor: nobody on the caller's side
while whispering, the caller while barging. Agents and ops are refused."""
import asyncio
import time

import pytest

from asterisk.events import BridgeEnter, ChanSpyStart, ChanSpyStop
from asterisk.sipp_phone import Tone
from services.demo import DEMO_PASSWORD
from tests.pbx.audio import heard, soundfile_seconds
from tests.pbx.test_recording import AGENT_HZ, AUDIBLE_DB, CALLER_HZ, ORDER_BJ, finished

pytestmark = pytest.mark.pbx

SUPERVISOR_HZ = 2500
CALLER = "13300000001"


async def headers(rig, username: str) -> dict[str, str]:
    reply = await rig.engine.http.post("/auth/token",
                                       data={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


async def spy_event(rig, kind: type, mode: str | None, after: float,
                    timeout: float = 10.0) -> tuple[float, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for at, e in rig.events:
            if at <= after or not isinstance(e, kind):
                continue
            bridged = isinstance(e, BridgeEnter)
            spyer = e.channel if bridged else e.spyer
            on_agent = bridged or e.spyee.name.startswith("PJSIP/agent-8001")
            if on_agent and spyer.context == "hotline-monitor" and spyer.exten == (
                    mode or spyer.exten):
                return at, e
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind.__name__} in mode {mode}")


async def test_a_supervisor_listens_whispers_and_barges_and_others_may_not(rig, sipp):
    r = await rig(("8001",), tones={"8001": Tone(AGENT_HZ, 90_000)},
                  extra_phones={"supervisor-1": Tone(SUPERVISOR_HZ, 90_000)})
    await r.login("8001")
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ + [Tone(CALLER_HZ, 20_000)],
                                         caller=CALLER, hold_ms=500, timeout=60))
    await r.wait_state("8001", "on_call", timeout=30)
    await r.joined(CALLER)
    http = r.engine.http

    for username in ("8001", "ops"):
        reply = await http.post("/monitor", json={"agent": "8001", "mode": "listen"},
                                headers=await headers(r, username))
        assert reply.status_code == 403, reply.text
    sup = await headers(r, "supervisor")

    started = time.monotonic()
    reply = await http.post("/monitor", json={"agent": "8001", "mode": "whisper"}, headers=sup)
    assert reply.status_code == 200, reply.text
    monitor = reply.json()["id"]
    whisper_at, start = await spy_event(r, ChanSpyStart, "whisper", started)
    assert start.spyer.uniqueid == monitor
    twice = await http.post("/monitor", json={"agent": "8001", "mode": "listen"}, headers=sup)
    assert twice.status_code == 409
    assert twice.json()["detail"][0]["type"] == "rule.already_monitoring"
    await asyncio.sleep(3)

    barge_asked = time.monotonic()
    reply = await http.put(f"/monitor/{monitor}", json={"mode": "barge"}, headers=sup)
    assert reply.status_code == 200, reply.text
    barge_at, barging = await spy_event(r, BridgeEnter, "barge", whisper_at)
    assert barging.channel.uniqueid == monitor
    assert any(e.bridge_id == barging.bridge_id and e.channel.caller_num == CALLER
               for _, e in r.events if isinstance(e, BridgeEnter)), "not in the caller's bridge"
    await asyncio.sleep(3)

    reply = await http.put(f"/monitor/{monitor}", json={"mode": "listen"}, headers=sup)
    assert reply.status_code == 200, reply.text
    listen_at, _ = await spy_event(r, ChanSpyStart, "listen", barge_at)
    listed = (await http.get("/monitor", headers=sup)).json()
    assert [(m["agent"], m["state"]) for m in listed] == [("8001", "listen")]
    await asyncio.sleep(3)
    assert (await http.delete(f"/monitor/{monitor}", headers=sup)).status_code == 204
    await spy_event(r, ChanSpyStop, None, listen_at)
    await call
    await r.wait_state("8001", ("wrap_up", "available"))  # the engine saw the call end
    reply = await http.post("/monitor", json={"agent": "8001", "mode": "barge"}, headers=sup)
    assert reply.status_code == 409 and "no call" in reply.text, reply.text
    assert reply.json()["detail"][0]["type"] == "rule.no_call_to_barge"

    # What the caller heard (the recording is on the caller's channel, from the bridge on):
    # the supervisor in one stretch, the barge, with the whisper's silence before it and the
    # listening's after. A whisper that leaked would lengthen the stretch by its three seconds.
    path = r.settings.recordings_dir / (await finished(r)).file
    stretches = heard(path, SUPERVISOR_HZ, AUDIBLE_DB)
    assert len(stretches) == 1, f"the caller heard the supervisor at {stretches}"
    (start, seconds), = stretches
    assert 1.0 <= seconds <= listen_at - barge_asked + 0.5, (seconds, listen_at - barge_asked)
    assert start >= 2.0, f"heard from {start} s: the whisper reached the caller"
    assert soundfile_seconds(path) - (start + seconds) >= 2.0, "the listening reached the caller"
