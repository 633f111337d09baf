"""The Dockerfile and .dockerignore, read as text: Docker does not run in CI."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from shelfaudit.settings import Settings

REPO = Path(__file__).resolve().parents[2]
FORBIDDEN = ("torch", "ultralytics", "training", "[dev]")


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [a for k, a in self.instructions if k == keyword]


def instructions(text: str) -> list[tuple[str, str]]:
    """``(KEYWORD, arguments)`` pairs, comments dropped and continuation lines joined."""
    logical, pending = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    pairs = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def stages() -> list[Stage]:
    pairs = instructions((REPO / "Dockerfile").read_text(encoding="utf-8"))
    build_args = {}
    for keyword, rest in pairs:
        if keyword == "FROM":
            break
        if keyword == "ARG" and "=" in rest:
            key, value = rest.split("=", 1)
            build_args[key] = value
    result: list[Stage] = []
    for keyword, rest in pairs:
        if keyword == "FROM":
            parts = rest.split()
            base = re.sub(r"\$\{?(\w+)\}?", lambda m: build_args.get(m[1], m[0]), parts[0])
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            result.append(Stage(base, name))
        elif result:
            result[-1].instructions.append((keyword, rest))
    return result


def runtime() -> Stage:
    return stages()[-1]


def test_dockerfile_is_multi_stage() -> None:
    names = [s.name for s in stages()]
    assert len(names) >= 2
    assert "builder" in names


def test_builder_compiles_wheels_with_a_toolchain() -> None:
    builder = next(s for s in stages() if s.name == "builder")
    runs = " ".join(builder.args("RUN"))
    assert "build-essential" in runs
    assert "pip wheel" in runs


def test_runtime_is_slim_python_311() -> None:
    assert re.fullmatch(r"python:3\.11-slim(-\w+)?", runtime().base), runtime().base


def test_runtime_installs_only_the_builder_wheels() -> None:
    stage = runtime()
    runs = " ".join(stage.args("RUN"))
    assert "from=builder" in runs or any("--from=builder" in a for a in stage.args("COPY"))
    assert "--no-index" in runs
    assert "build-essential" not in runs


@pytest.mark.parametrize("word", FORBIDDEN)
def test_no_training_dependencies_in_the_image(word: str) -> None:
    for stage in stages():
        for keyword, rest in stage.instructions:
            assert word not in rest.lower(), f"{keyword} {rest}"


def test_runtime_runs_as_a_non_root_user() -> None:
    users = runtime().args("USER")
    assert users, "no USER in the runtime stage"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    keywords = [k for k, _ in runtime().instructions]
    last_user = len(keywords) - 1 - keywords[::-1].index("USER")
    assert "RUN" not in keywords[last_user:], "RUN after USER: settle the user last"


def test_image_environment_names_only_settings_fields() -> None:
    prefix = str(Settings.model_config.get("env_prefix", "")).upper()
    names = [
        name.split("=", 1)[0]
        for env in runtime().args("ENV")
        for name in env.split()
        if name.upper().startswith(prefix)
    ]
    assert names
    for name in names:
        assert name.upper().removeprefix(prefix).lower() in Settings.model_fields, name


def test_runtime_checks_its_health_on_healthz() -> None:
    (check,) = runtime().args("HEALTHCHECK")
    assert "/healthz" in check


def test_runtime_serves_on_all_interfaces_by_default() -> None:
    (cmd,) = runtime().args("CMD")
    assert json.loads(cmd) == ["shelfaudit", "serve", "--host", "0.0.0.0"]


def _ignored() -> set[str]:
    text = (REPO / ".dockerignore").read_text(encoding="utf-8")
    return {line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"}


def test_dockerignore_keeps_local_state_and_secrets_out() -> None:
    assert {".git", ".venv", ".env"} <= _ignored()


def test_build_context_holds_what_the_builder_copies() -> None:
    copied = [
        source
        for stage in stages()
        for args in stage.args("COPY")
        if "--from" not in args
        for source in args.split()[:-1]
    ]
    assert copied
    for source in copied:
        assert (REPO / source).exists(), source
        assert source not in _ignored(), source
