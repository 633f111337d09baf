"""The SKU catalogue through the API: admins write, every known caller reads, and a packshot
uploaded is in the recognition gallery at once."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from shelfaudit.analyse.sku import load_embedder as catalogue_embedder
from shelfaudit.auth.roles import Role
from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.ml.packshot import embed_packshots
from shelfaudit.results.sku_gallery import CatalogueGallery
from shelfaudit.settings import Settings
from shelfaudit.store.catalogue import catalogue_revision
from shelfaudit.store.tables import Photo, SkuPackshot
from shelfaudit.upload.packshots import decode_packshot
from tests.api.helpers import (
    browser,
    create_rep,
    create_store,
    runtime_of,
    session_headers,
    wait_analysed,
)
from tests.api.helpers import upload as upload_photo
from tests.catalogue_factories import close_up, embedder_models, packshot_jpeg, packshot_png
from tests.conftest import embedded_settings

MILK = {"sku_id": "Arla-Standard-Milk", "name": "Arla Standard Milk 1 l", "brand": "Arla"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The service with an SKU embedder in its models folder."""
    return embedded_settings(tmp_path / "data", models_dir=embedder_models(tmp_path / "models"))


@pytest.fixture
def admin(client: TestClient) -> Iterator[TestClient]:
    """An admin's browser session on the app ``client`` runs (``client`` is an SFA app)."""
    with browser(client) as web:
        web.headers.update(session_headers(client, Role.admin))
        yield web


