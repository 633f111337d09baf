"""Rule sets as versioned data: drafts, activation, conflicts, and simulation."""

from __future__ import annotations

from datetime import date

import pytest

from shelfaudit.commission.versions import RuleBook
from shelfaudit.errors import Conflict, InvalidRuleSet
from shelfaudit.payouts.rule_store import activate, active_rule_sets, add_rule_set
from shelfaudit.payouts.simulation import simulate_draft
from shelfaudit.payouts.statements import run_statements
from shelfaudit.runtime import Runtime
from tests.seeds import ADMIN, LAST_MONTH, SCHEME, add_photo, add_scheme, seed_master_data

VERSION_2 = SCHEME.replace("version: 1", "version: 2").replace("amount: 40000", "amount: 45000")


def test_an_upload_is_a_draft_that_pays_nothing_until_activated(runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        row = add_rule_set(session, text=SCHEME, syntax="yaml", actor=ADMIN)
        assert (row.rule_set_id, row.version, row.status) == ("test_scheme", 1, "draft")
        assert active_rule_sets(session) == []
        activate(session, rule_set_id="test_scheme", version=1, actor=ADMIN)
        assert [r.key for r in active_rule_sets(session)] == ["test_scheme@1"]


def test_a_version_cannot_be_uploaded_twice(runtime: Runtime) -> None:
    add_scheme(runtime)
    with runtime.sessions() as session, pytest.raises(Conflict, match="version 2"):
        add_rule_set(session, text=SCHEME, syntax="yaml", actor=ADMIN)


def test_a_version_starting_with_the_one_before_cannot_be_activated(runtime: Runtime) -> None:
    add_scheme(runtime)
    with runtime.sessions() as session:
        add_rule_set(session, text=VERSION_2, syntax="yaml", actor=ADMIN)
        with pytest.raises(InvalidRuleSet, match="the day test_scheme@1 starts"):
            activate(session, rule_set_id="test_scheme", version=2, actor=ADMIN)


def test_an_open_ended_version_is_followed_by_the_next_one_activated(runtime: Runtime) -> None:
    add_scheme(runtime)  # version 1, open-ended
    later = VERSION_2.replace("effective_from: 2020-01-01", "effective_from: 2099-01-01")
    assert later != VERSION_2
    with runtime.sessions.begin() as session:
        add_rule_set(session, text=later, syntax="yaml", actor=ADMIN)
        activate(session, rule_set_id="test_scheme", version=2, actor=ADMIN)
    with runtime.sessions() as session:
        book = RuleBook(active_rule_sets(session))
    found = [book.in_force("test_scheme", day) for day in (date(2098, 12, 31), date(2099, 1, 1))]
    assert [r.version if r else None for r in found] == [1, 2]


def test_an_invalid_rule_set_says_where(runtime: Runtime) -> None:
    broken = SCHEME.replace("amount: 20000", "amount: -5")
    with runtime.sessions() as session, pytest.raises(InvalidRuleSet, match="negative"):
        add_rule_set(session, text=broken, syntax="yaml", actor=ADMIN)


def test_simulating_a_draft_shows_the_difference_per_rep(runtime: Runtime) -> None:
    seed_master_data(runtime)
    add_scheme(runtime)
    add_photo(runtime, verdict="clean", fraud_score=0.0, score=85, rep_id="R1")
    add_photo(runtime, verdict="clean", fraud_score=0.0, score=65, rep_id="R2")
    with runtime.sessions.begin() as session:
        add_rule_set(session, text=VERSION_2, syntax="yaml", actor=ADMIN)
        diffs = simulate_draft(session, rule_set_id="test_scheme", version=2, period=LAST_MONTH)
        stored = run_statements(session, period=LAST_MONTH, actor=ADMIN)
    assert [(d.rep_id, d.old_total, d.new_total, d.delta) for d in diffs] == [
        ("R1", 40000, 45000, 5000)
    ]
    assert {s.rep_id: s.total for s in stored.statements} == {"R1": 40000, "R2": 20000}


def test_simulating_the_active_version_after_a_run_changes_nothing(runtime: Runtime) -> None:
    # It used to fail: "earlier payouts were priced by test_scheme@1, which was not given".
    seed_master_data(runtime)
    add_scheme(runtime)
    add_photo(runtime, verdict="clean", fraud_score=0.0, score=85, rep_id="R1")
    with runtime.sessions.begin() as session:
        run_statements(session, period=LAST_MONTH, actor=ADMIN)
    with runtime.sessions.begin() as session:
        assert (
            simulate_draft(session, rule_set_id="test_scheme", version=1, period=LAST_MONTH) == []
        )


def test_a_simulation_prices_the_late_photos_a_run_would(runtime: Runtime) -> None:
    from tests.seeds import THIS_MONTH

    seed_master_data(runtime)
    add_scheme(runtime)
    with runtime.sessions.begin() as session:
        run_statements(session, period=LAST_MONTH, actor=ADMIN)  # nothing yet
    add_photo(runtime, verdict="clean", fraud_score=0.0, score=85, rep_id="R1")  # sent late
    with runtime.sessions.begin() as session:
        add_rule_set(session, text=VERSION_2, syntax="yaml", actor=ADMIN)
        diffs = simulate_draft(session, rule_set_id="test_scheme", version=2, period=THIS_MONTH)
    assert [(d.rep_id, d.old_total, d.new_total) for d in diffs] == [("R1", 40000, 45000)]


# As an earlier release stored it: bands with a hole (70 pays nothing), refused today when
# published, still read and paid as always when stored.
WITH_A_HOLE = SCHEME.replace(
    "- {min: 60, max: 79, amount: 20000}", "- {min: 60, max: 69, amount: 20000}"
).replace("- {min: 80, max: 100, amount: 40000}", "- {min: 71, max: 100, amount: 40000}")


def _stored_as_before(runtime: Runtime, source: str) -> None:
    from sqlalchemy import update

    from shelfaudit.store.tables import RuleSetVersion

    with runtime.sessions.begin() as session:
        session.execute(update(RuleSetVersion).values(source=source))


def test_a_stored_version_a_publication_check_now_refuses_still_pays(runtime: Runtime) -> None:
    with runtime.sessions() as session, pytest.raises(InvalidRuleSet, match="unpaid"):
        add_rule_set(
            session,
            text=WITH_A_HOLE.replace("version: 1", "version: 9"),
            syntax="yaml",
            actor=ADMIN,
        )
    seed_master_data(runtime)
    add_scheme(runtime)
    _stored_as_before(runtime, WITH_A_HOLE)
    add_photo(runtime, verdict="clean", fraud_score=0.0, score=75)
    with runtime.sessions.begin() as session:
        (statement,) = run_statements(session, period=LAST_MONTH, actor=ADMIN).statements
    assert statement.total == 40000


def test_an_active_version_that_no_longer_loads_fails_no_analysis_and_names_itself(
    runtime: Runtime,
) -> None:
    seed_master_data(runtime)
    add_scheme(runtime)
    _stored_as_before(runtime, SCHEME.replace("kind: clawback", "kind: clawback\n    x: 1"))
    photo = add_photo(runtime, verdict="review", score=85)  # triaged: no rule set to price it
    from shelfaudit.store.tables import ReviewItem

    with runtime.sessions() as session:
        item = session.get(ReviewItem, photo)
        assert item is not None
        assert item.at_stake_milli == 0
        with pytest.raises(Conflict, match="test_scheme@1 no longer loads"):
            run_statements(session, period=LAST_MONTH, actor=ADMIN)


def test_a_corrected_version_from_the_same_day_replaces_one_that_no_longer_loads(
    runtime: Runtime,
) -> None:
    seed_master_data(runtime)
    add_scheme(runtime)
    _stored_as_before(runtime, SCHEME.replace("kind: clawback", "kind: clawback\n    x: 1"))
    add_photo(runtime, verdict="clean", fraud_score=0.0, score=85)
    with runtime.sessions.begin() as session:
        with pytest.raises(Conflict, match="Publish a corrected version starting 2020-01-01"):
            run_statements(session, period=LAST_MONTH, actor=ADMIN)
        add_rule_set(session, text=VERSION_2, syntax="yaml", actor=ADMIN)  # same start
        activate(session, rule_set_id="test_scheme", version=2, actor=ADMIN)

    with runtime.sessions.begin() as session:
        assert [r.key for r in active_rule_sets(session)] == ["test_scheme@2"]
        (statement,) = run_statements(session, period=LAST_MONTH, actor=ADMIN).statements
    assert statement.total == 45000  # paid by the corrected version
