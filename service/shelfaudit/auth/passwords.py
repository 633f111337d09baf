"""Password hashing with scrypt (memory-hard; in the standard library).

A hash is ``scrypt$n$r$p$salt$digest`` (base64), so parameters can be raised later without
breaking old hashes. Verification compares in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# 2**14 x 8 x 128 bytes = 16 MiB of memory per hash; tens of milliseconds on one core.
N, R, P = 2**14, 8, 1
_DKLEN = 32
MIN_LENGTH = 10


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=_DKLEN)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; False for a wrong password or a bad hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


# Verifying against this when the username is unknown keeps the timing the same.
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
