"""Statement runs on the database: holds, releases, clawbacks and penalties follow decisions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from shelfaudit.commission import Cadence, Decision, LineKind, Period, statements_csv
from shelfaudit.errors import Conflict
from shelfaudit.payouts.statements import lines_for_photo, read_statements, run_statements
from shelfaudit.review.decisions import decide
from shelfaudit.review.vocabulary import ReasonCode
from shelfaudit.runtime import Runtime
from tests.seeds import (
    ADMIN,
    APPROVER,
    LAST_MONTH,
    THIS_MONTH,
    add_photo,
    add_scheme,
    seed_master_data,
)
from tests.seeds import run_period as run


def kinds(runtime: Runtime, photo_id: int) -> list[tuple[str, str, Decimal, Decimal]]:
    with runtime.sessions() as session:
        return [
            (line.period_start.strftime("%Y-%m"), line.kind.value, line.amount, line.held)
            for line in lines_for_photo(session, photo_id)
        ]


def decide_now(runtime: Runtime, photo_id: int, decision: Decision, reason: ReasonCode) -> None:
    with runtime.sessions.begin() as session:
        decide(session, photo_id=photo_id, decision=decision, reason_code=reason, actor=APPROVER)


def test_a_clean_photo_is_paid_by_its_band_with_the_rule_set_version(scheme: Runtime) -> None:
    photo = add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)
    run(scheme, LAST_MONTH)
    with scheme.sessions() as session:
        (statement,) = read_statements(session, period=LAST_MONTH)
    assert statement.total == Decimal(40000)
    (line,) = statement.lines
    assert (line.photo_id, line.rule_set_key, line.rule_id) == (
        photo,
        "test_scheme@1",
        "display-bands",
    )
    assert "band 80–100" in line.explanation


def test_an_approval_releases_the_held_amount_on_the_next_statement(scheme: Runtime) -> None:
    photo = add_photo(scheme, verdict="review", score=85)
    run(scheme, LAST_MONTH)
    assert kinds(scheme, photo) == [(LAST_MONTH.label, "hold", Decimal(0), Decimal(40000))]

    decide_now(scheme, photo, Decision.approved, ReasonCode.genuine)
    run(scheme, THIS_MONTH)

    assert kinds(scheme, photo)[-1] == (
        THIS_MONTH.label,
        "release",
        Decimal(40000),
        Decimal(-40000),
    )


def test_a_rejection_after_payment_claws_back_and_penalises(scheme: Runtime) -> None:
    photo = add_photo(scheme, verdict="clean", fraud_score=0.0, score=70)
    run(scheme, LAST_MONTH)
    decide_now(scheme, photo, Decision.rejected, ReasonCode.duplicate)
    run(scheme, THIS_MONTH)
    this_month = [k for k in kinds(scheme, photo) if k[0] == THIS_MONTH.label]
    assert sorted((kind, amount) for _, kind, amount, _ in this_month) == [
        (LineKind.clawback.value, Decimal(-20000)),
        (LineKind.penalty.value, Decimal(-100000)),
    ]


def test_running_a_period_again_replaces_its_statements(scheme: Runtime) -> None:
    add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)
    run(scheme, LAST_MONTH)
    run(scheme, LAST_MONTH)
    with scheme.sessions() as session:
        statements = read_statements(session, period=LAST_MONTH)
    assert len(statements) == 1
    csv = statements_csv(statements)
    assert csv.count("\n") == 2  # header and one line
    assert "test_scheme@1,display-bands" in csv


def test_a_period_overlapping_a_stored_one_is_refused(scheme: Runtime) -> None:
    photo = add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)
    run(scheme, LAST_MONTH)
    week = Period.containing(LAST_MONTH.start + timedelta(days=10), Cadence.week)

    with pytest.raises(Conflict, match=f"overlaps the stored statements of {LAST_MONTH.label}"):
        run(scheme, week)

    # the photo is paid once, by the month
    assert kinds(scheme, photo) == [(LAST_MONTH.label, "earn", Decimal(40000), Decimal(0))]


def test_a_period_cannot_be_run_again_once_a_later_one_is_stored(scheme: Runtime) -> None:
    photo = add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)
    run(scheme, LAST_MONTH)
    decide_now(scheme, photo, Decision.rejected, ReasonCode.duplicate)
    run(scheme, THIS_MONTH)  # claws the payment back and penalises

    with pytest.raises(Conflict, match=f"later period \\({THIS_MONTH.label}\\)"):
        run(scheme, LAST_MONTH)

    lines = kinds(scheme, photo)
    assert [kind for _, kind, _, _ in lines].count("earn") == 1
    assert sum(amount for _, kind, amount, _ in lines if kind == "penalty") == Decimal(-100000)


def test_a_period_skipped_cannot_be_run_after_a_later_one(scheme: Runtime) -> None:
    add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)  # last month
    this_month = add_photo(
        scheme, verdict="clean", fraud_score=0.0, score=85, captured_at=THIS_MONTH.start
    )
    run(scheme, THIS_MONTH)  # last month skipped

    with pytest.raises(Conflict, match="run periods in order"):
        run(scheme, LAST_MONTH)

    assert kinds(scheme, this_month) == [(THIS_MONTH.label, "earn", Decimal(40000), Decimal(0))]


def test_a_later_period_that_stored_nothing_does_not_stop_an_earlier_one(
    scheme: Runtime,
) -> None:
    add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)
    run(scheme, THIS_MONTH)  # nothing to pay: nothing stored
    run(scheme, LAST_MONTH)
    with scheme.sessions() as session:
        (statement,) = read_statements(session, period=LAST_MONTH)
    assert statement.total == Decimal(40000)


def test_the_same_file_sent_twice_is_paid_once(scheme: Runtime) -> None:
    from shelfaudit.store.tables import Photo

    first = add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)
    retry = add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)
    with scheme.sessions.begin() as session:
        original, again = session.get(Photo, first), session.get(Photo, retry)
        assert original is not None
        assert again is not None
        again.sha256 = original.sha256  # an app's retry without its client_photo_id
    run(scheme, LAST_MONTH)
    assert kinds(scheme, first) == [(LAST_MONTH.label, "earn", Decimal(40000), Decimal(0))]
    assert kinds(scheme, retry) == [(LAST_MONTH.label, "earn", Decimal(0), Decimal(0))]


def test_another_reps_copy_of_a_file_is_judged_not_taken_for_a_retry(scheme: Runtime) -> None:
    from shelfaudit.store.tables import Photo

    first = add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)
    copy = add_photo(scheme, verdict="fraud", fraud_score=0.9, score=85, rep_id="R2")
    with scheme.sessions.begin() as session:
        original, again = session.get(Photo, first), session.get(Photo, copy)
        assert original is not None
        assert again is not None
        again.sha256 = original.sha256  # rep2 sent rep1's file
    decide_now(scheme, copy, Decision.rejected, ReasonCode.duplicate)
    run(scheme, LAST_MONTH)
    penalties = [amount for _, kind, amount, _ in kinds(scheme, copy) if kind == "penalty"]
    assert penalties == [Decimal(-100000)]


def test_a_period_is_not_skipped_while_photos_wait_in_it(scheme: Runtime) -> None:
    two_ago = Period.containing(LAST_MONTH.start - timedelta(days=1), Cadence.month)
    add_photo(scheme, verdict="clean", fraud_score=0.0, score=85, captured_at=two_ago.start)
    waiting = add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)  # last month
    run(scheme, two_ago)

    with pytest.raises(Conflict, match=r"1 photo captured between .* run that period first"):
        run(scheme, THIS_MONTH)

    run(scheme, LAST_MONTH)
    run(scheme, THIS_MONTH)
    assert kinds(scheme, waiting) == [(LAST_MONTH.label, "earn", Decimal(40000), Decimal(0))]


def explanations(runtime: Runtime, photo_id: int) -> list[str]:
    with runtime.sessions() as session:
        return [line.explanation for line in lines_for_photo(session, photo_id)]


def test_a_photo_sent_after_its_period_was_run_is_priced_late_in_the_next(
    scheme: Runtime,
) -> None:
    on_time = add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)
    run(scheme, LAST_MONTH)
    # Captured last month, sent (and analysed) after last month's statements were run.
    late = add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)
    cheat = add_photo(scheme, verdict="fraud", fraud_score=0.9, score=85, rep_id="R2")

    run(scheme, THIS_MONTH)
    run(scheme, THIS_MONTH)  # a re-run replaces the late lines, it does not add to them

    assert kinds(scheme, late) == [(THIS_MONTH.label, "earn", Decimal(40000), Decimal(0))]
    assert "after that period's statement: priced late" in explanations(scheme, late)[0]
    assert kinds(scheme, cheat) == [
        (THIS_MONTH.label, "earn", Decimal(0), Decimal(0)),  # shown at zero, as on time
        (THIS_MONTH.label, "penalty", Decimal(-100000), Decimal(0)),
    ]
    # the photo its own period priced is not priced again
    assert kinds(scheme, on_time) == [(LAST_MONTH.label, "earn", Decimal(40000), Decimal(0))]


def test_an_earlier_photo_its_period_priced_at_zero_is_not_priced_again(scheme: Runtime) -> None:
    low = add_photo(scheme, verdict="clean", fraud_score=0.0, score=30)
    run(scheme, LAST_MONTH)
    with scheme.sessions.begin() as session:
        from shelfaudit.store.tables import Photo, utcnow

        photo = session.get(Photo, low)
        assert photo is not None
        photo.updated_at = utcnow()  # analysed again since (a new standard, say)
    run(scheme, THIS_MONTH)
    assert kinds(scheme, low) == [(LAST_MONTH.label, "earn", Decimal(0), Decimal(0))]


def test_photos_priced_late_count_against_their_own_months_cap(runtime: Runtime) -> None:
    from tests.seeds import SCHEME

    seed_master_data(runtime)
    add_scheme(
        runtime,
        SCHEME + "  - id: monthly-cap\n    kind: cap\n    amount: 60000\n    period: month\n",
    )
    add_photo(runtime, verdict="clean", fraud_score=0.0, score=85)  # 40,000
    run(runtime, LAST_MONTH)
    late = [add_photo(runtime, verdict="clean", fraud_score=0.0, score=85) for _ in range(2)]

    run(runtime, THIS_MONTH)

    with runtime.sessions() as session:
        (statement,) = read_statements(session, period=THIS_MONTH)
    # 20,000 of room was left in last month's 60,000 cap: the second late photo gets nothing
    assert statement.total == Decimal(20000)
    cuts = [line for line in statement.lines if line.kind is LineKind.cap_cut]
    assert [line.photo_id for line in cuts] == late
    assert [line.amount for line in cuts] == [Decimal(-20000), Decimal(-40000)]


def test_a_period_that_has_not_started_cannot_be_run(scheme: Runtime) -> None:
    next_year = Period.containing(THIS_MONTH.start + timedelta(days=400), Cadence.month)
    with pytest.raises(Conflict, match="cannot be run before it starts"):
        run(scheme, next_year)
    run(scheme, LAST_MONTH)  # nothing stored in the way


def test_a_photo_sent_after_a_run_that_stored_nothing_is_priced_late(scheme: Runtime) -> None:
    run(scheme, LAST_MONTH)  # nothing to pay: no statement, but the period was run
    late = add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)  # last month
    run(scheme, THIS_MONTH)
    assert kinds(scheme, late) == [(THIS_MONTH.label, "earn", Decimal(40000), Decimal(0))]


def test_a_run_answers_its_statements_as_stored(scheme: Runtime) -> None:
    add_photo(scheme, verdict="clean", fraud_score=0.0, score=85, captured_at=THIS_MONTH.start)
    with scheme.sessions.begin() as session:
        done = run_statements(session, period=THIS_MONTH, actor=ADMIN)
    (statement,) = done.statements
    assert statement.run_at is not None
    assert statement.provisional  # run before the month ended


VISITS = """\
id: visits
version: 1
name: Visit bands
currency: VND
effective_from: 2020-01-01
activities: [A1]
rules:
  - id: visit
    kind: visit_band
    bands:
      - {min: 60, max: 100, amount: 40000}
