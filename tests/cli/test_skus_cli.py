"""``shelfaudit skus add | list | import-grocery`` on an embedded data directory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from shelfaudit.analyse.sku import load_embedder as catalogue_embedder
from shelfaudit.cli.main import app
from shelfaudit.cli.skus import grocery_classes
from shelfaudit.results.sku_gallery import CatalogueGallery
from shelfaudit.review.audit import recent_events
from shelfaudit.runtime import build_runtime
from shelfaudit.settings import get_settings
from shelfaudit.store.catalogue import list_packshots
from tests.catalogue_factories import close_up, embedder_models, packshot_jpeg
from tests.conftest import embedded_settings
from tests.factories import DATASETS

GROCERY = DATASETS / "grocery_store"

CLASSES_CSV = """\
Class Name (str),Class ID (int),Coarse Class Name (str),Coarse Class ID (int),Iconic Image Path (str),Product Description Path (str)
Golden-Delicious,0,Apple,0,/iconic-images-and-descriptions/Fruit/Apple/Golden-Delicious/Golden-Delicious_Iconic.jpg,/x.txt
Arla-Standard-Milk,41,Milk,20,/iconic-images-and-descriptions/Packages/Milk/Arla-Standard-Milk/Arla-Standard-Milk_Iconic.jpg,/y.txt
Cucumber,70,Cucumber,37,/iconic-images-and-descriptions/Vegetables/Cucumber/Cucumber_Iconic.jpg,/z.txt
"""  # noqa: E501


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The CLI's settings come from the environment: a fresh data dir and a fake embedder."""
    data = tmp_path / "data"
    monkeypatch.setenv("SHELFAUDIT_DATA_DIR", str(data))
    monkeypatch.setenv("SHELFAUDIT_MODELS_DIR", str(embedder_models(tmp_path / "models")))
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def shelfaudit(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def grocery_tree(root: Path) -> Path:
    (root / "classes.csv").parent.mkdir(parents=True, exist_ok=True)
    (root / "classes.csv").write_text(CLASSES_CSV)
    for seed, item in enumerate(grocery_classes(root)):
        item.packshot.parent.mkdir(parents=True, exist_ok=True)
        item.packshot.write_bytes(packshot_jpeg(seed))
    return root


def listed(*extra: str) -> list[dict[str, object]]:
    result = shelfaudit("skus", "list", "--json", *extra)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_add_a_sku_with_packshots_then_list_it(data_dir: Path, tmp_path: Path) -> None:
    front, back = tmp_path / "front.jpg", tmp_path / "back.jpg"
    front.write_bytes(packshot_jpeg(1))
    back.write_bytes(packshot_jpeg(2))

    added = shelfaudit(
        "skus", "add", "Arla-Standard-Milk", "--name", "Arla Standard Milk", "--brand", "Arla",
        "--barcode", "7310865004703", "--packshot", str(front), "--packshot", str(back),
    )  # fmt: skip

    assert added.exit_code == 0, added.output
    assert "with 2 packshots (2 embedded)" in added.stderr
    (sku,) = listed()
    assert (sku["sku_id"], sku["brand"], sku["barcode"], sku["packshots"]) == (
        "Arla-Standard-Milk",
        "Arla",
        "7310865004703",
        2,
    )
    table = shelfaudit("skus", "list")
    assert table.stdout.split("\t")[:3] == ["Arla-Standard-Milk", "Arla Standard Milk", "Arla"]


def test_a_sku_added_bare_gets_packshots_later_and_can_be_deactivated(
    data_dir: Path, tmp_path: Path
) -> None:
    front = tmp_path / "front.jpg"
    front.write_bytes(packshot_jpeg(3))

    bare = shelfaudit("skus", "add", "Oatly-Oat-Milk", "--name", "Oatly Oat Milk")
    assert bare.exit_code == 0, bare.output
    assert "recognised once it has a packshot" in bare.stderr
    later = shelfaudit("skus", "add-packshot", "Oatly-Oat-Milk", str(front))
    assert later.exit_code == 0, later.output
    assert "1 new packshot (1 embedded)" in later.stderr
    assert listed()[0]["packshots"] == 1
    unknown = shelfaudit("skus", "add-packshot", "Nope", str(front))
    assert unknown.exit_code == 2
    assert "Nope" in unknown.stderr

    assert shelfaudit("skus", "deactivate", "Oatly-Oat-Milk").exit_code == 0
    assert "already deactivated" in shelfaudit("skus", "deactivate", "Oatly-Oat-Milk").stderr
    assert listed() == []  # the active ones
    assert "--all lists deactivated ones" in shelfaudit("skus", "list").stderr
    again = shelfaudit("skus", "add-packshot", "Oatly-Oat-Milk", str(front))
    assert "1 file it had already" in again.stderr
    assert "skus activate Oatly-Oat-Milk" in again.stderr
    actions = [action for _, action, *_ in catalogue_events(data_dir)]
    assert actions.count("sku_deactivate") == 1  # the second time changed nothing
    assert shelfaudit("skus", "activate", "Oatly-Oat-Milk").exit_code == 0
    assert [s["sku_id"] for s in listed()] == ["Oatly-Oat-Milk"]


def catalogue_events(data_dir: Path) -> list[tuple[str, str, str, Any, Any]]:
    """(actor, action, subject, before, after) of every event in the data dir's trail."""
    runtime = build_runtime(embedded_settings(data_dir, models_dir=get_settings().models_dir))
    try:
        with runtime.sessions() as session:
            events = recent_events(session)
    finally:
        runtime.close()
    return [(e.actor, e.action, e.subject, e.before, e.after) for e in events]


def test_add_writes_its_sku_and_packshots_to_the_audit_trail(
    data_dir: Path, tmp_path: Path
) -> None:
    front = tmp_path / "front.jpg"
    front.write_bytes(packshot_jpeg(1))

    added = shelfaudit(
        "skus", "add", "Arla-Standard-Milk", "--name", "Arla Standard Milk", "--brand", "Arla",
        "--packshot", str(front), "--packshot", str(front),
    )  # fmt: skip

    assert added.exit_code == 0, added.output
    runtime = build_runtime(embedded_settings(data_dir, models_dir=get_settings().models_dir))
    try:
        with runtime.sessions() as session:
            (packshot,) = list_packshots(session, sku_id="Arla-Standard-Milk")
    finally:
        runtime.close()
    milk = {"name": "Arla Standard Milk", "brand": "Arla", "barcode": None, "active": True}
    added_packshots = {"packshots": [{"id": packshot.id, "sha256": packshot.sha256}]}
    assert catalogue_events(data_dir) == [
        ("cli", "sku_create", "sku Arla-Standard-Milk", None, milk),
        ("cli", "packshot_add", "sku Arla-Standard-Milk", None, added_packshots),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bad Id", "--name", "x"], "sku_id"),
        (["A", "--name", "x", "--barcode", "7310865004704"], "check digit"),
    ],
    ids=["sku_id", "barcode"],
)
def test_add_refuses_bad_input_with_exit_2(data_dir: Path, args: list[str], message: str) -> None:
    result = shelfaudit("skus", "add", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_add_refuses_a_taken_id_and_a_corrupt_packshot(data_dir: Path, tmp_path: Path) -> None:
    assert shelfaudit("skus", "add", "A", "--name", "x").exit_code == 0
    taken = shelfaudit("skus", "add", "A", "--name", "y")
    assert taken.exit_code == 2
    assert "'A' exists" in taken.stderr

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(packshot_jpeg(1)[:500])
    result = shelfaudit("skus", "add", "B", "--name", "y", "--packshot", str(broken))
    assert result.exit_code == 2
    assert "broken.jpg: cannot read the JPEG header" in result.stderr
    assert [s["sku_id"] for s in listed()] == ["A"]  # B was not half-added

    many = []
    for seed in range(21):
        path = tmp_path / f"view-{seed}.jpg"
        path.write_bytes(packshot_jpeg(seed))
        many += ["--packshot", str(path)]
    too_many = shelfaudit("skus", "add", "C", "--name", "z", *many)
    assert too_many.exit_code == 2
    assert "21 packshots would pass the limit of 20" in too_many.stderr
    assert [s["sku_id"] for s in listed()] == ["A"]  # nor was C


def test_import_grocery_makes_one_sku_per_class_and_is_safe_to_repeat(
    data_dir: Path, tmp_path: Path
) -> None:
    root = grocery_tree(tmp_path / "grocery")

    first = shelfaudit("skus", "import-grocery", str(root))
    again = shelfaudit("skus", "import-grocery", str(root))

    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"skus_created": 3, "packshots_added": 3, "embedded": 3}
    assert json.loads(again.stdout) == {"skus_created": 0, "packshots_added": 0, "embedded": 0}
    actions = [event[:3] for event in catalogue_events(data_dir)]
    assert actions == [  # one run's worth: the second run changed nothing
        ("cli", action, f"sku {sku_id}")
        for sku_id in ("Golden-Delicious", "Arla-Standard-Milk", "Cucumber")
        for action in ("sku_create", "packshot_add")
    ]
    skus = {s["sku_id"]: s for s in listed()}
    assert {k: (s["name"], s["brand"], s["packshots"]) for k, s in skus.items()} == {
        "Arla-Standard-Milk": ("Arla Standard Milk", "Arla", 1),
        "Cucumber": ("Cucumber", None, 1),
        "Golden-Delicious": ("Golden Delicious", None, 1),
    }


