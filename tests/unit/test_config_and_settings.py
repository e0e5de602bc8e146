import asyncio
import io
import logging
import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from asterisk import dialplan as dp
from asterisk.ami import AmiClient, LinkUp
from asterisk.config import MODULES, UNREAD_VARIABLES, QueueSpec, SipEndpoint, render_all
from asterisk.pbx import PbxError, debian_mirror
from asterisk.settings import AgiSettings, AmiSettings, PbxSettings
from runtime.logs import JsonFormatter
from runtime.settings import Settings
from tests.unit.fake_ami import FakeAmi

AGI_KEY = "agi-key-of-the-engine-0123"


def render(**pbx):
    return render_all(PbxSettings(sip_port=5999, **pbx),
                      AmiSettings(port=5998, secret=SecretStr("x9")),
                      AgiSettings(port=5997, secret=SecretStr(AGI_KEY)),
                      (SipEndpoint("agent-8001", "pw1", contact="sip:agent@127.0.0.1:5090"),
                       SipEndpoint("agent-8002", "pw2")))


def test_the_pbx_drops_the_varset_of_variables_the_engine_never_reads():
    noise = re.compile(UNREAD_VARIABLES)
    read = [v for k, v in vars(dp).items() if k.startswith("VAR_") and k != "VAR_PREFIX"]
    assert len(read) > 20 and not [v for v in read if noise.match(v)]
    assert not noise.match("__HOTLINE_DIRECTION") and not noise.match("_HOTLINE_X")
    dropped = ("READSTATUS", "BRIDGEPEER", "QUEUEWAIT", "IVR_INPUT", "AGISTATUS", "HANGUPCAUSE",
               dp.LAST_PROMPT_VAR)
    assert all(noise.match(v) for v in dropped)
    conf = render()["manager.conf"]
    assert f"name(VarSet),header(Variable),method(regex)) = {UNREAD_VARIABLES}" in conf
    assert "eventfilter(action(exclude),name(Newexten)) =" in conf


def test_everything_listens_on_loopback_on_the_configured_ports():
    conf = render()
    assert "bind=127.0.0.1:5999" in conf["pjsip.conf"]
    assert "bindaddr = 127.0.0.1" in conf["manager.conf"] and "port = 5998" in conf["manager.conf"]
    assert "secret = x9" in conf["manager.conf"]
    assert f"agi://127.0.0.1:5997/ivr?key={AGI_KEY}," in conf["extensions.conf"]
    assert "media_address=127.0.0.1" in conf["pjsip.conf"]


def test_dialplan_falls_back_unless_the_engine_marked_the_call_handled():
    ext = render(hotline_number="96000")["extensions.conf"]
    assert "exten => 96000,1," in ext
    assert '${HOTLINE_HANDLED}" = "1"]?handled' in ext
    assert "Goto(hotline-fallback,s,1)" in ext and "Queue(hotline-fallback" in ext
    assert "VoiceMail(9000@hotline" in ext
    # A handled call with a queue goes to it; one whose queue times out is offered voicemail.
    assert '${HOTLINE_QUEUE}" = ""]?done' in ext and "Queue(${HOTLINE_QUEUE},,,,300)" in ext
    assert '"${QUEUESTATUS}" = "TIMEOUT"]?hotline-fallback,vm,1' in ext


def test_agent_endpoints_and_the_queues():
    conf = render()
    queues = render_all(PbxSettings(), AmiSettings(), AgiSettings(), (),
                        (QueueSpec("BJ-order", ("agent-8001",)), QueueSpec("HQ-operator")))
    assert "[BJ-order]" in queues["queues.conf"] and "[HQ-operator]" in queues["queues.conf"]
    assert "member => PJSIP/agent-8001" in queues["queues.conf"].split("[BJ-order]")[1]
    assert "[agent-8001]\ntype=endpoint" in conf["pjsip.conf"]
    assert "member => PJSIP/agent-8001" in conf["queues.conf"]


def test_every_phone_authenticates_with_its_own_password_a_static_one_too():
    pjsip = render()["pjsip.conf"]
    for name, password in (("agent-8001", "pw1"), ("agent-8002", "pw2")):
        endpoint = pjsip.split(f"[{name}]\ntype=endpoint\n")[1].split("\n\n")[0]
        assert f"auth={name}\n" in endpoint
        assert (f"[{name}]\ntype=auth\nauth_type=userpass\nusername={name}\n"
                f"password={password}\n") in pjsip
    with pytest.raises(ValueError, match="agent-8003"):
        render_all(PbxSettings(), AmiSettings(), AgiSettings(), (SipEndpoint("agent-8003", ""),))