def create(admin: TestClient, **fields: Any) -> dict[str, Any]:
    response = admin.post("/v1/skus", json={**MILK, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


def upload(admin: TestClient, sku_id: str, *images: bytes, name: str = "pack.jpg") -> Any:
    files = [("files", (f"{i}-{name}", data, "image/jpeg")) for i, data in enumerate(images)]
    return admin.post(f"/v1/skus/{sku_id}/packshots", files=files)


def live_gallery(client: TestClient) -> CatalogueGallery:
    runtime = runtime_of(client)
    return CatalogueGallery(
        sessions=runtime.sessions,
        objects=runtime.objects,
        embedder=lambda: catalogue_embedder(runtime.models),
    )


def packshot_count(client: TestClient) -> int:
    with runtime_of(client).sessions() as session:
        return int(session.scalar(select(func.count()).select_from(SkuPackshot)) or 0)


def stored_packshot_files(settings: Settings) -> list[Path]:
    root = settings.objects_dir / "packshots"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- SKUs -----------------------------------------------------------------------------


def test_an_admin_creates_reads_lists_and_patches_a_sku(
    client: TestClient, admin: TestClient
) -> None:
    made = create(admin, barcode="7310865004703")
    assert made["active"] is True
    assert made["barcode"] == "7310865004703"
    assert made["created_at"].endswith("Z") or made["created_at"].endswith("+00:00")

    one = client.get("/v1/skus/Arla-Standard-Milk").json()
    assert {k: one[k] for k in ("sku_id", "name", "brand")} == MILK
    assert one["packshots"] == []

    patched = admin.patch("/v1/skus/Arla-Standard-Milk", json={"name": "Arla Milk", "brand": None})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["brand"]) == ("Arla Milk", None)
    assert patched.json()["barcode"] == "7310865004703"  # not sent, not changed
    assert patched.json()["updated_at"] >= made["updated_at"]

    listed = client.get("/v1/skus").json()
    assert [s["sku_id"] for s in listed] == ["Arla-Standard-Milk"]


def test_deleting_a_sku_deactivates_it_and_keeps_it(client: TestClient, admin: TestClient) -> None:
    create(admin)
    create(admin, sku_id="Oatly-Oat-Milk", name="Oatly Oat Milk", brand="Oatly")

    assert admin.delete("/v1/skus/Arla-Standard-Milk").status_code == 204

    assert client.get("/v1/skus/Arla-Standard-Milk").json()["active"] is False
    assert [s["sku_id"] for s in client.get("/v1/skus").json()] == ["Oatly-Oat-Milk"]
    inactive = client.get("/v1/skus", params={"state": "inactive"}).json()
    assert [s["sku_id"] for s in inactive] == ["Arla-Standard-Milk"]
    assert len(client.get("/v1/skus", params={"state": "any"}).json()) == 2
    again = admin.patch("/v1/skus/Arla-Standard-Milk", json={"active": True})
    assert again.json()["active"] is True


def test_list_filters_and_pages(client: TestClient, admin: TestClient) -> None:
    create(admin)
    create(admin, sku_id="Arla-Sour-Cream", name="Arla Sour Cream", brand="Arla")
    create(admin, sku_id="Oatly-Oat-Milk", name="Oatly Oat Milk", brand="Oatly")

    def ids(**params: Any) -> list[str]:
        response = client.get("/v1/skus", params=params)
        assert response.status_code == 200, response.text
        return [s["sku_id"] for s in response.json()]

    assert ids(brand="Arla") == ["Arla-Sour-Cream", "Arla-Standard-Milk"]
    assert ids(q="milk") == ["Arla-Standard-Milk", "Oatly-Oat-Milk"]
    assert ids(limit=2) == ["Arla-Sour-Cream", "Arla-Standard-Milk"]
    assert ids(limit=2, after="Arla-Standard-Milk") == ["Oatly-Oat-Milk"]


@pytest.mark.parametrize(
    ("second", "field"),
    [
        ({"name": "Another"}, "sku_id"),
        ({"sku_id": "arla-standard-MILK", "name": "Another"}, "sku_id"),  # only case differs
        ({"sku_id": "Other", "barcode": "7310865004703"}, "barcode"),
    ],
    ids=["sku_id", "sku_id_in_other_case", "barcode"],
)
def test_a_taken_sku_id_or_barcode_is_409(
    admin: TestClient, second: dict[str, str], field: str
) -> None:
    create(admin, barcode="7310865004703")

    response = admin.post("/v1/skus", json={**MILK, "barcode": None, **second})

    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "conflict"
    assert response.json()["error"]["field"] == field


def test_patching_a_barcode_another_sku_holds_is_409(admin: TestClient) -> None:
    create(admin, barcode="7310865004703")
    create(admin, sku_id="Other", barcode=None)

    response = admin.patch("/v1/skus/Other", json={"barcode": "7310865004703"})

    assert response.status_code == 409


@pytest.mark.parametrize(
    "barcode",
    ["7310865004704", "731086500470", "731086500470X", "12345"],
    ids=["check_digit", "length_12_wrong_sum", "letter", "too_short"],
)
def test_a_bad_barcode_is_422(admin: TestClient, barcode: str) -> None:
    response = admin.post("/v1/skus", json={**MILK, "barcode": barcode})

    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "barcode"
    assert admin.patch("/v1/skus/x", json={"barcode": barcode}).status_code == 422


@pytest.mark.parametrize("sku_id", ["has space", "-dash-first", "x" * 101])
def test_a_bad_sku_id_is_422(admin: TestClient, sku_id: str) -> None:
    response = admin.post("/v1/skus", json={**MILK, "sku_id": sku_id})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "sku_id"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/skus/nope"),
        ("PATCH", "/v1/skus/nope"),
        ("DELETE", "/v1/skus/nope"),
        ("GET", "/v1/skus/nope/packshots/1/image"),
        ("DELETE", "/v1/skus/nope/packshots/1"),
    ],
)
def test_an_unknown_sku_is_404(admin: TestClient, method: str, path: str) -> None:
    response = admin.request(method, path, json={"name": "x"} if method == "PATCH" else None)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"


def test_packshots_for_an_unknown_sku_are_404_and_not_stored(
    admin: TestClient, settings: Settings
) -> None:
    assert upload(admin, "nope", packshot_jpeg(1)).status_code == 404
    assert stored_packshot_files(settings) == []


