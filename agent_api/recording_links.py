"""Signed, expiring links to a recording's audio: what an <audio> element can fetch."""
import hashlib
import hmac
import time

from runtime.settings import Settings


def _signature(settings: Settings, recording_id: int, expires: int) -> str:
    key = settings.auth.link_secret.get_secret_value().encode()
    return hmac.new(key, f"{recording_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def sign(settings: Settings, recording_id: int, now: float | None = None) -> str:
    expires = int((now or time.time()) + settings.auth.link_minutes * 60)
    return (f"/recordings/{recording_id}/audio?expires={expires}"
            f"&signature={_signature(settings, recording_id, expires)}")


def valid(settings: Settings, recording_id: int, expires: int | None, signature: str,
          now: float | None = None) -> bool:
    if expires is None or expires < (now or time.time()):
        return False
    # compared as bytes: compare_digest refuses a str that is not ASCII
    return hmac.compare_digest(signature.encode(), _signature(settings, recording_id, expires)
                               .encode())
