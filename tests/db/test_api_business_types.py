"""The IVR menu kept over the API, on SQLite and PostgreSQL: a new business type is offered on
the next call with a prompt spoken from its name, has its queues in the desk and its skill for
agents; an uploaded recording (WAV or MP3) replaces the spoken prompt; refusals name the field
and rule and leave neither a row nor a file."""
import subprocess
import wave

import pytest
from sqlalchemy import func, select

from ivr import flow
from models import AuditEntry, BusinessType, Skill
from tests.db.conftest import login

pytestmark = pytest.mark.db

RECYCLING = {"code": "recycling", "name_zh": "回收业务", "name_en": "recycling", "menu_key": "6"}


def engine_of(api):
    return api._transport.app.state.engine


def prompts_of(api):
    return engine_of(api).settings.menu_prompts_dir


async def first_words(api, lang: str = "zh") -> tuple[str, ...]:
    """What the menu says to the next caller."""
    ctx = await engine_of(api).ivr.store.menu_context("13900000000", lang)
    return flow.IvrFlow(ctx).start().say


def sound(path, *effects: str, rate: int = 44100, channels: int = 2) -> bytes:
    subprocess.run(["sox", "-n", "-r", str(rate), "-c", str(channels), str(path), "synth",
                    "2", "sine", "440", *effects], check=True)
    return path.read_bytes()


async def test_a_new_menu_key_is_offered_on_the_next_call_and_routed_to_its_queues(api):
    admin = await login(api, "admin")
    assert "bt-recycling" not in await first_words(api)

    created = await api.post("/business-types", headers=admin, json=RECYCLING)
    assert created.status_code == 201, created.text
    assert created.json()["uploaded_prompts"] == [] and created.json()["sort_order"] == 6

    said = await first_words(api)
    assert said[said.index("bt-recycling"):][:3] == ("bt-recycling", "press", "digit-6")
    assert "bt-recycling" in await first_words(api, "en")
    for lang in ("zh", "en"):
        with wave.open(str(prompts_of(api) / lang / "bt-recycling.wav")) as w:
            assert (w.getframerate(), w.getnchannels()) == (8000, 1) and w.getnframes() > 800
    assert {"BJ-recycling", "SH-recycling", "HQ-recycling"} <= set(
        engine_of(api).desk.router.policies)
    skills = (await api.get("/skills", headers=admin)).json()
    assert "recycling-zh" in [s["code"] for s in skills]
    queues = (await api.get("/queue-settings", headers=admin)).json()
    assert "BJ-recycling" in [q["queue"] for q in queues]

    renamed = await api.patch("/business-types/recycling", headers=admin,
                              json={"name_en": "recycling and returns", "menu_key": "7"})
    assert renamed.status_code == 200, renamed.text
    assert (await first_words(api))[said.index("bt-recycling") + 2] == "digit-7"

    log = (await api.get("/audit", headers=admin, params={"entity": "business_type"})).json()
    assert [e["action"] for e in log] == ["update", "create"]
    assert log[0]["before"] == {"name_en": "recycling", "menu_key": "6"}

    gone = await api.delete("/business-types/recycling", headers=admin)
    assert gone.status_code == 204, gone.text
    assert "bt-recycling" not in await first_words(api)
    assert "BJ-recycling" not in engine_of(api).desk.router.policies
    assert not (prompts_of(api) / "zh" / "bt-recycling.wav").exists()


async def test_an_uploaded_recording_says_the_menu_item(api, tmp_path):
    admin = await login(api, "admin")
    await api.post("/business-types", headers=admin, json=RECYCLING)
    spoken = (prompts_of(api) / "zh" / "bt-recycling.wav").read_bytes()

    for name, data in (("menu.wav", sound(tmp_path / "in.wav")),
                       ("menu.mp3", sound(tmp_path / "in.mp3", rate=22050))):
        reply = await api.put("/business-types/recycling/prompts/zh", headers=admin,
                              files={"file": (name, data)})
        assert reply.status_code == 200, reply.text
        assert reply.json()["uploaded_prompts"] == ["zh"]
        path = prompts_of(api) / "zh" / "bt-recycling.wav"
        with wave.open(str(path)) as w:
            assert (w.getframerate(), w.getnchannels()) == (8000, 1)
            assert 1.9 < w.getnframes() / 8000 < 2.1
        assert path.read_bytes() != spoken

    # a rename does not replace a recording; the English prompt is spoken anew
    await api.patch("/business-types/recycling", headers=admin,
                    json={"name_zh": "回收", "name_en": "returns"})
    assert (prompts_of(api) / "zh" / "bt-recycling.wav").read_bytes() != spoken
    back = await api.delete("/business-types/recycling/prompts/zh", headers=admin)
    assert back.json()["uploaded_prompts"] == []


async def test_refused_changes_name_the_rule_and_leave_nothing(api, sessions, tmp_path):
    admin = await login(api, "admin")
    async with sessions() as s:
        types_before = await s.scalar(select(func.count()).select_from(BusinessType))
        skills_before = await s.scalar(select(func.count()).select_from(Skill))

    for body, status, rule in (
            ({**RECYCLING, "menu_key": "1"}, 409, "menu_key_taken"),
            ({**RECYCLING, "menu_key": "9"}, 422, "menu_key_reserved"),
            ({**RECYCLING, "menu_key": "٣"}, 422, "menu_key"),
            ({**RECYCLING, "code": "Recycling!"}, 422, "business_type_code"),
            ({**RECYCLING, "code": "order"}, 409, "business_type_taken")):
        reply = await api.post("/business-types", headers=admin, json=body)
        assert reply.status_code == status, reply.text
        assert reply.json()["detail"][0]["type"] == f"rule.{rule}", reply.text
    for username in ("supervisor", "ops", "8001"):
        refused = await api.post("/business-types", headers=await login(api, username),
                                 json=RECYCLING)
        assert refused.status_code == 403, refused.text

    not_audio = await api.put("/business-types/order/prompts/zh", headers=admin,
                              files={"file": ("menu.wav", b"RIFF not a sound at all")})
    assert not_audio.status_code == 422
    assert not_audio.json()["detail"][0]["type"] == "rule.prompt_not_audio"
    too_long = await api.put("/business-types/order/prompts/zh", headers=admin, files={
        "file": ("long.wav", sound(tmp_path / "long.wav", "repeat", "40", rate=8000, channels=1))})
    assert too_long.json()["detail"][0]["type"] == "rule.prompt_not_audio", too_long.text
    assert (await api.put("/business-types/order/prompts/fr", headers=admin, files={
        "file": ("x.wav", sound(tmp_path / "x.wav"))})).status_code == 404
    for built_in in ("operator", "self_service"):
        kept = await api.delete(f"/business-types/{built_in}", headers=admin)
        assert kept.json()["detail"][0]["type"] == "rule.business_type_built_in"
    in_use = await api.delete("/business-types/order", headers=admin)
    assert in_use.status_code == 409 and "agent skill" in in_use.text

    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(BusinessType)) == types_before
        assert await s.scalar(select(func.count()).select_from(Skill)) == skills_before
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert not list(prompts_of(api).glob("*/*")), "a refused change left a prompt"
    assert not list(prompts_of(api).parent.glob(".menu-prompts-*")), "a stage was left"
