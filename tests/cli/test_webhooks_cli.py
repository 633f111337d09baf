"""``shelfaudit webhooks``, run as an admin does."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_accounts import shelfaudit


def test_an_endpoint_is_added_listed_and_removed_on_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = shelfaudit(
        data, "webhooks", "add", "https://sfa.example.com/hooks", "--event", "photo.decided",
        "--description", "SFA prod",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("whsec_")  # the secret, once, on its own line
    assert "webhook 1 (photo.decided)" in added.stderr
    listed = shelfaudit(data, "webhooks", "list")
    assert listed.stdout == "1\thttps://sfa.example.com/hooks\tphoto.decided\tSFA prod\n"
    assert added.stdout.strip() not in listed.stdout
    assert shelfaudit(data, "webhooks", "deliveries", "1").stdout == ""
    assert shelfaudit(data, "webhooks", "remove", "1").returncode == 0
    assert shelfaudit(data, "webhooks", "list").stdout == ""
    again = shelfaudit(data, "webhooks", "remove", "1")
    assert (again.returncode, again.stderr) == (2, "error: webhook 1 does not exist\n")
    bad = shelfaudit(data, "webhooks", "add", "ftp://x.example.com")
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: the URL must be absolute")
