"""``shelfaudit activities add | list`` and ``shelfaudit standards publish | show``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import Result

from shelfaudit.settings import get_settings
from tests.cli.helpers import json_lines, shelfaudit, use_data_dir
from tests.factories import jpeg_bytes

EXAMPLE = Path(__file__).parents[2] / "examples" / "standards" / "grocery_dairy_facings.yaml"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield use_data_dir(monkeypatch, tmp_path)
    get_settings.cache_clear()


def publish(path: Path, activity: str = "dairy-2026") -> Result:
    return shelfaudit("standards", "publish", str(path), "--activity", activity)


def show(*extra: str) -> Result:
    return shelfaudit("standards", "show", "--activity", "dairy-2026", *extra)


def test_add_activities_then_list_them(data_dir: Path) -> None:
    first = shelfaudit(
        "activities", "add", "dairy-2026", "--name", "Dairy", "--brand", "Arla",
        "--valid-from", "2026-01-01T00:00:00+00:00", "--valid-to", "2026-12-31T00:00:00+00:00",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    # add is create-or-replace, as PUT /v1/activities/{id}
    assert shelfaudit("activities", "add", "dairy-2026", "--name", "Dairy facings").exit_code == 0
    assert shelfaudit("activities", "add", "A1", "--name", "Summer display").exit_code == 0

    listed = json_lines(shelfaudit("activities", "list", "--json"))
    table = shelfaudit("activities", "list").stdout.splitlines()

    assert [(a["id"], a["name"], a["brand"], a["valid_from"]) for a in listed] == [
        ("A1", "Summer display", None, None),
        ("dairy-2026", "Dairy facings", None, None),
    ]
    assert table == ["A1\tSummer display\t-\t-", "dairy-2026\tDairy facings\t-\t-"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dairy 2026", "--name", "x"], "letters, digits and . _ : - only"),
        (["a", "--name", ""], "--name: String should have at least 1 character"),
        (
            ["a", "--name", "x", "--valid-from", "2026-01-01"],
            "--valid-from: Value error, must include a timezone offset",
        ),
        (
            [
                "a",
                "--name",
                "x",
                "--valid-from",
                "2026-02-01T00:00Z",
                "--valid-to",
                "2026-01-01T00:00Z",
            ],
            "valid_to must be after valid_from",
        ),
    ],
    ids=["id", "name", "naive_time", "period"],
)
def test_add_activity_refuses_bad_input(data_dir: Path, args: list[str], message: str) -> None:
    result = shelfaudit("activities", "add", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_publish_then_show_the_standard(data_dir: Path) -> None:
    shelfaudit("activities", "add", "dairy-2026", "--name", "Dairy")

    (stored,) = json_lines(publish(EXAMPLE))
    (again,) = json_lines(publish(EXAMPLE))
    shown = show()
    (parsed,) = json_lines(show("--json"))

    assert again == stored  # the same text again is a no-op
    assert shown.stdout == EXAMPLE.read_text()
    assert "grocery-dairy-facings version 1, published by cli" in shown.stderr
    assert parsed["version"] == 1
    assert [c["id"] for c in parsed["standard"]["criteria"]] == [
        "arla_standard_milk",
        "photo_quality",
    ]
    assert parsed["standard"]["criteria"][0]["skus"] == ["Arla-Standard-Milk"]


def test_publish_reads_json_and_the_newest_version_is_shown(data_dir: Path, tmp_path: Path) -> None:
    shelfaudit("activities", "add", "dairy-2026", "--name", "Dairy")
    publish(EXAMPLE)
    (parsed,) = json_lines(show("--json"))
    newer = tmp_path / "v2.json"
    newer.write_text(json.dumps({**parsed["standard"], "version": 2}))

    (stored,) = json_lines(publish(newer))
    (shown,) = json_lines(show("--json"))

    assert stored["version"] == shown["version"] == 2
    assert shown["standard"]["criteria"] == parsed["standard"]["criteria"]


def test_publish_refuses_a_changed_version(data_dir: Path, tmp_path: Path) -> None:
    shelfaudit("activities", "add", "dairy-2026", "--name", "Dairy")
    publish(EXAMPLE)
    changed = tmp_path / "changed.yaml"
    changed.write_text(EXAMPLE.read_text().replace("weight: 70", "weight: 60"))

    result = publish(changed)

    assert result.exit_code == 2
    assert "already has standard version 1; publish changes as a new version" in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: x\nversion: 1\n", "changed.yaml: standard x: "),
        ("id: [", "changed.yaml: not valid YAML"),
        (
            EXAMPLE.read_text().replace("skus: [Arla-Standard-Milk]", "skus: [A]\n    brand: arla"),
            "skus count recognised SKUs: give them without classes/group/brand",
        ),
    ],
    ids=["missing_fields", "not_yaml", "skus_and_brand"],
)
def test_publish_refuses_an_invalid_standard(
    data_dir: Path, tmp_path: Path, text: str, message: str
) -> None:
    shelfaudit("activities", "add", "dairy-2026", "--name", "Dairy")
    changed = tmp_path / "changed.yaml"
    changed.write_text(text)

    result = publish(changed)

    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["standards", "publish", str(EXAMPLE), "--activity", "nope"],
        ["standards", "show", "--activity", "nope"],
    ],
    ids=["publish", "show"],
)
def test_standards_of_an_unknown_activity_say_how_to_create_it(
    data_dir: Path, args: list[str]
) -> None:
    result = shelfaudit(*args)
    assert result.exit_code == 2
    assert "activity 'nope' does not exist" in result.stderr
    assert "shelfaudit activities add nope --name NAME" in result.stderr


def test_show_says_how_to_publish_when_there_is_no_standard(data_dir: Path) -> None:
    shelfaudit("activities", "add", "dairy-2026", "--name", "Dairy")
    result = show()
    assert result.exit_code == 2
    assert "standards publish FILE.yaml --activity dairy-2026" in result.stderr


def test_audit_of_an_unknown_activity_says_how_to_create_it(data_dir: Path, tmp_path: Path) -> None:
    photo = tmp_path / "shelf.jpg"
    photo.write_bytes(jpeg_bytes())

    result = shelfaudit("audit", str(photo), "--activity", "dairy-2026", "--json")

    assert result.exit_code == 2
    assert (
        "unknown activity 'dairy-2026': create it first: "
        "shelfaudit activities add dairy-2026 --name NAME"
    ) in result.stderr
    assert result.stdout == ""  # refused before any photo was audited


def test_photos_sent_before_their_standard_are_scored_by_reanalyse(
    data_dir: Path, tmp_path: Path
) -> None:
    shelfaudit("activities", "add", "dairy-2026", "--name", "Dairy")
    photos = []
    for seed in (1, 2):
        photo = tmp_path / f"shelf-{seed}.jpg"
        photo.write_bytes(jpeg_bytes(800, 600, seed=seed))
        photos.append(str(photo))
    audited = json_lines(shelfaudit("audit", *photos, "--activity", "dairy-2026", "--json"))
    assert [a["checks"]["display"] for a in audited] == [None, None]  # no standard yet
    publish(EXAMPLE)

    result = shelfaudit("reanalyse", "--activity", "dairy-2026", "--missing-score")
    (done,) = json_lines(result)
    assert done == {"reanalysed": [a["photo_id"] for a in audited]}
    again = shelfaudit("reanalyse", "--activity", "dairy-2026", "--missing-score")
    assert json_lines(again) == [{"reanalysed": []}]  # every photo has its score now

    from shelfaudit.review.analysis_view import latest_analysis
    from shelfaudit.runtime import build_runtime

    runtime = build_runtime(get_settings())
    try:
        with runtime.sessions() as session:
            for a in audited:
                analysis = latest_analysis(session, a["photo_id"])
                assert analysis is not None
                assert analysis.checks["display"]["standard_id"] == "grocery-dairy-facings"
    finally:
        runtime.close()


def test_reanalyse_needs_to_be_told_which_photos(data_dir: Path) -> None:
    result = shelfaudit("reanalyse")
    assert result.exit_code == 2
    assert "--photo ID" in result.stderr
