"""`hotline admin` on the running engine's API, on SQLite and PostgreSQL: a change made from the
shell is the page's change (checked by the same rules, live in the engine, audited under the user
who signed in); a refusal is said per field with a failing exit status."""
import asyncio
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from agent_api.app import create_app
from models import AuditEntry, BusinessType
from runtime.settings import Settings
from services.demo import DEMO_PASSWORD, seed
from tests.pbx.helpers import served

pytestmark = pytest.mark.db


async def test_an_administrator_changes_the_call_center_from_the_shell(
        migrated_url, sessions, tmp_path):
    await seed(sessions)
    app = create_app(Settings(data_dir=tmp_path, db={"url": migrated_url},
                              pbx={"run_dir": tmp_path / "pbx"}), telephony=False)

    async def hotline(*args: str) -> tuple[int, str, str]:
        run = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli.main", "admin", "--url", url, *args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, "HOTLINE_PASSWORD": DEMO_PASSWORD})
        out, err = await run.communicate()
        return run.returncode, out.decode(), err.decode()

    subprocess.run(["sox", "-n", "-r", "16000", str(tmp_path / "menu.wav"), "synth", "1.5",
                    "sine", "440"], check=True)
    async with served(app) as url:
        code, out, _ = await hotline("POST", "/business-types", "code=recycling",
                                     "name_zh=回收业务", "name_en=recycling", "menu_key=6",
                                     "sort_order:=7")
        assert code == 0 and '"name_zh": "回收业务"' in out, out
        ctx = await app.state.engine.ivr.store.menu_context("13900000000")
        assert ("recycling", "6") in ctx.menu  # the engine has it: the next call is offered it
        code, out, _ = await hotline("PUT", "/business-types/recycling/prompts/zh",
                                     f"file@{tmp_path / 'menu.wav'}")
        assert code == 0 and '"uploaded_prompts": [\n    "zh"\n  ]' in out, out

        code, _, err = await hotline("POST", "/business-types", "code=returns", "name_zh=退货",
                                     "name_en=returns", "menu_key=6")
        assert code == 1, err
        assert "menu_key: key 6 is taken by 'recycling' (rule.menu_key_taken)" in err, err
        code, _, err = await hotline("POST", "/branches", "code=TJ", "name")
        assert code == 2 and "a field is name=text" in err
        code, _, err = await hotline("--user", "8001", "POST", "/branches", "code=TJ",
                                     "name=天津")
        assert code == 1 and err.startswith("hotline: 403")

    async with sessions() as s:
        assert await s.scalar(select(BusinessType.code).where(BusinessType.menu_key == "6")) \
            == "recycling"
        log = [(e.username, e.action) for e in await s.scalars(select(AuditEntry))]
    assert log == [("admin", "create"), ("admin", "upload_prompt")]
