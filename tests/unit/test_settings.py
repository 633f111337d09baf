"""Settings that contradict themselves, or would quietly do the wrong thing, are refused."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shelfaudit.settings import Settings


def settings(tmp_path: Path, **fields: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **fields)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"fraud_review_at": 0.9, "fraud_fraud_at": 0.85}, "SHELFAUDIT_FRAUD_REVIEW_AT (0.9)"),
        (
            {"recapture_uncertain_at": 0.95, "recapture_flag_at": 0.93},
            "SHELFAUDIT_RECAPTURE_UNCERTAIN_AT",
        ),
        ({"environment": "production"}, "SHELFAUDIT_DATABASE_URL is not set in production"),
        ({"local_utc_offsets": "+07:00,+15:00"}, "+15:00 is no UTC offset in use"),
        ({"business_utc_offset": "+14:30"}, "BUSINESS_UTC_OFFSET: +14:30 is no UTC offset"),
        ({"business_utc_offset": "-13:00"}, "BUSINESS_UTC_OFFSET: -13:00 is no UTC offset"),
        ({"business_utc_offset": "+7:00"}, "(-12:00 to +14:00, written like +07:00)"),
    ],
    ids=[
        "fraud_band_inverted",
        "recapture_band_inverted",
        "production_on_sqlite",
        "offset",
        "business_offset",
        "business_offset_west",
        "business_offset_written",
    ],
)
def test_settings_that_would_quietly_misbehave_are_refused(
    tmp_path: Path, fields: dict[str, Any], error: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(error)):
        settings(tmp_path, **fields)


def test_equal_thresholds_and_production_on_postgres_are_fine(tmp_path: Path) -> None:
    settings(tmp_path, fraud_review_at=0.85, fraud_fraud_at=0.85)
    settings(
        tmp_path,
        environment="production",
        database_url="postgresql+psycopg://shelfaudit:pw@db.internal/shelfaudit",
    )


def test_a_mistyped_variable_is_named_with_the_setting_it_was_meant_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHELFAUDIT_DATABSE_URL", "postgresql+psycopg://x@db/x")
    monkeypatch.setenv("SHELFAUDIT_NOTHING_LIKE_IT", "1")
    monkeypatch.setenv("SHELFAUDIT_SHARED_DIR", "/elsewhere")  # the tests' own

    unknown = settings(tmp_path).unknown_environment()

    assert unknown == [
        "SHELFAUDIT_DATABSE_URL (did you mean SHELFAUDIT_DATABASE_URL?)",
        "SHELFAUDIT_NOTHING_LIKE_IT",
    ]


def test_production_without_a_database_names_the_variable_that_was_mistyped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHELFAUDIT_DATABSE_URL", "postgresql+psycopg://x@db/x")
    with pytest.raises(ValidationError, match="did you mean SHELFAUDIT_DATABASE_URL"):
        settings(tmp_path, environment="production")


def test_the_business_offsets_read_as_seconds_east_of_utc(tmp_path: Path) -> None:
    assert settings(tmp_path, business_utc_offset="-03:30").business_offset_min == -210
    assert settings(tmp_path, local_utc_offsets="+07:00, -03:30").local_offsets_s == (
        25200,
        -12600,
    )
