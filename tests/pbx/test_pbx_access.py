"""Who may speak to the PBX and to the engine as a phone, as the PBX or as the engine, shown on
the real PBX: a phone account refuses a REGISTER or a call without its secret (401 or 403) and
its real phone keeps its calls; a secret an administrator renews is live at once; the engine's
AMI account may not run CLI commands nor rewrite the PBX's config; a FastAGI request without
the engine's key, or naming a channel the PBX does not have, logs nobody in, and the real
phone's login then works."""
import asyncio
import contextlib
import logging
import socket

import pytest

from asterisk import sipp_phone as phones
from asterisk.ami import AmiActionFailed
from asterisk.ports import free_port
from asterisk.sipp_phone import Keys, Pause
from services.demo import DEMO_PIN, SUPERVISOR_PHONE

pytestmark = pytest.mark.pbx


class Datagrams(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: list[bytes] = []

    def datagram_received(self, data: bytes, addr) -> None:
        self.received.append(data)


@contextlib.asynccontextmanager
async def listening():
    """A UDP port where an intruder would receive the calls of an account it took over."""
    port = free_port(socket.SOCK_DGRAM)
    transport, seen = await asyncio.get_running_loop().create_datagram_endpoint(
        Datagrams, local_addr=("127.0.0.1", port))
    try:
        yield port, seen.received
    finally:
        transport.close()


async def test_no_phone_account_takes_a_request_without_its_secret_and_the_phone_keeps_its_calls(
        rig, softphones, settings, tmp_path):
    r = await rig(trunks={"customers": f"sip:customers@127.0.0.1:{free_port(socket.SOCK_DGRAM)}"})
    secret = await r.sip_secret("8001")
    phone = await softphones()  # agent 8001's real phone, registered as a phone does
    assert await phones.register(settings.pbx.sip_port, tmp_path, "agent-8001", secret, phone) == 0
    hotline = settings.pbx.hotline_number
    async with listening() as (intruder, received):
        for account in ("agent-8001", SUPERVISOR_PHONE, "customers"):
            for password in (None, "not-the-secret", await r.sip_secret("8002")):
                for method, to in (("REGISTER", account), ("INVITE", hotline)):
                    assert await phones.refused(settings.pbx.sip_port, tmp_path, method,
                                                account, to, password, intruder), (
                        f"{method} as {account} with {password!r} was not refused")
        # The session's call reaches the real phone, which answers it: the contact is its own.
        await r.login("8001")
    assert received == []


async def test_a_new_secret_an_administrator_gives_is_live_and_the_old_one_refused(
        rig, softphones, settings, tmp_path):
    r = await rig()
    old = await r.sip_secret("8001")
    reply = await r.engine.http.post("/agent-accounts/8001/sip-secret")
    assert reply.status_code == 200, reply.text
    new = reply.json()["sip_secret"]
    phone, sip = await softphones(), settings.pbx.sip_port
    assert await phones.refused(sip, tmp_path, "REGISTER", "agent-8001", "agent-8001", old, phone)
    assert await phones.register(sip, tmp_path, "agent-8001", new, phone) == 0
    await r.login("8001")


async def test_the_engines_ami_account_may_not_run_cli_commands_nor_rewrite_the_config(rig):
    r = await rig()
    ami = r.engine.ami
    for action, fields in (
            ("Command", {"Command": "core show version"}),
            ("UpdateConfig", {"SrcFilename": "extensions.conf", "DstFilename": "extensions.conf",
                              "Reload": "yes", "Action-000000": "NewCat",
                              "Cat-000000": "intruder"})):
        with pytest.raises(AmiActionFailed, match="Permission denied"):
            await ami.action(action, fields)
    assert "intruder" not in (r.pbx.run_dir / "etc" / "extensions.conf").read_text()
    # What the engine sends it may: a list of the channels (system), a variable (call).
    assert await r.engine.pbx.live_channels() == []
    assert not await r.engine.pbx.has_channel("PJSIP/agent-8001-00000001", "1700000000.1")


async def fake_login(port: int, script: str) -> list[str]:
    """A local process speaking FastAGI as the PBX would for a phone's login (agent 8001 and its
    PIN on a channel of its own invention): the commands it was sent before the engine closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write((f"agi_network: yes\nagi_network_script: {script}\n"
                  f"agi_request: agi://127.0.0.1:{port}/{script}\n"
                  "agi_channel: PJSIP/agent-8001-0000beef\nagi_uniqueid: 1700000000.42\n"
                  "agi_callerid: agent-8001\n\n").encode())
    keyed = iter(("8001", DEMO_PIN))
    commands = []
    try:
        while line := await reader.readline():
            commands.append(line.decode().strip())
            digits = next(keyed, "") if commands[-1].startswith("GET DATA") else "0"
            writer.write(f"200 result={digits}\n".encode())
    finally:
        writer.close()
    return commands


async def test_a_fake_phone_login_over_fastagi_changes_nothing_and_the_real_one_works(
        rig, sipp, settings, caplog):
    r = await rig()
    port, key = r.engine.agi.port, settings.agi.secret.get_secret_value()
    with caplog.at_level(logging.WARNING, logger="hotline.agi"):
        # No key, a wrong one, then the right key on a channel the PBX does not have.
        for script in ("agent-login", "agent-login?key=guessed-but-wrong",
                       f"agent-login?key={key}"):
            assert await asyncio.wait_for(fake_login(port, script), 10) == []
            assert (await r.agent("8001"))["state"] == "logged_out"
    dropped = [rec.getMessage() for rec in caplog.records if rec.name == "hotline.agi"]
    assert sum("without the engine's key" in m for m in dropped) == 2
    assert sum("which the PBX does not have" in m for m in dropped) == 1
    assert not any(key in m for m in dropped)

    phone = asyncio.create_task(sipp.call(  # the agent's own phone, with its account
        settings.pbx.agent_login_code, script=[Pause(1500), Keys("8001#"), Pause(2500),
                                               Keys(f"{DEMO_PIN}#")],
        caller="agent-8001", secret=await r.sip_secret("8001"), hold_ms=30000, timeout=45))
    await r.wait_state("8001", "available")
    await r.post("/agents/8001/logout")  # hangs up the phone's call
    await phone
