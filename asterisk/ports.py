"""Free loopback ports for a local PBX, its AMI and FastAGI, and the phones that call it."""
import socket


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 that nothing holds now (TCP by default; SOCK_DGRAM for SIP over UDP)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
