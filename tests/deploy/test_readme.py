"""README.md against the code: the configuration table, the two commands, the error codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shelfaudit import errors
from shelfaudit.api.errors import HTTP_CODES
from shelfaudit.settings import Settings
from tests.deploy import config_table

REPO = Path(__file__).resolve().parents[2]


def readme() -> str:
    return config_table.README.read_text(encoding="utf-8")


def rows() -> dict[str, tuple[str, str]]:
    return config_table.parse_rows(config_table.table_section(readme()))


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_settings_field_has_a_row(name: str) -> None:
    assert config_table.env_name(name) in rows(), "run `make readme` and say what it means"


def test_every_row_names_a_settings_field() -> None:
    known = {config_table.env_name(name) for name in Settings.model_fields}
    assert set(rows()) <= known, sorted(set(rows()) - known)


def test_table_is_what_settings_render() -> None:
    text = readme()
    assert config_table.rewrite(text) == text, "the table is out of date: run `make readme`"


def test_every_row_says_what_it_means() -> None:
    vague = [name for name, (_, meaning) in rows().items() if len(meaning) < 10]
    placeholders = [n for n, (_, m) in rows().items() if m == config_table.PLACEHOLDER]
    assert not vague
    assert not placeholders


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}.*?$(.*?)(?=^## |\Z)", readme(), re.M | re.S)
    assert match, f"no section {title!r}"
    return match[1]


def _make_targets() -> set[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][\w-]*):", text, re.M))


def test_fresh_machine_section_shows_exactly_two_commands() -> None:
    block = re.search(r"```sh\n(.*?)```", _section("Fresh machine"), re.S)
    assert block
    commands = [line.split("#")[0].strip() for line in block[1].splitlines()]
    commands = [c for c in commands if c]
    assert len(commands) == 2, commands
    assert "make test" in commands
    for command in commands:
        assert command.startswith("make "), command
        assert command.removeprefix("make ") in _make_targets(), command


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^phase test make test$", ci, re.M)


def _error_codes() -> set[str]:
    """Ours, and those Starlette's own errors are answered with."""
    return {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.ShelfAuditError)
    } | set(HTTP_CODES.values())


def test_documented_error_codes_exist() -> None:
    table = _section("The HTTP API").split("| Status |", 1)[1]
    documented = set(re.findall(r"`([a-z_]+)`", table))
    assert documented
    assert documented <= _error_codes(), sorted(documented - _error_codes())


@pytest.mark.parametrize("status", [400, 413, 415, 422])
def test_error_statuses_are_documented(status: int) -> None:
    assert f"| {status} |" in _section("The HTTP API")


def test_every_fraud_signal_is_in_the_readmes_table() -> None:
    from shelfaudit.domain.fraud import SignalCode

    table = readme().split("| signal | weight | raised when |", 1)[1]
    table = table.split("\n\n", 1)[0]
    missing = [code.value for code in SignalCode if f"`{code.value}`" not in table]
    assert missing == [], "add these signals to the README's table"
