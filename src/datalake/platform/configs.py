"""Renders the committed templates in services/ into var/conf/, filled from settings.

Rendering is deterministic and cheap, so every `lake up` renders again; a running service picks
a change up on its next restart.
"""

from __future__ import annotations

from pathlib import Path
from string import Template

from datalake.platform.accounts import own, service_account
from datalake.platform.paths import Paths
from datalake.settings import Settings


def _render(template: Path, target: Path, values: dict[str, str], private_to: str | None = None) -> None:
    """Fill a template; `private_to`: readable (0600) by that account only (it holds secrets)."""
    text = Template(template.read_text()).substitute(values)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
    if private_to:
        target.chmod(0o600)
        own(target, private_to, recursive=False)


def mariadb_socket(paths: Paths) -> Path:
    return paths.run / "mariadb" / "mariadb.sock"


def render_all(settings: Settings, paths: Paths) -> None:
    from datalake.connect.configs import env_names

    src = paths.services
    common = {"data": str(paths.data), "run": str(paths.run), "hdfs_uri": settings.hdfs_uri}
    account = service_account(settings)
    _render(
        src / "mariadb" / "my.cnf",
        paths.conf / "mariadb" / "my.cnf",
        {**common, "port": str(settings.mariadb_port), "socket": str(mariadb_socket(paths))},
    )
    _render(
        src / "kafka" / "server.properties",
        paths.conf / "kafka" / "server.properties",
        {
            **common,
            "port": str(settings.kafka_port),
            "controller_port": str(settings.kafka_controller_port),
        },
    )
    _render(src / "kafka" / "log4j2.properties", paths.conf / "kafka" / "log4j2.properties", {})
    _render(
        src / "kafka" / "connect-distributed.properties",
        paths.conf / "kafka" / "connect-distributed.properties",
        {
            "bootstrap": settings.kafka_bootstrap,
            "port": str(settings.connect_port),
            "plugin_path": str(paths.jars / "connect-plugins"),
            "env_allowlist": "|".join(sorted(env_names())),
        },
    )
    hadoop_ports = {
        "nn_http_port": str(settings.namenode_http_port),
        "dn_port": str(settings.datanode_port),
        "dn_http_port": str(settings.datanode_http_port),
        "dn_ipc_port": str(settings.datanode_ipc_port),
        "service_user": service_account(settings),
    }
    for name in ("core-site.xml", "hdfs-site.xml", "log4j.properties"):
        _render(src / "hadoop" / name, paths.conf / "hadoop" / name, {**common, **hadoop_ports})
    _render(
        src / "hive" / "hive-site.xml",
        paths.conf / "hive" / "hive-site.xml",
        {
            **common,
            "postgres_host": settings.postgres_host,
            "postgres_port": str(settings.postgres_port),
            "hive_password": settings.postgres_hive_password,
        },
        private_to=account,
    )
    _render(src / "hive" / "hive-log4j2.properties", paths.conf / "hive" / "hive-log4j2.properties", {})
    spark_jars = str(paths.jars / "spark" / "*")
    _render(
        src / "spark" / "spark-defaults.conf",
        paths.spark_conf / "spark-defaults.conf",
        {
            **common,
            "jars": spark_jars,
            "metastore_uri": settings.metastore_uri,
            "python": str(paths.venv_bin / "python"),
        },
    )
    _render(src / "spark" / "log4j2.properties", paths.spark_conf / "log4j2.properties", {})
