"""docker-compose.yml against Settings: Docker does not run in CI, so its file is checked here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from shelfaudit.settings import Settings, StorageBackend

REPO = Path(__file__).resolve().parents[2]
SERVICES = {"api", "worker", "redis", "postgres", "minio"}
APP_SERVICES = ("api", "worker")
# What a deployment on real servers cannot do without.
DEPLOYMENT_FIELDS = {
    "environment",
    "database_url",
    "broker_url",
    "storage_backend",
    "s3_endpoint",
    "s3_access_key",
    "s3_secret_key",
    "s3_bucket",
}
# Stand-ins for the operator's .env: the secrets the file requires.
DOT_ENV = {"POSTGRES_PASSWORD": "pg-test-secret", "MINIO_ROOT_PASSWORD": "s3-test-secret"}

_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}``, as `docker compose` does."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        present = env.get(name)
        if op and op.startswith(":") and not present:
            present = None
        if present is not None:
            return present
        if op in (":-", "-"):
            return arg
        raise KeyError(f"${{{name}}} is required ({arg or 'no default'})")

    return _VARIABLE.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


def service(name: str) -> dict[str, Any]:
    services: dict[str, Any] = compose()["services"]
    return services[name]


def environment(name: str, env: dict[str, str] | None = None) -> dict[str, str]:
    """A service's environment block, interpolated with ``env`` (the .env stand-in)."""
    block = service(name).get("environment") or {}
    if isinstance(block, list):
        block = dict(item.split("=", 1) for item in block)
    return {k: interpolate(str(v), DOT_ENV if env is None else env) for k, v in block.items()}


def settings_variables(name: str) -> dict[str, str]:
    return {k: v for k, v in environment(name).items() if k.upper().startswith(_prefix())}


def _prefix() -> str:
    return str(Settings.model_config.get("env_prefix", "")).upper()


def _field(variable: str) -> str:
    return variable.upper().removeprefix(_prefix()).lower()


def _command(name: str) -> str:
    command = service(name).get("command", "")
    return command if isinstance(command, str) else " ".join(command)


def test_compose_names_every_service() -> None:
    assert set(compose()["services"]) >= SERVICES


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_shelfaudit_variable_is_a_settings_field(name: str) -> None:
    unknown = {v for v in settings_variables(name) if _field(v) not in Settings.model_fields}
    assert not unknown, f"{name} sets variables that Settings does not read: {sorted(unknown)}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_set_what_a_real_server_deployment_needs(name: str) -> None:
    present = {_field(v) for v in settings_variables(name)}
    assert present >= DEPLOYMENT_FIELDS, f"{name} misses {sorted(DEPLOYMENT_FIELDS - present)}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_environment_builds_production_settings(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable, value in settings_variables(name).items():
        monkeypatch.setenv(variable, value)

    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert settings.environment == "production"
    assert settings.storage_backend is StorageBackend.s3
    assert settings.resolved_database_url.startswith("postgresql")
    assert "@postgres:" in settings.resolved_database_url
    assert settings.uses_broker
    assert settings.broker_url is not None
    assert settings.broker_url.startswith("redis://redis:")
    assert settings.s3_endpoint.split(":")[0] == "minio"
    assert settings.s3_secret_key.get_secret_value() == DOT_ENV["MINIO_ROOT_PASSWORD"]


def test_api_and_worker_share_the_database_broker_and_bucket() -> None:
    shared = DEPLOYMENT_FIELDS
    api, worker = (
        {_field(k): v for k, v in settings_variables(n).items() if _field(k) in shared}
        for n in APP_SERVICES
    )
    assert api == worker


@pytest.mark.parametrize("missing", sorted(DOT_ENV))
def test_secrets_must_come_from_the_operator(missing: str) -> None:
    partial = {k: v for k, v in DOT_ENV.items() if k != missing}
    with pytest.raises(KeyError, match=missing):
        environment("api", partial)


def test_app_credentials_match_the_servers() -> None:
    api, minio, postgres = environment("api"), environment("minio"), environment("postgres")
    assert api["SHELFAUDIT_S3_ACCESS_KEY"] == minio["MINIO_ROOT_USER"]
    assert api["SHELFAUDIT_S3_SECRET_KEY"] == minio["MINIO_ROOT_PASSWORD"]
    assert f":{postgres['POSTGRES_PASSWORD']}@" in api["SHELFAUDIT_DATABASE_URL"]
    assert api["SHELFAUDIT_DATABASE_URL"].endswith(f"/{postgres['POSTGRES_DB']}")


def test_api_migrates_the_schema_before_it_serves() -> None:
    command = _command("api")
    assert "shelfaudit db upgrade" in command
    assert "shelfaudit serve" in command
    assert command.index("shelfaudit db upgrade") < command.index("shelfaudit serve")
    assert "--host 0.0.0.0" in command
    assert "&&" in command, "serve must not start when the migration fails"


def test_worker_runs_the_celery_worker() -> None:
    assert _command("worker").startswith("shelfaudit worker")


def test_api_and_worker_run_the_same_image() -> None:
    assert service("api")["image"] == service("worker")["image"]
    assert service("api").get("build") == service("worker").get("build") == "."


@pytest.mark.parametrize("name", ["postgres", "redis", "minio"])
def test_backing_service_has_a_healthcheck(name: str) -> None:
    check = service(name).get("healthcheck", {})
    assert check.get("test"), f"{name} has no healthcheck"
    assert not check.get("disable")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_servers(name: str) -> None:
    depends = service(name)["depends_on"]
    for server in ("postgres", "redis", "minio") if name == "api" else ("api", "redis"):
        assert depends[server]["condition"] == "service_healthy", (name, server)


def test_minio_serves_its_console() -> None:
    assert "--console-address" in _command("minio")
