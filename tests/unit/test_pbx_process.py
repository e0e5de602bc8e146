"""Telling a stopped PBX from a running one by its process."""
import os
import signal
import subprocess

from asterisk.pbx import LocalPbx, _running


async def test_a_killed_process_whose_parent_has_not_reaped_it_is_gone():
    # The PBX's parent is another process (nsenter, unshare): its zombie stays in /proc until
    # that parent reaps it. Here the parent is a `sleep` that never does.
    parent = subprocess.Popen(["sh", "-c", "sleep 60 & echo $!; exec sleep 120"],
                              stdout=subprocess.PIPE, text=True)
    try:
        pid = int(parent.stdout.readline())
        assert _running(pid)
        os.kill(pid, signal.SIGKILL)
        assert await LocalPbx._wait_gone(pid, 30.0)
        assert os.path.exists(f"/proc/{pid}")  # a zombie, seen as gone
    finally:
        parent.kill()
        parent.wait()
