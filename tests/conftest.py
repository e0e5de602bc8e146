"""What every tier shares: each pytest-xdist worker draws its loopback ports from a block of its
own, below the kernel's ephemeral range, so that neither another worker nor an outgoing
connection takes a port between its draw and its use."""
import os

from asterisk.ports import PORT_BLOCK

# A run without xdist takes the fourth block: the suite runs three workers, so a single test run
# beside it never meets one of its PBXs on a port.
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw3").removeprefix("gw"))
# Below the ephemeral range (32768 on): RTP in 10000-29999, 2000 a worker; the rest in
# 30000-32759, 690 a worker (172 ports handed out in turn), for up to four workers.
RTP_BLOCK = (10000 + (WORKER % 10) * 2000, 12000 + (WORKER % 10) * 2000)
os.environ[PORT_BLOCK] = f"{30000 + (WORKER % 4) * 690}-{30690 + (WORKER % 4) * 690}"