def test_an_sfa_app_reads_the_catalogue_but_cannot_change_it(
    client: TestClient, admin: TestClient
) -> None:
    create(admin)
    assert client.get("/v1/skus/Arla-Standard-Milk").status_code == 200
    assert client.post("/v1/skus", json={**MILK, "sku_id": "B"}).status_code == 403
    assert client.patch("/v1/skus/Arla-Standard-Milk", json={"name": "x"}).status_code == 403
    assert upload(client, "Arla-Standard-Milk", packshot_jpeg(1)).status_code == 403


# --- packshots ------------------------------------------------------------------------


def test_an_uploaded_packshot_is_embedded_and_recognised_at_once(
    client: TestClient, admin: TestClient
) -> None:
    live = live_gallery(client)
    create(admin)
    before = live.current()
    assert before is not None
    assert before.n_skus == 0  # a SKU without packshots cannot be recognised
    front, side = packshot_jpeg(1), packshot_png(2)

    response = upload(admin, "Arla-Standard-Milk", front, side)

    assert response.status_code == 201, response.text
    body = response.json()
    assert [(p["width"], p["height"], p["format"]) for p in body] == [
        (160, 240, "JPEG"),
        (200, 120, "PNG"),
    ]
    assert [(p["embedded"], p["created"], p["model_version"]) for p in body] == [
        (True, True, "test+views-1"),
        (True, True, "test+views-1"),
    ]
    assert body[0]["size_bytes"] == len(front)
    gallery = live.current()
    assert gallery is not None
    assert gallery.revision != before.revision
    assert (gallery.n_skus, gallery.n_vectors) == (1, 2)
    embedder = catalogue_embedder(runtime_of(client).models)
    assert embedder is not None
    rgb = decode_packshot(side, max_bytes=10**8, max_pixels=10**8).rgb
    (hit,) = gallery.search(embed_packshots(embedder, [rgb]), min_similarity=0.99)
    assert hit.best is not None
    assert hit.best.sku.sku_id == "Arla-Standard-Milk"
    assert hit.best.sku.brand == "Arla"

    detail = client.get("/v1/skus/Arla-Standard-Milk").json()
    assert [p["id"] for p in detail["packshots"]] == [p["id"] for p in body]
    image = client.get(body[1]["image_url"])
    assert image.status_code == 200
    assert image.content == side
    assert image.headers["content-type"] == "image/png"


def test_the_same_packshot_again_is_not_stored_twice(admin: TestClient) -> None:
    create(admin)
    first = upload(admin, "Arla-Standard-Milk", packshot_jpeg(1)).json()

    again = upload(admin, "Arla-Standard-Milk", packshot_jpeg(1))

    assert again.status_code == 200
    assert again.json()[0]["id"] == first[0]["id"]
    assert again.json()[0]["created"] is False


def test_a_deleted_packshot_is_gone_from_the_sku_and_the_gallery(
    client: TestClient, admin: TestClient
) -> None:
    live = live_gallery(client)
    create(admin)
    kept, dropped = upload(admin, "Arla-Standard-Milk", packshot_jpeg(1), packshot_jpeg(2)).json()
    assert live.current().n_vectors == 2  # type: ignore[union-attr]

    response = admin.delete(f"/v1/skus/Arla-Standard-Milk/packshots/{dropped['id']}")

    assert response.status_code == 204
    assert client.get(dropped["image_url"]).status_code == 404
    packshots = client.get("/v1/skus/Arla-Standard-Milk").json()["packshots"]
    assert [p["id"] for p in packshots] == [kept["id"]]
    assert live.current().n_vectors == 1  # type: ignore[union-attr]


def test_a_deactivated_sku_leaves_the_gallery(client: TestClient, admin: TestClient) -> None:
    live = live_gallery(client)
    create(admin)
    upload(admin, "Arla-Standard-Milk", packshot_jpeg(1))
    assert live.current().n_skus == 1  # type: ignore[union-attr]

    admin.delete("/v1/skus/Arla-Standard-Milk")

    assert live.current().n_skus == 0  # type: ignore[union-attr]


