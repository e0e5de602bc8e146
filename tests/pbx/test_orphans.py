import asyncio
import os
import signal
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.pbx


async def test_a_pbx_dies_with_the_process_that_started_it(settings, tmp_path):
    """A test run killed from outside must not leave its Asterisk behind."""
    script = textwrap.dedent(f"""
        import asyncio, pathlib, sys
        from asterisk.pbx import LocalPbx
        from asterisk.settings import AgiSettings, AmiSettings, PbxSettings
        async def main():
            pbx = LocalPbx(PbxSettings.model_validate_json({settings.pbx.model_dump_json()!r}),
                           AmiSettings(port={settings.ami.port}), AgiSettings())
            await pbx.up()
            print(pbx.pid(), flush=True)
            await asyncio.sleep(60)
        asyncio.run(main())
    """)
    owner = await asyncio.create_subprocess_exec(sys.executable, "-c", script,
                                                 stdout=asyncio.subprocess.PIPE, cwd=os.getcwd())
    pid = int(await asyncio.wait_for(owner.stdout.readline(), 30))
    assert Path(f"/proc/{pid}").exists()
    owner.send_signal(signal.SIGKILL)  # no cleanup code runs
    await owner.wait()
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists():
            break
        await asyncio.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists(), "Asterisk outlived the process that started it"
