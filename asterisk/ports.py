"""Free loopback ports for a local PBX, its AMI and FastAGI, and the phones that call it."""
import itertools
import os
import socket

# "LOW-HIGH": take ports from this block rather than from the kernel's ephemeral range, where
# any outgoing connection may take a port between its draw and its use (each test worker has a
# block of its own).
PORT_BLOCK = "HOTLINE_PORT_BLOCK"
STRIDE = 4  # a sipp phone also uses the three ports after its media port (RTCP, video)
_turn = itertools.count()


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 that nothing holds now (TCP by default; SOCK_DGRAM for SIP over UDP).
    In a block, ports are handed out in turn, STRIDE apart: one comes back only after the whole
    block has gone round."""
    block = os.environ.get(PORT_BLOCK)
    if not block:
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    low, high = (int(p) for p in block.split("-"))
    slots = (high - low) // STRIDE
    for _ in range(slots):
        port = low + (next(_turn) % slots) * STRIDE
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError(f"no free port in {PORT_BLOCK}={block}")
