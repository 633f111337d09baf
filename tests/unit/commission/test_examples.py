"""The shipped example rule sets load and pay a realistic month, then settle the next."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shelfaudit.commission import AuditedPhoto, Decision, LineKind, evaluate, read_rule_set
from shelfaudit.commission.rules import RuleSet
from shelfaudit.domain.fraud import Verdict
from tests.unit.commission.factories import EXAMPLES, JUNE, MAY, at, photo, review, summary

MUSTS = (("hero_sku_eye_level", True, True), ("price_tag", True, True), ("wobbler", False, False))


def heineken() -> RuleSet:
    return read_rule_set(EXAMPLES / "heineken_2026.yaml")


def stack(photo_id: int, **args: Any) -> AuditedPhoto:
    return photo(photo_id, activity="hnk-stack", criteria=MUSTS, **args)


def test_heineken_2026_pays_a_month_and_settles_the_next() -> None:
    may_photos = [
        stack(5531, score=82, when=at(2)),
        stack(
            5532, score=91, when=at(3), verdict=Verdict.review, reason="Very similar to photo 5100."
        ),
        stack(5533, score=55, when=at(4)),
        stack(5534, score=88, when=at(5), verdict=Verdict.fraud, reason="Photo of a screen."),
        stack(5535, score=None, when=at(6), verdict=Verdict.fraud),
    ]
    (may,) = evaluate(may_photos, [heineken()], MAY)
    assert summary(may) == [
        ("earn", "display-bands", 5531, Decimal(40000), Decimal(0)),
        ("bonus", "must-haves", 5531, Decimal(10000), Decimal(0)),
        ("hold", "display-bands", 5532, Decimal(0), Decimal(50000)),
        ("hold", "must-haves", 5532, Decimal(0), Decimal(10000)),
        ("earn", "display-bands", 5533, Decimal(0), Decimal(0)),
        ("bonus", "must-haves", 5533, Decimal(10000), Decimal(0)),
        ("earn", "display-bands", 5534, Decimal(0), Decimal(0)),
        ("bonus", "must-haves", 5534, Decimal(0), Decimal(0)),
        ("penalty", "proven-fraud", 5534, Decimal(-100000), Decimal(0)),
        ("earn", "display-bands", 5535, Decimal(0), Decimal(0)),
        ("bonus", "must-haves", 5535, Decimal(0), Decimal(0)),
        ("penalty", "proven-fraud", 5535, Decimal(-100000), Decimal(0)),
    ]
    assert (may.total, may.held, may.currency) == (Decimal(-140000), Decimal(60000), "VND")
    assert may.lines[0].explanation == (
        "Store 114, hnk-stack, photo 5531 of 2 May 2026: score 82 → band 80–89 → ₫40,000"
    )

    june_photos = [
        may_photos[0].model_copy(
            update={
                "review": review(
                    Decision.rejected,
                    when=at(3, month=6),
                    reason="duplicate",
                    comment="of photo 4410",
                )
            }
        ),
        may_photos[1].model_copy(update={"review": review(Decision.approved, when=at(4, month=6))}),
        stack(6001, score=75, when=at(2, month=6)),
    ]
    (june,) = evaluate(june_photos, [heineken()], JUNE, may.lines)
    assert summary(june) == [
        ("clawback", "rejected-after-payment", 5531, Decimal(-50000), Decimal(0)),
        ("penalty", "proven-fraud", 5531, Decimal(-100000), Decimal(0)),
        ("release", "hold-under-review", 5532, Decimal(60000), Decimal(-60000)),
        ("earn", "display-bands", 6001, Decimal(30000), Decimal(0)),
        ("bonus", "must-haves", 6001, Decimal(10000), Decimal(0)),
    ]
    kinds = {line.kind: line for line in june.lines}
    assert kinds[LineKind.clawback].explanation.endswith(
        "−₫50,000 clawback: photo rejected on 3 June 2026, duplicate: of photo 4410; "
        "paid on the May 2026 statement"
    )
    assert (june.total, june.on_hold) == (Decimal(-50000), Decimal(0))


def test_heineken_2026_caps_a_rep_at_two_million_a_month() -> None:
    photos = [stack(i, score=95, when=at(1 + i // 10, i % 10)) for i in range(1, 41)]
    (may,) = evaluate(photos, [heineken()], MAY)
    assert may.total == Decimal(2_000_000)
    assert sum(1 for line in may.lines if line.kind == "cap_cut") == 7


def test_otc_endcap_pays_per_visit_and_shares_a_budget() -> None:
    rules = read_rule_set(EXAMPLES / "otc_endcap_2026.yaml")
    photos = [
        photo(1, activity="otc-endcap", score=78, measures={"share_of_shelf": "0.52"}),
        photo(2, activity="otc-endcap", score=93, when=at(12, 11)),
        photo(
            3,
            activity="otc-endcap",
            score=91,
            when=at(12, 12),
            rep="R2",
            verdict=Verdict.fraud,
            reason="Same picture as photo 2.",
        ),
    ]
    r1, r2 = evaluate(photos, [rules], MAY)
    assert summary(r1) == [
        ("earn", "facing-share", 1, Decimal(10), Decimal(0)),
        ("earn", "endcap-visit", 2, Decimal("40.50"), Decimal(0)),
        ("earn", "facing-share", 2, Decimal(0), Decimal(0)),
    ]
    # This scheme holds machine fraud verdicts for a person instead of penalising them.
    assert summary(r2) == [
        ("earn", "facing-share", 3, Decimal(0), Decimal(0)),
        ("hold", "endcap-visit", 3, Decimal(0), Decimal("40.50")),
    ]
