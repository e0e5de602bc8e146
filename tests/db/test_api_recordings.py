"""Recordings over the API, on SQLite and PostgreSQL: who may list and fetch them, Range
requests for the browser's player, signed links, the retention purge and the flagged calls;
and the refusals of recording control and monitoring without a call, a phone or the role."""
import logging
import struct
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Agent, Recording, utcnow
from tests.db.conftest import login

pytestmark = pytest.mark.db


def wav(path: Path, seconds: float = 1.0) -> bytes:
    data = b"\x01\x00" * int(8000 * seconds)
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 1,
                         1, 8000, 16000, 2, 16, b"data", len(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + data)
    return header + data


@pytest.fixture
async def recs(api, sessions, tmp_path) -> dict:
    folder = tmp_path / "pbx" / "recordings"
    async with sessions() as s, s.begin():
        agents = {a.number: a.id for a in await s.scalars(select(Agent))}
        rows = {
            "bj": Recording(pbx_server="local", linkedid="1.0", agent_id=agents["8001"],
                            queue="BJ-order", policy="always", status="complete",
                            file="2026/11/30/1.0.wav", started_at=utcnow(), duration_seconds=1.0),
            "old": Recording(pbx_server="local", linkedid="1.1", agent_id=agents["8003"],
                             queue="SH-order", policy="always", status="complete",
                             file="2025/10/01/1.1.wav",
                             started_at=utcnow() - timedelta(days=400)),
            "lost": Recording(pbx_server="local", linkedid="9.9", agent_id=agents["8001"],
                              queue="BJ-order", policy="always", status="missing",
                              problem="no recording was started", started_at=utcnow()),
        }
        s.add_all(rows.values())
    for key in ("bj", "old"):
        wav(folder / rows[key].file)
    return {"folder": folder, **{k: r.id for k, r in rows.items()},
            "bytes": (folder / rows["bj"].file).read_bytes()}


async def test_who_may_list_and_fetch(api, recs):
    agent = await login(api, "8001")
    mine = (await api.get("/recordings", headers=agent)).json()
    assert {r["id"] for r in mine} == {recs["bj"], recs["lost"]}
    assert (await api.get(f"/recordings/{recs['old']}/audio", headers=agent)).status_code == 403
    assert (await api.get(f"/recordings/{recs['old']}", headers=agent)).status_code == 403
    other = await login(api, "8002")
    assert (await api.get(f"/recordings/{recs['bj']}/audio", headers=other)).status_code == 403
    assert (await api.get(f"/recordings/{recs['bj']}/audio")).status_code == 401
    for username in ("supervisor", "ops"):
        everyone = (await api.get("/recordings", headers=await login(api, username))).json()
        assert {r["id"] for r in everyone} == {recs["bj"], recs["old"], recs["lost"]}
    full = await api.get(f"/recordings/{recs['bj']}/audio", headers=agent)
    assert full.status_code == 200 and full.content == recs["bytes"]
    assert full.headers["content-type"] == "audio/wav"
    assert full.headers["accept-ranges"] == "bytes"


