"""Structural checks of docker-compose.yml and docker/ (no Docker engine on this machine).

`docker compose config --quiet` (run_tests.sh) validates the file against the Compose
specification; these tests check what the specification cannot: pinned images, health checks,
loopback-only ports, environment names the platform knows, files that exist, HUE wired to the
Thrift server and MariaDB, and Connect built with the native plugin list.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from datalake.connect.configs import env_names
from datalake.pipelines import programs
from datalake.platform.secrets import GENERATED
from datalake.settings import REPO_ROOT, Settings

COMPOSE = REPO_ROOT / "docker-compose.yml"
# Variables an image defines for itself (its own configuration convention), not the platform's.
IMAGE_OWN = re.compile(
    r"^(KAFKA_\w+|AIRFLOW__\w+|AIRFLOW_CONN_\w+|MARIADB_ROOT_HOST|POSTGRES_PASSWORD|POSTGRES_INITDB_ARGS"
    r"|MONGO_INITDB_\w+|ENSURE_NAMENODE_DIR|HADOOP_USER_NAME|LAKE_MODE)$"
)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _dockerfile(service: dict[str, Any]) -> Path:
    return REPO_ROOT / service["build"]["context"] / service["build"]["dockerfile"]


def _bases(dockerfile: Path) -> list[str]:
    return re.findall(r"^FROM\s+(\S+)", dockerfile.read_text(), flags=re.M)


def _pinned(image: str) -> bool:
    name, _, tag = image.rpartition(":")
    return bool(name) and tag != "latest" and bool(re.search(r"\d+\.\d+", tag))


def test_every_image_and_every_base_image_is_pinned_to_an_exact_tag(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if "build" in service:
            assert all(_pinned(base) for base in _bases(_dockerfile(service))), name
        else:
            assert _pinned(service["image"]), f"{name}: {service['image']}"


def test_every_long_running_service_has_a_health_check_and_waits_for_healthy_dependencies(
    services: dict[str, Any],
) -> None:
    for name, service in services.items():
        if service.get("restart") == "no":  # a one-shot: dependants wait for it to complete
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        for dependency, condition in service.get("depends_on", {}).items():
            expected = (
                "service_completed_successfully"
                if services[dependency].get("restart") == "no"
                else "service_healthy"
            )
            assert condition == {"condition": expected}, f"{name} -> {dependency}"


def test_ports_are_published_on_loopback_only(services: dict[str, Any]) -> None:
    published = [(name, port) for name, s in services.items() for port in s.get("ports", [])]
    assert published
    for name, port in published:
        assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"


def test_environment_names_are_the_platforms_or_the_images_own(services: dict[str, Any]) -> None:
    known = {field.upper() for field in Settings.model_fields} | env_names()
    for name, service in services.items():
        for variable in service.get("environment", {}):
            assert variable in known or IMAGE_OWN.match(variable), f"{name}: unknown variable {variable}"


def test_secrets_come_from_the_same_env_names_as_native() -> None:
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", COMPOSE.read_text()))  # $$ escapes
    assert interpolated and interpolated <= set(GENERATED), interpolated - set(GENERATED)


def test_every_mounted_file_and_build_file_exists(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (REPO_ROOT / source).exists(), f"{name}: {source}"
        for env_file in service.get("env_file", []):
            assert (REPO_ROOT / env_file).exists(), f"{name}: {env_file}"
        if "build" in service:
            dockerfile = _dockerfile(service)
            assert dockerfile.exists(), f"{name}: {dockerfile}"
            for source in re.findall(r"^COPY\s+(?!--from)(?:--\S+\s+)*(\S+)", dockerfile.read_text(), re.M):
                assert (REPO_ROOT / source).exists(), f"{dockerfile}: COPY {source}"


def test_the_compose_endpoints_of_settings_are_services_of_the_file(services: dict[str, Any]) -> None:
    s = Settings(lake_mode="compose")
    hosts = {
        s.kafka_bootstrap.split(":")[0],
        urlparse(s.connect_url).hostname,
        s.mariadb_host,
        s.postgres_host,
        urlparse(s.mongo_uri).hostname,
        urlparse(s.hdfs_uri).hostname,
        urlparse(s.metastore_uri).hostname,
        s.thrift_host,
        urlparse(s.airflow_url).hostname,
        urlparse(s.spark_master).hostname,
    }
    assert hosts <= set(services), hosts - set(services)


def test_the_pipelines_programs_run_as_services(services: dict[str, Any]) -> None:
    assert {program.name for program in programs()} <= set(services)


def test_hue_reads_the_lake_through_the_thrift_server_and_results_from_mariadb(
    services: dict[str, Any],
) -> None:
    ini = configparser.ConfigParser(interpolation=None, strict=False)
    # HUE's nested [[sections]] are flattened by name here; the keys checked are unique.
    ini.read_string(
        re.sub(r"^\s*\[+([^\]]+)\]+\s*$", r"[\1]", (REPO_ROOT / "docker/hue/hue.ini").read_text(), flags=re.M)
    )
    s = Settings(lake_mode="compose")
    assert (ini["beeswax"]["hive_server_host"], ini["beeswax"]["hive_server_port"]) == (
        s.thrift_host,
        str(s.thrift_port),
    )
    assert (ini["spark"]["sql_server_host"], ini["spark"]["sql_server_port"]) == (
        s.thrift_host,
        str(s.thrift_port),
    )
    assert ini["sparksql"]["interface"] == "hiveserver2"
    assert (
        ini["beeswax"]["auth_username"] == "${THRIFT_USER}"
        and ini["beeswax"]["auth_password"] == "${THRIFT_PASSWORD}"
    )
    assert ini["mysql"]["interface"] == "sqlalchemy"
    assert f"@{s.mariadb_host}:{s.mariadb_port}/" in ini["mysql"]["options"]
    assert {"spark-thrift", "mariadb"} <= set(services["hue"]["depends_on"])


def test_connect_is_built_with_the_native_plugins_and_allow_list(services: dict[str, Any]) -> None:
    dockerfile = _dockerfile(services["connect"]).read_text()
    assert "-f /build/pom.xml -P connect-plugins package" in dockerfile  # services/jvm/pom.xml, as natively
    assert "COPY services/jvm/pom.xml /build/pom.xml" in dockerfile
    assert "kafka_connect/lake-sink" in dockerfile
    assert _bases(_dockerfile(services["connect"]))[-1] == services["kafka"]["image"]
    properties = (REPO_ROOT / "docker/connect/connect-distributed.properties").read_text()
    (allow,) = re.findall(r"^config\.providers\.env\.param\.allowlist\.pattern=(.*)$", properties, re.M)
    assert set(allow.split("|")) == env_names()
    assert env_names() <= set(services["connect"]["environment"])


def test_our_images_run_in_compose_mode(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if "build" in service and name != "connect":
            assert service["environment"]["LAKE_MODE"] == "compose", name
