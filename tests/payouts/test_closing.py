"""Closing a period: its statements become final, and later changes go to the next period."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from shelfaudit.commission import statements_csv
from shelfaudit.errors import Conflict
from shelfaudit.payouts.closing import close_period
from shelfaudit.payouts.statements import lines_for_photo, read_statements
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import PayoutStatement
from tests.seeds import (
    ADMIN,
    LAST_MONTH,
    THIS_MONTH,
    add_photo,
)
from tests.seeds import run_period as run


def close(runtime: Runtime, period: object) -> None:
    with runtime.sessions.begin() as session:
        close_period(session, period=period, actor=ADMIN)  # type: ignore[arg-type]


def test_a_closed_period_is_never_run_again(scheme: Runtime) -> None:
    add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)
    run(scheme, LAST_MONTH)
    close(scheme, LAST_MONTH)

    with pytest.raises(Conflict, match=f"period {LAST_MONTH.label} was closed by test-admin"):
        run(scheme, LAST_MONTH)
    with pytest.raises(Conflict, match="was closed by"):
        close(scheme, LAST_MONTH)

    with scheme.sessions() as session:
        (statement,) = read_statements(session, period=LAST_MONTH)
    assert statement.closed_by == "test-admin"
    assert statement.closed_at is not None
    assert statement.run_at is not None
    assert not statement.provisional
    header, row = statements_csv([statement]).splitlines()
    assert header.endswith(",run_at,closed_at,status")
    assert row.endswith(f",{statement.run_at.isoformat()},{statement.closed_at.isoformat()},closed")


def test_a_photo_sent_after_its_period_closed_is_paid_in_the_next(scheme: Runtime) -> None:
    run(scheme, LAST_MONTH)  # nothing to pay yet
    add_photo(scheme, verdict="clean", fraud_score=0.0, score=10)
    run(scheme, LAST_MONTH)
    close(scheme, LAST_MONTH)
    late = add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)  # captured last month

    run(scheme, THIS_MONTH)

    with scheme.sessions() as session:
        (line,) = lines_for_photo(session, late)
    assert (line.period_start, line.kind.value, line.amount) == (
        THIS_MONTH.start,
        "earn",
        Decimal(40000),
    )


def test_a_period_still_running_cannot_be_closed_and_its_run_is_provisional(
    scheme: Runtime,
) -> None:
    add_photo(scheme, verdict="clean", fraud_score=0.0, score=85, captured_at=THIS_MONTH.start)
    run(scheme, THIS_MONTH)
    with scheme.sessions() as session:
        (statement,) = read_statements(session, period=THIS_MONTH)
    assert statement.provisional

    with pytest.raises(Conflict, match=f"period {THIS_MONTH.label} runs until"):
        close(scheme, THIS_MONTH)


def test_statements_run_before_the_end_are_not_closed(scheme: Runtime) -> None:
    add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)
    run(scheme, LAST_MONTH)
    with scheme.sessions.begin() as session:
        for row in session.query(PayoutStatement):
            row.created_at = LAST_MONTH.end - timedelta(hours=2)  # run on the last evening

    with pytest.raises(Conflict, match="before the period ended: run it again"):
        close(scheme, LAST_MONTH)
    run(scheme, LAST_MONTH)
    close(scheme, LAST_MONTH)


def test_a_period_with_nothing_stored_cannot_be_closed(scheme: Runtime) -> None:
    with pytest.raises(Conflict, match="run the period first"):
        close(scheme, LAST_MONTH)