async def test_range_requests_for_the_player(api, recs):
    sup = await login(api, "supervisor")
    part = await api.get(f"/recordings/{recs['bj']}/audio", headers=sup | {"Range": "bytes=40-99"})
    assert part.status_code == 206 and part.content == recs["bytes"][40:100]
    assert part.headers["content-range"] == f"bytes 40-99/{len(recs['bytes'])}"
    tail = await api.get(f"/recordings/{recs['bj']}/audio", headers=sup | {"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == recs["bytes"][-10:]
    beyond = await api.get(f"/recordings/{recs['bj']}/audio",
                           headers=sup | {"Range": f"bytes={len(recs['bytes']) + 5}-"})
    assert beyond.status_code == 416
    missing = await api.get(f"/recordings/{recs['lost']}/audio", headers=sup)
    assert missing.status_code == 404 and "missing" in missing.json()["detail"]


async def test_signed_links_for_the_audio_element(api, recs):
    link = (await api.get(f"/recordings/{recs['bj']}/link",
                          headers=await login(api, "8001"))).json()["url"]
    assert (await api.get(link)).content == recs["bytes"]
    tampered = link[:-4] + ("0000" if not link.endswith("0000") else "1111")
    assert (await api.get(tampered)).status_code == 403
    other = link.replace(f"/recordings/{recs['bj']}/", f"/recordings/{recs['old']}/")
    assert (await api.get(other)).status_code == 403
    expired = link.replace("expires=", "expires=1").split("&")[0] + "&signature=x"
    assert (await api.get(expired)).status_code == 403


async def test_flagged_calls_and_filters(api, recs):
    ops = await login(api, "ops")
    flagged = (await api.get("/recordings", params={"status": "missing"}, headers=ops)).json()
    assert [(r["linkedid"], r["problem"]) for r in flagged] == [
        ("9.9", "no recording was started")]
    by_agent = (await api.get("/recordings", params={"agent": "8003"}, headers=ops)).json()
    assert [r["id"] for r in by_agent] == [recs["old"]]
    by_call = (await api.get("/recordings", params={"linkedid": "1.0"}, headers=ops)).json()
    assert by_call[0]["call_id"] is not None and by_call[0]["agent"] == "8001"


async def test_the_retention_purge_removes_old_files_and_logs_them(api, recs, sessions, caplog):
    assert (await api.post("/recordings/purge", json={},
                           headers=await login(api, "8001"))).status_code == 403
    assert (await api.post("/recordings/purge", json={"older_than_days": 0},
                           headers=await login(api, "ops"))).status_code == 422
    with caplog.at_level(logging.INFO, logger="hotline.recordings"):
        reply = await api.post("/recordings/purge", json={}, headers=await login(api, "ops"))
    assert reply.json()["recordings"] == [recs["old"]] and reply.json()["older_than_days"] == 365
    assert [r.linkedid for r in caplog.records if r.msg == "recording purged"] == ["1.1"]
    assert not (recs["folder"] / "2025/10/01/1.1.wav").exists()
    assert (recs["folder"] / "2026/11/30/1.0.wav").exists()
    async with sessions() as s:
        old = await s.get(Recording, recs["old"])
        assert old.status == "purged" and old.purged_at is not None
    gone = await api.get(f"/recordings/{recs['old']}/audio", headers=await login(api, "ops"))
    assert gone.status_code == 410


async def test_control_and_monitoring_refusals(api, recs):
    agent = await login(api, "8001")
    no_call = await api.post("/agents/8001/recording", json={"action": "start"}, headers=agent)
    assert no_call.status_code == 409 and "no call" in no_call.json()["detail"]
    bad = await api.post("/agents/8001/recording", json={"action": "erase"}, headers=agent)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "action"]
    other = await api.post("/agents/8002/recording", json={"action": "pause"}, headers=agent)
    assert other.status_code == 403
    body = {"agent": "8001", "mode": "listen"}
    for username in ("8001", "ops"):
        refused = await api.post("/monitor", json=body, headers=await login(api, username))
        assert refused.status_code == 403
    no_phone = await api.post("/monitor", json=body, headers=await login(api, "admin"))
    assert no_phone.status_code == 422
    assert no_phone.json()["detail"][0]["type"] == "rule.supervisor_phone"
    not_logged_in = await api.post("/monitor", json=body, headers=await login(api, "supervisor"))
    assert not_logged_in.status_code == 409
    [refused] = not_logged_in.json()["detail"]
    assert refused["type"] == "rule.agent_no_session" and "no session" in refused["msg"]
    wrong_mode = await api.post("/monitor", json=body | {"mode": "hijack"},
                                headers=await login(api, "supervisor"))
    assert wrong_mode.status_code == 422
