"""Shared by the payout tests: the seeded scheme."""

from __future__ import annotations

import pytest

from shelfaudit.runtime import Runtime
from tests.seeds import add_scheme, seed_master_data


@pytest.fixture
def scheme(runtime: Runtime) -> Runtime:
    """Master data and the test scheme, active."""
    seed_master_data(runtime)
    add_scheme(runtime)
    return runtime
