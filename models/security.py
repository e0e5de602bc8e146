"""PIN hashing with scrypt. PINs are never stored in plain text.

Format: "scrypt$n$r$p$salt_b64$hash_b64", so the cost can be raised later without breaking old
hashes. One hash costs about 16 MiB and some tens of ms: call it via asyncio.to_thread from the
event loop when that matters.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1
_SALT_BYTES, _HASH_BYTES = 16, 32
_MAXMEM = 2**28  # room for stronger parameters later; scrypt refuses beyond it


def hash_pin(pin: str) -> str:
    if not pin:
        raise ValueError("empty PIN")
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(pin, salt, _N, _R, _P, _HASH_BYTES)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str | None) -> bool:
    if not pin or not stored:
        return False
    try:
        scheme, n, r, p, salt_b64, hash_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(hash_b64, validate=True)
        salt = base64.b64decode(salt_b64, validate=True)
        digest = _scrypt(pin, salt, int(n), int(r), int(p), len(expected))
    except (ValueError, OverflowError):  # malformed (binascii.Error is a ValueError), bad params
        return False
    return hmac.compare_digest(digest, expected)


def verify_pin_or_dummy(pin: str, stored: str | None) -> bool:
    """verify_pin, and for no stored hash (an unknown name) the same work against a dummy
    hash: an unknown name answers as late as a known one. Always False for None."""
    if stored is None:
        verify_pin(pin, _dummy_hash())
        return False
    return verify_pin(pin, stored)


@functools.cache
def _dummy_hash() -> str:
    return hash_pin(secrets.token_urlsafe(16))


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=_MAXMEM)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def new_sip_secret() -> str:
    """A phone account's password: 24 URL-safe characters (144 random bits)."""
    return secrets.token_urlsafe(18)