def test_import_grocery_needs_a_classes_csv(data_dir: Path, tmp_path: Path) -> None:
    result = shelfaudit("skus", "import-grocery", str(tmp_path))
    assert result.exit_code == 2
    assert "no classes.csv" in result.stderr


@pytest.mark.skipif(not (GROCERY / "classes.csv").is_file(), reason="shared datasets not present")
def test_import_grocery_seeds_a_recognisable_catalogue_from_the_shared_dataset(
    data_dir: Path,
) -> None:
    result = shelfaudit("skus", "import-grocery", str(GROCERY))

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["skus_created"] == report["packshots_added"] == report["embedded"] == 81
    runtime = build_runtime(embedded_settings(data_dir, models_dir=get_settings().models_dir))
    try:
        gallery = CatalogueGallery(
            runtime.sessions, runtime.objects, lambda: catalogue_embedder(runtime.models)
        ).current()
        with runtime.sessions() as session:
            (milk,) = list_packshots(session, sku_id="Arla-Standard-Milk")
    finally:
        runtime.close()
    assert gallery is not None
    assert (gallery.n_skus, gallery.n_vectors) == (81, 81)
    by_id = {s.sku_id: s for s in gallery.skus}
    assert by_id["Arla-Standard-Milk"].brand == "Arla"
    assert by_id["Oatly-Oat-Milk"].name == "Oatly Oat Milk"
    assert by_id["Granny-Smith"].brand is None
    assert milk.format == "JPEG"


