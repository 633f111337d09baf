"""Visit bands: one payment per rep + store + local day, from the best photo."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shelfaudit.commission import AuditedPhoto
from shelfaudit.domain.fraud import Verdict
from shelfaudit.errors import MissingField
from tests.unit.commission.factories import HOLD, at, bands, one_statement, photo, rule_set, summary

VISIT = rule_set(bands("visit", kind="visit_band"), HOLD)


def line(kind: str, photo_id: int, amount: int, held: int = 0) -> tuple[object, ...]:
    return (kind, "visit", photo_id, Decimal(amount), Decimal(held))


@pytest.mark.parametrize(
    ("photos", "expected"),
    [
        # Three shots of one visit: the best (84) pays once.
        (
            [
                photo(1, score=72),
                photo(2, score=84, when=at(12, 11)),
                photo(3, score=65, when=at(12, 12)),
            ],
            [line("earn", 2, 40)],
        ),
        # A tie goes to the earlier photo.
        (
            [photo(5, score=84, when=at(12, 11)), photo(4, score=84, when=at(12, 12))],
            [line("earn", 5, 40)],
        ),
        # Where the phone was in UTC+7, 06:50 and 07:10 are one morning's visit, though UTC
        # midnight falls between them.
        (
            [
                photo(1, score=72, when=at(11, 23, minute=50), offset_min=420),
                photo(2, score=84, when=at(12, 0, minute=10), offset_min=420),
            ],
            [line("earn", 2, 40)],
        ),
        # Without the phone's offset the day is UTC's: two visits.
        (
            [
                photo(1, score=72, when=at(11, 23, minute=50)),
                photo(2, score=84, when=at(12, 0, minute=10)),
            ],
            [line("earn", 1, 20), line("earn", 2, 40)],
        ),
        # Another day or another store is another visit.
        (
            [photo(1, score=72), photo(2, score=84, when=at(13))],
            [line("earn", 1, 20), line("earn", 2, 40)],
        ),
        (
            [photo(1, score=72), photo(2, score=84, store="115")],
            [line("earn", 1, 20), line("earn", 2, 40)],
        ),
        # Fraud does not count for the visit; the clean photo still pays.
        ([photo(1, score=72), photo(2, score=95, verdict=Verdict.fraud)], [line("earn", 1, 20)]),
        # A better photo under review: the clean one pays now, the difference is held.
        (
            [photo(1, score=72), photo(2, score=95, verdict=Verdict.review)],
            [line("earn", 1, 20), line("hold", 2, 0, 30)],
        ),
        # A worse photo under review holds nothing.
        ([photo(1, score=95), photo(2, score=72, verdict=Verdict.review)], [line("earn", 1, 50)]),
        ([photo(1, score=95, verdict=Verdict.review)], [line("hold", 1, 0, 50)]),
        # Nothing payable at all: one line at zero says why.
        (
            [
                photo(1, score=95, verdict=Verdict.fraud),
                photo(2, verdict=Verdict.fraud, when=at(12, 11)),
            ],
            [line("earn", 1, 0)],
        ),
    ],
)
def test_one_payment_per_visit(
    photos: list[AuditedPhoto], expected: list[tuple[object, ...]]
) -> None:
    assert summary(one_statement(photos, VISIT)) == expected


def test_visit_line_lists_every_photo_and_names_the_best() -> None:
    photos = [photo(3, score=72), photo(1, score=84, when=at(12, 11))]
    (paid,) = one_statement(photos, VISIT).lines
    assert paid.photo_ids == (1, 3)
    assert paid.explanation == (
        "Store 114, Heineken stack, visit on 12 May 2026, photo 1 best of 2: "
        "score 84 → band 80–89 → ¥40"
    )


def test_a_visit_photo_without_score_is_an_error_unless_skipped() -> None:
    photos = [photo(1, score=72), photo(2, score=None, when=at(12, 11))]
    with pytest.raises(MissingField):
        one_statement(photos, VISIT)
    skipping = rule_set(bands("visit", kind="visit_band", missing="skip"))
    assert summary(one_statement(photos, skipping)) == [line("earn", 1, 20)]


def test_a_visit_straddling_two_periods_is_banded_once() -> None:
    """06:50 and 07:10 on 1 June in UTC+7 are one visit, but UTC midnight (the periods'
    here) falls between them: May's statement bands it, June's must not again."""
    from shelfaudit.commission import Period, evaluate

    first = photo(1, score=72, when=at(31, 23, minute=50), offset_min=420)
    second = photo(2, score=84, when=at(1, 0, month=6, minute=10), offset_min=420)
    may = one_statement([first, second], VISIT, Period.month(2026, 5))
    assert summary(may) == [line("earn", 1, 20)]
    june = evaluate([first, second], [VISIT], Period.month(2026, 6), may.lines)
    assert june == []  # the visit was paid in May: no second band
