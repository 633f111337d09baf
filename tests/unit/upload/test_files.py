from __future__ import annotations

from pathlib import Path

from shelfaudit.upload.files import image_files, images_in


def test_folders_give_their_images_and_named_files_are_kept_on_request(tmp_path: Path) -> None:
    folder = tmp_path / "visit"
    (folder / "sub").mkdir(parents=True)
    for name in ("b.JPG", "a.png", "sub/c.webp", "notes.txt"):
        (folder / name).write_bytes(b"x")
    named = tmp_path / "scan.pdf"
    named.write_bytes(b"x")

    assert image_files([folder]) == [folder / "a.png", folder / "b.JPG", folder / "sub/c.webp"]
    assert image_files([named]) == []
    assert image_files([named, folder], keep_named_files=True)[0] == named
    assert images_in([folder, named]) == sorted(image_files([folder]))
