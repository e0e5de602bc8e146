"""What every tier shares: each pytest-xdist worker draws its loopback ports from a block of its
own, below the kernel's ephemeral range, so that neither another worker nor an outgoing
connection takes a port between its draw and its use."""
import os

from asterisk.ports import PORT_BLOCK

# A run without xdist takes the fourth block (or HOTLINE_TEST_BLOCK's, 3-7): the suite runs three
# workers, so a single test run beside it never meets one of its PBXs on a port.
_NAME = os.environ.get("PYTEST_XDIST_WORKER") or f"gw{os.environ.get('HOTLINE_TEST_BLOCK', '3')}"
WORKER = int(_NAME.removeprefix("gw")) % 8
# Below the ephemeral range (32768 on): RTP in 10000-25999, 2000 a worker; the rest in
# 30000-32759, 345 a worker (86 ports handed out in turn), for up to eight workers.
RTP_BLOCK = (10000 + WORKER * 2000, 12000 + WORKER * 2000)
os.environ[PORT_BLOCK] = f"{30000 + WORKER * 345}-{30345 + WORKER * 345}"
