"""The service table is consistent: known dependencies, no cycles, no port shared, loopback only."""

from __future__ import annotations

import dataclasses
import getpass
import re
from pathlib import Path
from typing import Any

import pytest

from datalake import pipelines
from datalake.platform import configs
from datalake.platform.paths import Paths
from datalake.platform.runner import PlatformError, _with_dependencies
from datalake.platform.services import build_registry
from datalake.settings import REPO_ROOT, Settings

SERVICES = build_registry()
BY_NAME = {s.name: s for s in SERVICES}


def test_brief_services_are_all_there(monkeypatch: pytest.MonkeyPatch) -> None:
    from datalake.platform import services

    monkeypatch.setattr(services, "get_settings", lambda: Settings(_env_file=None))  # the defaults
    expected = {
        "mariadb",
        "postgres",
        "kafka",
        "kafka-connect",
        "hdfs-namenode",
        "hdfs-datanode",
        "hive-metastore",
        "spark-thrift",
        "spark-connect",
        "mongo",
        "airflow-api-server",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "superset",
    }
    assert {s.name for s in services.build_registry()} == expected


def test_a_setting_turns_superset_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from datalake.platform import logins, services

    off = Settings(_env_file=None, superset_enabled=False)
    monkeypatch.setattr(services, "get_settings", lambda: off)
    assert "superset" not in {s.name for s in services.build_registry()}
    assert not any("Superset" in login.what for login in logins.logins(off))
    on = Settings(_env_file=None, superset_url="http://127.0.0.1:18088")
    monkeypatch.setattr(services, "get_settings", lambda: on)
    superset = {s.name: s for s in services.build_registry()}["superset"]
    assert superset.ports == (18088,) and "127.0.0.1:18088" in superset.command(_context(on))
    # compose has HUE instead: no Superset endpoint, no Superset
    assert not Settings(_env_file=None, lake_mode="compose").superset_on


def test_every_dependency_is_a_known_service_and_the_graph_has_no_cycle() -> None:
    for service in SERVICES:
        assert set(service.depends_on) <= set(BY_NAME), service.name
    order = _with_dependencies(list(BY_NAME), BY_NAME)
    for service in SERVICES:
        assert all(order.index(dep) < order.index(service.name) for dep in service.depends_on)


def test_starting_one_service_pulls_in_its_dependencies_first() -> None:
    order = _with_dependencies(["spark-thrift"], BY_NAME)
    assert set(order) == {"postgres", "hdfs-namenode", "hdfs-datanode", "hive-metastore", "spark-thrift"}
    assert order[-1] == "spark-thrift" and order.index("hdfs-namenode") < order.index("hdfs-datanode")
    with pytest.raises(PlatformError, match="unknown service"):
        _with_dependencies(["nope"], BY_NAME)


def test_a_dependency_cycle_is_an_error_not_a_hang() -> None:
    a, b = BY_NAME["postgres"], BY_NAME["mariadb"]
    cyclic = {
        "postgres": dataclasses.replace(a, depends_on=("mariadb",)),
        "mariadb": dataclasses.replace(b, depends_on=("postgres",)),
    }
    with pytest.raises(PlatformError, match="cycle"):
        _with_dependencies(["postgres"], cyclic)


def test_no_two_services_claim_a_port() -> None:
    ports = [port for service in SERVICES for port in service.ports]
    assert len(ports) == len(set(ports))


def test_services_have_health_checks_and_pipeline_programs_have_unique_names() -> None:
    assert all(service.check is not None for service in SERVICES)
    names = [p.name for p in pipelines.programs()]
    assert len(names) == len(set(names)) and not set(names) & set(BY_NAME)


def test_rendered_configs_bind_loopback_only(tmp_path: Path) -> None:
    paths = Paths(repo=REPO_ROOT, var=tmp_path / "var")
    (paths.jars / "spark").mkdir(parents=True)
    # Rendered for the current user, so the test needs no service account on the machine.
    settings = Settings(_env_file=None, postgres_hive_password="x", service_user=getpass.getuser())
    configs.render_all(settings, paths)
    rendered = {p.name: p.read_text() for p in paths.conf.rglob("*") if p.is_file()}
    assert {"my.cnf", "server.properties", "hdfs-site.xml", "hive-site.xml", "spark-defaults.conf"} <= set(
        rendered
    )
    for name, text in rendered.items():
        assert "0.0.0.0" not in text, name
        assert "${" not in text.replace("${env:", ""), f"unsubstituted placeholder in {name}"
    assert "bind-address = 127.0.0.1" in rendered["my.cnf"]
    assert re.search(r"^listeners=PLAINTEXT://127\.0\.0\.1:9092", rendered["server.properties"], re.M)


def _context(s: Settings) -> Any:
    from datalake.platform.launch import Context

    return Context(settings=s, paths=Paths(repo=REPO_ROOT, var=Path("/nonexistent")))


def test_server_ports_follow_the_client_endpoints_in_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datalake.platform import services

    s = Settings(
        _env_file=None,
        kafka_bootstrap="127.0.0.1:19092",
        metastore_uri="thrift://127.0.0.1:19083",
        airflow_url="http://127.0.0.1:18080",
        datanode_http_port=19864,
    )
    monkeypatch.setattr(services, "get_settings", lambda: s)
    by_name = {service.name: service for service in services.build_registry()}
    assert by_name["kafka"].ports == (19092, 9093)
    assert by_name["hive-metastore"].ports == (19083,)
    assert by_name["airflow-api-server"].ports == (18080,)
    assert by_name["hdfs-datanode"].url == "http://127.0.0.1:19864"
    configs.render_all(s, Paths(repo=REPO_ROOT, var=tmp_path))
    assert "PLAINTEXT://127.0.0.1:19092" in (tmp_path / "conf/kafka/server.properties").read_text()
    assert "127.0.0.1:19864" in (tmp_path / "conf/hadoop/hdfs-site.xml").read_text()


def test_endpoint_port_falls_back_where_an_endpoint_names_none(monkeypatch: pytest.MonkeyPatch) -> None:
    from datalake.platform import services
    from datalake.settings import endpoint_port

    assert endpoint_port("127.0.0.1:19092,127.0.0.2:29092", 9092) == 19092
    assert endpoint_port("http://airflow.internal", 8080) == 8080
    assert endpoint_port("", 9000) == 9000
    gcp = Settings(_env_file=None, lake_mode="gcp", gcs_bucket="b")  # no HDFS endpoints in gcp mode
    monkeypatch.setattr(services, "get_settings", lambda: gcp)
    assert {s.name: s for s in services.build_registry()}["hdfs-namenode"].ports == (9000, 9870)
