"""``shelfaudit db retriage``: undecided photos queued again by today's triage rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete

from shelfaudit.runtime import build_runtime
from shelfaudit.settings import get_settings
from shelfaudit.store.tables import ReviewItem
from tests.cli.helpers import shelfaudit, use_data_dir
from tests.seeds import add_photo, add_scheme, seed_master_data


def test_fraud_joins_the_queue_and_doubt_of_the_recapture_model_alone_leaves_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_data_dir(monkeypatch, tmp_path)
    runtime = build_runtime(get_settings(), upgrade_db=True)
    try:
        seed_master_data(runtime)
        add_scheme(runtime)
        fraud = add_photo(runtime, verdict="fraud", fraud_score=0.95, score=85)
        doubted = add_photo(runtime, verdict="clean", fraud_score=0.0, score=85, recapture=0.55)
        # As an earlier release left them: the fraud photo never queued, the other queued
        # for the recapture model's doubt.
        with runtime.sessions.begin() as session:
            session.execute(delete(ReviewItem).where(ReviewItem.photo_id == fraud))
            session.add(
                ReviewItem(
                    photo_id=doubted,
                    state="open",
                    reasons=["low_confidence"],
                    verdict="clean",
                    risk=0,
                    at_stake_milli=0,
                )
            )
    finally:
        runtime.close()

    done = shelfaudit("db", "retriage", "--batch", "1")
    assert done.exit_code == 0, done.output

    runtime = build_runtime(get_settings())
    try:
        with runtime.sessions() as session:
            queued = session.get(ReviewItem, fraud)
            cleared = session.get(ReviewItem, doubted)
            assert queued is not None
            assert cleared is not None
            assert (queued.state, queued.reasons) == ("open", ["verdict_fraud"])
            assert (cleared.state, cleared.reasons) == ("cleared", [])
    finally:
        runtime.close()
