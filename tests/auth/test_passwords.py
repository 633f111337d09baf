from __future__ import annotations

import pytest

from shelfaudit.auth.passwords import hash_password, verify_password


def test_a_hash_verifies_its_password_only() -> None:
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse battery staple", stored)
    assert not verify_password("correct horse battery stapler", stored)


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password("same password") != hash_password("same password")


@pytest.mark.parametrize("stored", ["", "plain", "bcrypt$1$2$3$4$5", "scrypt$x$8$1$AA==$AA=="])
def test_a_malformed_hash_never_verifies(stored: str) -> None:
    assert not verify_password("anything", stored)