def _bomb_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, "PNG", optimize=True)  # 144 MP, ~20 kB
    return buffer.getvalue()


BAD_FILES: list[tuple[str, Any, int, str]] = [
    ("zero_bytes", lambda: b"", 400, "empty_file"),
    ("text_named_jpg", lambda: b"this is not an image at all", 415, "unsupported_media_type"),
    ("gif", lambda: b"GIF89a" + b"\x00" * 64, 415, "unsupported_media_type"),
    ("truncated_jpeg", lambda: packshot_jpeg(7)[:900], 422, "corrupt_image"),
    ("corrupt_jpeg_header", lambda: b"\xff\xd8\xff\xe0" + b"\x13" * 500, 422, "corrupt_image"),
    ("decompression_bomb", _bomb_png, 413, "too_many_pixels"),
]


@pytest.mark.parametrize(
    ("name", "make", "status", "code"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_a_bad_packshot_is_refused_and_nothing_is_stored(
    client: TestClient,
    admin: TestClient,
    settings: Settings,
    name: str,
    make: Any,
    status: int,
    code: str,
) -> None:
    create(admin)
    with runtime_of(client).sessions() as session:
        revision = catalogue_revision(session)

    response = upload(admin, "Arla-Standard-Milk", packshot_jpeg(1), make(), name=name)

    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"].startswith(f"1-{name}: ")
    assert error["field"] == "files.1"
    assert packshot_count(client) == 0
    assert stored_packshot_files(settings) == []
    with runtime_of(client).sessions() as session:
        assert catalogue_revision(session) == revision


def test_a_packshot_over_the_upload_limit_is_413(tmp_path: Path) -> None:
    from shelfaudit.api.app import create_app

    small = embedded_settings(tmp_path / "data", max_upload_bytes=2000)
    with TestClient(create_app(small)) as app_client:
        admin = browser(app_client)
        admin.headers.update(session_headers(app_client, Role.admin))
        create(admin)
        response = upload(admin, "Arla-Standard-Milk", packshot_jpeg(1, width=400, height=400))
    assert response.status_code == 413


def test_without_an_embedder_packshots_are_kept_unembedded(tmp_path: Path) -> None:
    from shelfaudit.api.app import create_app

    bare = embedded_settings(tmp_path / "data", models_dir=tmp_path / "no-models")
    with TestClient(create_app(bare)) as app_client:
        admin = browser(app_client)
        admin.headers.update(session_headers(app_client, Role.admin))
        create(admin)
        response = upload(admin, "Arla-Standard-Milk", packshot_jpeg(1))
        assert response.status_code == 201, response.text
        assert response.json()[0]["embedded"] is False
        assert live_gallery(app_client).current() is None


# --- field examples -------------------------------------------------------------------


def sent_photo(client: TestClient, seed: int = 2) -> int:
    create_store(client)
    create_rep(client)
    response = upload_photo(client, close_up(seed=seed))
    assert response.status_code == 202, response.text
    photo_id = int(response.json()["photo_id"])
    wait_analysed(client, photo_id)
    return photo_id


@pytest.mark.parametrize("role", [Role.approver, Role.admin, Role.ml_engineer])
def test_a_person_confirms_a_facing_as_a_sku(
    client: TestClient, admin: TestClient, role: Role
) -> None:
    create(admin)
    photo_id = sent_photo(client)
    with browser(client) as person:
        person.headers.update(session_headers(client, role))
        body = {"photo_id": photo_id, "xyxy": [100, 50, 900, 1100]}

        first = person.post("/v1/skus/Arla-Standard-Milk/examples", json=body)
        again = person.post("/v1/skus/Arla-Standard-Milk/examples", json=body)

    assert (first.status_code, again.status_code) == (201, 200), first.text
    example = first.json()
    assert (example["kind"], example["source_photo_id"], example["embedded"]) == (
        "shelf_crop",
        photo_id,
        True,
    )
    assert example["model_version"] == "test+crop-plain"
    assert again.json()["id"] == example["id"]
    # 800 x 1050 original pixels at the analysis scale (0.64), padded by 5 % of each side
    # and clipped at the top: x 38-602, y 0-738.
    assert (example["width"], example["height"]) == (564, 738)
    detail = client.get("/v1/skus/Arla-Standard-Milk").json()
    assert [(p["id"], p["kind"]) for p in detail["packshots"]] == [(example["id"], "shelf_crop")]
    assert client.get(example["image_url"]).headers["content-type"] == "image/jpeg"
    gallery = live_gallery(client).current()
    assert gallery is not None
    assert (gallery.n_skus, gallery.n_vectors) == (1, 1)
    events = admin.get("/v1/audit", params={"action": "packshot_add"}).json()
    assert events[0]["after"]["packshots"][0]["source_photo_id"] == photo_id
    assert events[0]["photo_id"] == photo_id  # on the photo's own trail too


def test_an_sfa_app_cannot_confirm_facings(client: TestClient, admin: TestClient) -> None:
    create(admin)
    photo_id = sent_photo(client)
    response = client.post("/v1/skus/Arla-Standard-Milk/examples", json={"photo_id": photo_id})
    assert response.status_code == 403
    assert packshot_count(client) == 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"photo_id": 999}, 404, "not_found"),
        ({"xyxy": [0, 0, 5000, 10]}, 400, "invalid_input"),
        ({"xyxy": [0, 0, 10]}, 422, None),
        ({"photo_id": 0}, 422, None),
        ({"box": 1}, 422, None),
        ({"photo_id": True}, 422, None),
        ({"photo_id": "1"}, 422, None),
        ({"xyxy": ["1", "2", "300", "400"]}, 422, None),
    ],
    ids=[
        "unknown photo",
        "box outside the photo",
        "three numbers",
        "photo id 0",
        "extra field",
        "photo id true",
        "photo id as text",
        "box as text",
    ],
)
def test_a_bad_field_example_is_refused_and_nothing_is_stored(
    client: TestClient, admin: TestClient, body: dict[str, Any], status: int, code: str | None
) -> None:
    create(admin)
    photo_id = sent_photo(client)
    response = admin.post(
        "/v1/skus/Arla-Standard-Milk/examples", json={"photo_id": photo_id} | body
    )
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["error"]["code"] == code
    assert packshot_count(client) == 0
    assert admin.post("/v1/skus/nope/examples", json={"photo_id": photo_id}).status_code == 404