def test_add_example_confirms_an_audited_photo_as_a_field_example(
    data_dir: Path, tmp_path: Path
) -> None:
    photo = tmp_path / "close-up.jpg"
    photo.write_bytes(close_up(seed=2))
    assert shelfaudit("skus", "add", "Milk", "--name", "Milk").exit_code == 0
    audited = shelfaudit("audit", str(photo), "--json")
    assert audited.exit_code == 0, audited.output
    photo_id = json.loads(audited.stdout)["photo_id"]

    whole = shelfaudit("skus", "add-example", "Milk", "--photo", str(photo_id))
    crop = shelfaudit(
        "skus", "add-example", "Milk", "--photo", str(photo_id), "--box", "0,0,800,600"
    )

    assert whole.exit_code == 0, whole.output
    assert crop.exit_code == 0, crop.output
    made = [json.loads(r.stdout) for r in (whole, crop)]
    assert [(m["kind"], m["source_photo_id"], m["created"]) for m in made] == [
        ("close_up", photo_id, True),
        ("shelf_crop", photo_id, True),
    ]
    runtime = build_runtime(get_settings())
    try:
        with runtime.sessions() as session:
            rows = list_packshots(session, sku_id="Milk")
    finally:
        runtime.close()
    assert [(r.kind, r.embedded) for r in rows] == [("close_up", True), ("shelf_crop", True)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Milk", "--photo", "1", "--box", "1,2,x,4"], "--box must be x0,y0,x1,y1"),
        (["Milk", "--photo", "1", "--box", "0,0,99999,10"], "not a box inside"),
        (["Milk", "--photo", "42"], "photo 42 does not exist"),
        (["Nope", "--photo", "1"], "SKU 'Nope' does not exist"),
    ],
    ids=["not numbers", "outside", "unknown photo", "unknown SKU"],
)
def test_add_example_refuses_bad_input_with_exit_2(
    data_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    photo = tmp_path / "close-up.jpg"
    photo.write_bytes(close_up(seed=2))
    assert shelfaudit("skus", "add", "Milk", "--name", "Milk").exit_code == 0
    assert shelfaudit("audit", str(photo), "--json").exit_code == 0

    result = shelfaudit("skus", "add-example", *args)

    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(
    ("csv_text", "says"),
    [
        ("name,id,coarse,coarse_id,iconic\nMilk,0,Milk\n", "line 2: 3 columns"),
        ("name,id,coarse,coarse_id,iconic\nMilk,0,Milk,0,/missing.jpg\n", "missing"),
    ],
)
def test_import_grocery_checks_every_row_before_adding_anything(
    data_dir: Path, tmp_path: Path, csv_text: str, says: str
) -> None:
    root = tmp_path / "grocery"
    root.mkdir()
    (root / "classes.csv").write_text(csv_text)
    result = shelfaudit("skus", "import-grocery", str(root))
    assert result.exit_code == 2
    assert says in result.stderr
    assert "Traceback" not in result.output
    assert listed() == []