"""


def test_a_whole_visit_sent_late_is_paid_its_band_once(runtime: Runtime) -> None:
    seed_master_data(runtime)
    add_scheme(runtime, VISITS)
    # Mid-morning: the visit's second photo an hour later is the same day (a default time
    # from the seed counter could be 23:00, and an hour later another day's visit).
    visited = LAST_MONTH.start + timedelta(days=2, hours=10)
    add_photo(runtime, verdict="clean", fraud_score=0.0, score=85, captured_at=visited)
    run(runtime, LAST_MONTH)
    # Another store visited last month, both its photos sent after the run, and a second
    # photo of the visit already paid.
    late = [
        add_photo(runtime, verdict="clean", fraud_score=0.0, score=85, store_id="S2",
                  captured_at=visited + timedelta(minutes=m))
        for m in (1, 2)
    ]  # fmt: skip
    same_visit = add_photo(
        runtime, verdict="clean", fraud_score=0.0, score=90, captured_at=visited + timedelta(1 / 24)
    )

    run(runtime, THIS_MONTH)

    with runtime.sessions() as session:
        (statement,) = read_statements(session, period=THIS_MONTH)
    paid = [(line.photo_ids, line.amount) for line in statement.lines if line.amount]
    assert paid == [((late[0], late[1]), Decimal(40000))]  # the late visit, once
    assert "priced late" in statement.lines[0].explanation
    assert same_visit not in {pid for line in statement.lines for pid in line.photo_ids}


def test_a_visit_across_utc_midnight_sent_late_is_not_paid_twice(runtime: Runtime) -> None:
    from shelfaudit.store.tables import Photo

    def sent_from_vietnam(photo_id: int) -> int:
        with runtime.sessions.begin() as session:
            session.get_one(Photo, photo_id).captured_offset_min = 7 * 60  # UTC+7
        return photo_id

    seed_master_data(runtime)
    add_scheme(runtime, VISITS)
    # 06:50 and 07:10 in Vietnam, 23:50 and 00:10 UTC: one morning's visit.
    visited = LAST_MONTH.start + timedelta(days=2, hours=23, minutes=50)
    first = sent_from_vietnam(add_photo(runtime, verdict="clean", score=85, captured_at=visited))
    run(runtime, LAST_MONTH)
    sent_from_vietnam(
        add_photo(runtime, verdict="clean", score=90, captured_at=visited + timedelta(minutes=20))
    )

    run(runtime, THIS_MONTH)

    with runtime.sessions() as session:
        (paid_last,) = read_statements(session, period=LAST_MONTH)
        this_month = read_statements(session, period=THIS_MONTH)
    assert [line.photo_ids for line in paid_last.lines if line.amount] == [(first,)]
    late = [line for statement in this_month for line in statement.lines if line.amount]
    assert late == []  # the visit was paid; the later photo was its own, not another visit


def test_a_photo_paid_late_after_an_overturned_rejection_counts_against_the_cap(
    runtime: Runtime,
) -> None:
    from tests.seeds import SCHEME

    seed_master_data(runtime)
    add_scheme(
        runtime,
        SCHEME + "  - id: monthly-cap\n    kind: cap\n    amount: 60000\n    period: month\n",
    )
    add_photo(runtime, verdict="clean", fraud_score=0.0, score=85)  # 40,000
    disputed = add_photo(runtime, verdict="clean", fraud_score=0.0, score=85)
    decide_now(runtime, disputed, Decision.rejected, ReasonCode.duplicate)
    with runtime.sessions.begin() as session:
        from shelfaudit.store.tables import PhotoReview

        review = session.get(PhotoReview, disputed)
        assert review is not None
        review.decided_at = LAST_MONTH.start + timedelta(days=3)  # rejected last month
    run(runtime, LAST_MONTH)
    decide_now(runtime, disputed, Decision.approved, ReasonCode.genuine)  # overturned

    run(runtime, THIS_MONTH)

    this_month = [k for k in kinds(runtime, disputed) if k[0] == THIS_MONTH.label]
    assert sorted((kind, amount) for _, kind, amount, _ in this_month) == [
        ("cap_cut", Decimal(-20000)),  # last month's 60,000 cap had 20,000 left
        ("earn", Decimal(40000)),
        ("penalty_refund", Decimal(100000)),
    ]


def test_a_period_ending_more_than_a_month_ahead_cannot_be_run(scheme: Runtime) -> None:
    from shelfaudit.payouts.period_text import parse_period

    start = THIS_MONTH.start
    typo = parse_period(f"{start:%Y-%m-%d}..{start.replace(year=start.year + 1):%Y-%m-%d}")
    with pytest.raises(Conflict, match="more than 31 days from now"):
        run(scheme, typo)
    run(scheme, THIS_MONTH)  # the month itself (provisional) is still fine


def test_a_photo_stamped_just_before_a_run_it_was_unseen_by_is_priced_late(
    scheme: Runtime,
) -> None:
    from shelfaudit.store.tables import Photo, utcnow

    waiting = add_photo(scheme, verdict="clean", fraud_score=0.0, score=85)
    with scheme.sessions.begin() as session:
        photo = session.get(Photo, waiting)
        assert photo is not None
        photo.status = "processing"  # still being analysed while last month is run
    run(scheme, LAST_MONTH)
    with scheme.sessions.begin() as session:
        photo = session.get(Photo, waiting)
        assert photo is not None
        # The worker's clock is a few minutes behind the API's (or it stamped before commit).
        photo.status, photo.updated_at = "analysed", utcnow() - timedelta(minutes=5)

    run(scheme, THIS_MONTH)

    assert kinds(scheme, waiting) == [(THIS_MONTH.label, "earn", Decimal(40000), Decimal(0))]
