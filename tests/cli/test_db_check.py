"""``shelfaudit db check``: stored rule sets and standards re-read with today's checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from shelfaudit.runtime import build_runtime
from shelfaudit.settings import get_settings
from shelfaudit.store.standards import latest_standard
from shelfaudit.store.tables import ActivityStandard, RuleSetVersion
from tests.cli.helpers import shelfaudit, use_data_dir
from tests.seeds import add_scheme, seed_master_data

STANDARD = """
id: cartons
version: 1
name: Cartons
activity_brand: heineken
criteria:
  - {id: a, kind: min_facings, classes: [beer_carton], min: 2}
"""


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_data_dir(monkeypatch, tmp_path)
    runtime = build_runtime(get_settings(), upgrade_db=True)
    try:
        seed_master_data(runtime)
        add_scheme(runtime)
        with runtime.sessions.begin() as session:
            session.add(
                ActivityStandard(
                    activity_id="A1",
                    version=1,
                    standard_id="cartons",
                    source=STANDARD,
                    created_by="admin",
                )
            )
    finally:
        runtime.close()


def test_stored_definitions_that_today_s_checks_accept_pass(stored: None) -> None:
    done = shelfaudit("db", "check")
    assert done.exit_code == 0, done.output
    assert '{"refused": 0}' in done.stdout


def test_a_stored_version_a_tightened_check_refuses_is_listed(stored: None) -> None:
    # As if stored by an older release that let these through.
    runtime = build_runtime(get_settings())
    try:
        with runtime.sessions.begin() as session:
            session.execute(
                update(RuleSetVersion).values(source=RuleSetVersion.source + "\nunknown_key: 1\n")
            )
            session.execute(
                update(ActivityStandard).values(source=STANDARD.replace("min: 2", "min: 99999"))
            )
    finally:
        runtime.close()
    done = shelfaudit("db", "check")
    assert done.exit_code == 1
    assert '{"refused": 2}' in done.stdout
    assert "rule set test_scheme@1 [active]" in done.stderr
    assert "standard A1@1" in done.stderr


def test_a_refused_standard_superseded_by_a_corrected_version_is_no_longer_listed(
    stored: None,
) -> None:
    runtime = build_runtime(get_settings())
    try:
        with runtime.sessions.begin() as session:
            session.execute(
                update(ActivityStandard).values(
                    source=STANDARD.replace("[beer_carton]", "[beer_carton, beer_carton]")
                )
            )
            session.add(
                ActivityStandard(
                    activity_id="A1",
                    version=2,
                    standard_id="cartons",
                    source=STANDARD.replace("version: 1", "version: 2"),
                    created_by="admin",
                )
            )
    finally:
        runtime.close()
    done = shelfaudit("db", "check")
    assert done.exit_code == 0, done.output
    assert '{"refused": 0}' in done.stdout


def test_a_stored_standard_whose_only_fault_is_its_text_is_scored_and_not_listed(
    stored: None,
) -> None:
    # Published before labels refused controls: refusing it now would leave every new
    # photo of A1 unscored, so it is read with the text cleaned.
    labelled = STANDARD.replace("min: 2}", 'min: 2, label: "Heineken\\u202e cartons"}')
    runtime = build_runtime(get_settings())
    try:
        with runtime.sessions.begin() as session:
            session.execute(update(ActivityStandard).values(source=labelled))
        with runtime.sessions() as session:
            standard = latest_standard(session, "A1")
    finally:
        runtime.close()
    assert standard is not None
    assert standard.criteria[0].label == "Heineken cartons"
    done = shelfaudit("db", "check")
    assert done.exit_code == 0, done.output
