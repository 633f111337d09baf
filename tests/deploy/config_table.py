"""The README's configuration table, rendered from the ``Settings`` fields.

``python -m tests.deploy.config_table`` (or ``make readme``) rewrites the table between its
markers in README.md: names and defaults come from ``Settings``, each row keeps the meaning
written in the README, and a new field gets a placeholder to fill in. ``test_readme`` fails
while the two disagree.
"""

from __future__ import annotations

import json
import re
import sys
from enum import Enum
from pathlib import Path

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from shelfaudit.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
START = "<!-- settings-table:start -->"
END = "<!-- settings-table:end -->"
HEADER = "| Variable | Default | Meaning |\n|---|---|---|"
PLACEHOLDER = "TODO: say what this does"

# Defaults computed when the settings are built: what the table says instead of a value.
COMPUTED_DEFAULTS = {
    "data_dir": "`$XDG_DATA_HOME/shelfaudit`, else `~/.local/share/shelfaudit`",
    "models_dir": "`models/` of the checkout",
}

_ROW = re.compile(r"^\|\s*`(?P<name>[A-Z0-9_]+)`\s*\|(?P<default>[^|]*)\|(?P<meaning>[^|]*)\|\s*$")


def env_prefix() -> str:
    return str(Settings.model_config.get("env_prefix", ""))


def env_name(field: str) -> str:
    return f"{env_prefix()}{field}".upper()


def render_default(name: str, info: FieldInfo) -> str:
    if info.default_factory is not None:
        return COMPUTED_DEFAULTS[name]
    value = info.default
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, tuple | list | dict):
        # pydantic-settings reads complex values from the environment as JSON.
        value = json.dumps(value)
    return f"`{value}`"


def table_section(text: str) -> str:
    """The text between the markers (raises ``ValueError`` when they are missing)."""
    start = text.index(START) + len(START)
    return text[start : text.index(END, start)]


def parse_rows(section: str) -> dict[str, tuple[str, str]]:
    """``{SHELFAUDIT_X: (default, meaning)}`` for every row of the table."""
    rows = {}
    for line in section.splitlines():
        match = _ROW.match(line.strip())
        if match:
            rows[match["name"]] = (match["default"].strip(), match["meaning"].strip())
    return rows


def render_table(meanings: dict[str, str]) -> str:
    lines = [HEADER]
    for name, info in Settings.model_fields.items():
        variable = env_name(name)
        meaning = meanings.get(variable) or PLACEHOLDER
        lines.append(f"| `{variable}` | {render_default(name, info)} | {meaning} |")
    return "\n".join(lines)


def rewrite(text: str) -> str:
    """README text with its table regenerated, meanings kept."""
    section = table_section(text)
    meanings = {name: meaning for name, (_, meaning) in parse_rows(section).items()}
    return text.replace(section, "\n" + render_table(meanings) + "\n", 1)


def main() -> int:
    text = README.read_text(encoding="utf-8")
    new = rewrite(text)
    if new != text:
        README.write_text(new, encoding="utf-8")
        print(f"rewrote the configuration table in {README}")
    if PLACEHOLDER in new:
        print(f"fill in the rows marked {PLACEHOLDER!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
