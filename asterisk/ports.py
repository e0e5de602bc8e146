"""Free loopback ports for a local PBX, its AMI and FastAGI, and the phones that call it."""
import os
import random
import socket

# "LOW-HIGH": draw ports from this block rather than from the kernel's ephemeral range, where
# any outgoing connection may take a port between the draw and its use (the test workers set
# one block each).
PORT_BLOCK = "HOTLINE_PORT_BLOCK"


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 that nothing holds now (TCP by default; SOCK_DGRAM for SIP over UDP)."""
    block = os.environ.get(PORT_BLOCK)
    if not block:
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    low, high = (int(p) for p in block.split("-"))
    for port in random.sample(range(low, high), high - low):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port in {PORT_BLOCK}={block}")
