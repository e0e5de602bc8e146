import asyncio
import os
from pathlib import Path

import pytest

from asterisk.pbx import LocalPbx, PbxError

pytestmark = pytest.mark.pbx


def mounts_of(pid: int | str) -> dict[str, str]:
    """Mount point -> the folder mounted there, as the process sees them."""
    rows = (line.split() for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines())
    return {row[4]: row[3] for row in rows}


async def test_pbx_runs_in_its_own_mount_namespace_and_leaves_nothing_behind(settings):
    pbx = LocalPbx(settings.pbx, settings.ami, settings.agi)
    await pbx.up()
    pid = pbx.pid()
    root = str(settings.pbx.root)
    try:
        inside = mounts_of(pid)  # seen from inside the chroot
        assert inside["/pbx"].endswith(str(settings.pbx.run_dir)) and "/proc" in inside
        assert not [m for m in mounts_of("self") if m.startswith(root)]  # the host sees none
        assert (settings.pbx.run_dir / "etc" / "manager.conf").stat().st_mode & 0o077 == 0
        with pytest.raises(PbxError, match="already runs"):
            await pbx.up()
        assert pbx.status()["running"] is True
    finally:
        await pbx.down()
    assert pbx.pid() is None and not os.path.exists(f"/proc/{pid}")
    assert not (settings.pbx.run_dir / "asterisk.pid").exists()
    assert pbx.status()["running"] is False
    await pbx.down()  # stopping a stopped PBX is fine


async def test_a_module_that_declines_to_load_fails_the_boot(settings, monkeypatch):
    from asterisk import config
    broken = dict(config.render_all(settings.pbx, settings.ami, settings.agi))
    del broken["queues.conf"]  # app_queue declines without its config
    monkeypatch.setattr("asterisk.pbx.render_all", lambda *a, **k: broken)
    pbx = LocalPbx(settings.pbx, settings.ami, settings.agi)
    with pytest.raises(PbxError, match="app_queue"):
        await pbx.up()
    assert pbx.pid() is None


async def test_health_reports_a_lost_pbx_link(engine, pbx):
    assert (await engine.http.get("/health")).status_code == 200
    await pbx.down(crash=True)
    for _ in range(100):
        reply = await engine.http.get("/health")
        if reply.status_code == 503:
            break
        await asyncio.sleep(0.05)
    assert reply.status_code == 503
    assert reply.json()["status"] == "degraded" and not reply.json()["pbx"]["connected"]