def test_the_engines_ami_account_may_write_only_the_classes_of_its_actions():
    manager = render()["manager.conf"]
    assert "write = system,call,originate\n" in manager
    assert not re.search(r"write = .*\b(all|command|config)\b", manager)


def test_every_agi_url_of_the_dialplan_carries_the_engines_key():
    ext = render()["extensions.conf"]
    urls = re.findall(r"AGI\((agi://[^,)]*)", ext)
    assert {u.split("?")[0].rsplit("/", 1)[1] for u in urls} == {
        dp.AGI_SCRIPT_IVR, dp.AGI_SCRIPT_LEAVE_MESSAGE, dp.AGI_SCRIPT_AGENT_LOGIN}
    assert all(u.endswith(f"?{dp.AGI_KEY_PARAM}={AGI_KEY}") for u in urls)
    assert AgiSettings().secret.get_secret_value() != AgiSettings().secret.get_secret_value()
    for bad in ("short", "has,comma-and-more-than-16", "x" * 129):
        with pytest.raises(ValueError, match="secret"):
            AgiSettings(secret=SecretStr(bad))


def test_modules_are_loaded_explicitly_with_their_configs():
    conf = render()
    assert "autoload = no" in conf["modules.conf"]
    assert all(f"load = {m}.so" in conf["modules.conf"] for m in MODULES)
    for module, config in (("app_queue", "queues.conf"), ("app_voicemail", "voicemail.conf"),
                           ("app_amd", "amd.conf"), ("res_musiconhold", "musiconhold.conf"),
                           ("app_confbridge", "confbridge.conf")):
        assert module in MODULES and conf[config].strip()


def test_mirror_comes_from_the_apt_sources(tmp_path):
    d = tmp_path / "sources.list.d"
    d.mkdir()
    (d / "debian.sources").write_text(
        "Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n\n"
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\n")
    assert debian_mirror((d,)) == "http://mirror.example/debian"
    one_line = tmp_path / "sources.list"
    one_line.write_text("# comment\ndeb [arch=amd64] http://other.example/debian bookworm main\n")
    assert debian_mirror((tmp_path / "none", one_line)) == "http://other.example/debian"
    with pytest.raises(PbxError):
        debian_mirror((tmp_path / "none",))


def test_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("HOTLINE_AMI__PORT", "6038")
    monkeypatch.setenv("HOTLINE_AMI__SECRET", "from-env")
    monkeypatch.setenv("HOTLINE_DB__URL", "postgresql+asyncpg://u@h/db")
    s = Settings()
    assert s.ami.port == 6038 and s.ami.secret.get_secret_value() == "from-env"
    assert s.db.url.startswith("postgresql") and "from-env" not in repr(s)


async def test_secrets_never_reach_the_logs():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        async with FakeAmi(secret="hunter2-secret") as fake:
            client = AmiClient(AmiSettings(port=fake.port, secret=SecretStr("hunter2-secret"),
                                           reconnect_min=0.01))
            task = asyncio.create_task(client.run())
            assert isinstance(await asyncio.wait_for(client.queue.get(), 2), LinkUp)
            fake.drop()
            await asyncio.sleep(0.1)
            task.cancel()
        logging.getLogger("t").info("login", extra={"ami_secret": "hunter2-secret", "pin": "1234"})
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    text = stream.getvalue()
    assert "ami link up" in text and '"pin": "***"' in text
    assert "hunter2-secret" not in text


def test_the_data_dir_holds_the_database_and_the_pbx_unless_they_are_set_apart(tmp_path):
    default = Settings()
    assert default.db.url == "sqlite+aiosqlite:///var/hotline.db"
    assert default.pbx.run_dir == Path("var/pbx")
    moved = Settings(data_dir=tmp_path / "b")
    assert moved.db.url == f"sqlite+aiosqlite:///{tmp_path / 'b' / 'hotline.db'}"
    assert moved.pbx.run_dir == tmp_path / "b" / "pbx"
    apart = Settings(data_dir=tmp_path / "b", db={"url": "postgresql+asyncpg://u@h/db"},
                     pbx={"run_dir": tmp_path / "pbx"})
    assert apart.db.url == "postgresql+asyncpg://u@h/db" and apart.pbx.run_dir == tmp_path / "pbx"