def test_a_facing_of_a_photo_whose_analysis_failed_is_refused(
    client: TestClient, admin: TestClient
) -> None:
    create(admin)
    photo_id = sent_photo(client)
    with runtime_of(client).sessions.begin() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        photo.status = PhotoStatus.failed.value
    response = admin.post("/v1/skus/Arla-Standard-Milk/examples", json={"photo_id": photo_id})
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "not_analysed"
    assert packshot_count(client) == 0


def test_an_ml_engineer_downloads_packshots_and_field_examples(
    client: TestClient, admin: TestClient
) -> None:
    create(admin)
    assert upload(admin, "Arla-Standard-Milk", packshot_jpeg(1)).status_code == 201
    photo_id = sent_photo(client)
    assert (
        admin.post("/v1/skus/Arla-Standard-Milk/examples", json={"photo_id": photo_id}).status_code
        == 201
    )
    with browser(client) as engineer:
        engineer.headers.update(session_headers(client, Role.ml_engineer))
        response = engineer.get("/v1/labels/sku-examples")

    assert response.status_code == 200
    assert (response.headers["x-classes"], response.headers["x-train"]) == ("1", "1")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = set(archive.namelist())
        assert archive.read("train.txt").decode() == (
            "train/Arla-Standard-Milk/2.jpg, 0, 0, close_up\n"
        )
    assert {"classes.csv", "train.txt", "val.txt"} <= names
    assert (
        "iconic-images-and-descriptions/Arla-Standard-Milk/Arla-Standard-Milk_Iconic.jpg" in names
    )
