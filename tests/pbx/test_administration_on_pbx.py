"""Administration live on the real PBX: an agent created over the API gets a SIP account with a
generated secret at once; a sipp phone registers with it (and not with a wrong one), the agent
logs in and takes a call, all without a restart; and the PBX's reload of the accounts while
that call is connected leaves it up. A business type added over the API is a menu key on the
next call: its caller waits in the new queue through another reload of the PBX's queues and
reaches the agent given the new skill."""
import asyncio
import time

import pytest

from asterisk import sipp_phone as phones
from asterisk.sipp_phone import Keys, Pause
from tests.pbx.helpers import wait_for_calls

pytestmark = pytest.mark.pbx

ORDER_BJ = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]
AGENT = {"number": "8101", "name": "赵敏", "branch": "BJ", "pin": "4321",
         "skills": [{"skill": "order-zh", "level": 9}]}


async def register(settings, tmp_path, account: str, secret: str, contact_port: int) -> int:
    return await phones.register(settings.pbx.sip_port, tmp_path, account, secret, contact_port)


async def test_a_new_agent_registers_with_its_secret_logs_in_and_takes_a_call_live(
        rig, sipp, softphones, settings, tmp_path):
    r = await rig()  # no agent's phone yet: the new agent brings its own
    created_at = time.monotonic()
    made = await r.engine.http.post("/agent-accounts", json=AGENT)
    assert made.status_code == 201, made.text
    agent = made.json()
    assert len(agent["sip_secret"]) >= 20

    answering = await softphones()
    assert await register(settings, tmp_path, "agent-8101", "not-the-secret", answering) != 0
    assert await register(settings, tmp_path, "agent-8101", agent["sip_secret"], answering) == 0
    await r.post("/agents/8101/login")
    await r.wait_state("8101", "available")
    print(f"agent created -> logged in and available: {time.monotonic() - created_at:.2f} s")

    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=12000, timeout=45))
    connected, agent_id = await r.joined("13300000001")
    assert agent_id == agent["id"]
    # Another agent is created while they talk: the PBX reloads the phones' accounts.
    other = await r.engine.http.post("/agent-accounts", json={**AGENT, "number": "8102"})
    assert other.status_code == 201, other.text
    reloaded = time.monotonic()
    await call
    [row] = [c for c in await wait_for_calls(r.engine, 1)
             if c.caller_number == "13300000001"]
    # The caller, not the reload, ended the call: connected about 4 s after the keys, it
    # stayed so until the caller's 12 s were up (a dropped call would end at the reload).
    assert row.agent_id == agent["id"] and row.hangup_cause == 16
    assert (row.ended_at - row.connected_at).total_seconds() >= 7.0
    assert time.monotonic() - reloaded >= 6.0


async def test_a_new_menu_key_is_offered_on_the_next_call_and_its_caller_waits_out_a_reload(
        rig, sipp):
    r = await rig(("8001",))
    http = r.engine.http
    changed_at = time.monotonic()
    made = await http.post("/business-types", json={
        "code": "recycling", "name_zh": "回收业务", "name_en": "recycling", "menu_key": "6"})
    assert made.status_code == 201, made.text
    print(f"menu changed -> offered on the next call: {time.monotonic() - changed_at:.2f} s")
    assert (r.settings.pbx.run_dir / "prompts" / "zh" / "bt-recycling.wav").is_file()
    skilled = await http.patch("/agent-accounts/8001",
                               json={"skills": [{"skill": "recycling-zh", "level": 5}]})
    assert skilled.status_code == 200, skilled.text

    caller = "13300000002"
    call = asyncio.create_task(sipp.call(
        "4000", script=[Pause(1500), Keys("6"), Pause(1500), Keys("110100001#")],
        caller=caller, hold_ms=25000, timeout=60))
    await r.queued(caller)
    # The caller waits (nobody logged in) while another menu key reloads the PBX's queues.
    other = await http.post("/business-types", json={
        "code": "returns", "name_zh": "退货", "name_en": "returns", "menu_key": "7"})
    assert other.status_code == 201, other.text
    await r.post("/agents/8001/login")  # the waiting caller is delivered as the phone answers
    connected, agent_id = await r.joined(caller)
    await call
    [row] = [c for c in await wait_for_calls(r.engine, 1) if c.caller_number == caller]
    assert (row.business_type, row.queue, row.agent_id) == ("recycling", "BJ-recycling", agent_id)
    assert row.hangup_cause == 16 and row.connected_at is not None
