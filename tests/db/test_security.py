from __future__ import annotations

import pytest

from models.security import hash_pin, verify_pin

pytestmark = pytest.mark.db


@pytest.mark.parametrize("pin", ["246810", "97531", "20250101"])
def test_pin_round_trip(pin: str) -> None:
    stored = hash_pin(pin)
    assert verify_pin(pin, stored)
    assert not verify_pin(pin + "0", stored)
    assert not verify_pin(pin[:-1], stored)
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert pin not in salt and pin not in digest


def test_salted() -> None:
    assert hash_pin("246810") != hash_pin("246810")


@pytest.mark.parametrize(
    "stored", [None, "", "246810", "bcrypt$1$2$3$a$b", "scrypt$16384$8$1$!!$??", "scrypt$x$8$1$a$b"]
)
def test_malformed_hashes_never_verify(stored: str | None) -> None:
    assert not verify_pin("246810", stored)


def test_empty_pin_refused() -> None:
    with pytest.raises(ValueError):
        hash_pin("")
    assert not verify_pin("", hash_pin("1"))
