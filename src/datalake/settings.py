"""The platform's one typed settings module and its one mode switch.

Every endpoint, credential and lake path the code uses comes from `get_settings()`. The mode
(`LAKE_MODE` = native | compose | gcp) picks a column of defaults in `_MODE_DEFAULTS`; any single
value can still be overridden by its environment variable (the same names in `.env`, in
docker-compose and in the native launchers). No other module branches on the mode.

One file over 300 lines on purpose: one typed model is the one place every setting is declared,
with its per-mode defaults beside it; splitting it would give the mode switch two homes.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Mode(StrEnum):
    NATIVE = "native"
    COMPOSE = "compose"
    GCP = "gcp"


# One column of endpoint defaults per mode. Secrets are never here: they come from `.env`.
_MODE_DEFAULTS: dict[Mode, dict[str, Any]] = {
    Mode.NATIVE: {
        "kafka_bootstrap": "127.0.0.1:9092",
        "connect_url": "http://127.0.0.1:8083",
        "mariadb_host": "127.0.0.1",
        "postgres_host": "127.0.0.1",
        "mongo_uri": "mongodb://127.0.0.1:27017",
        "hdfs_uri": "hdfs://127.0.0.1:9000",
        "webhdfs_url": "http://127.0.0.1:9870",
        "metastore_uri": "thrift://127.0.0.1:9083",
        "thrift_host": "127.0.0.1",
        "airflow_url": "http://127.0.0.1:8080",
        "superset_url": "http://127.0.0.1:8088",
        # `localhost`, not 127.0.0.1: PySpark sends the token over a plain (loopback-only) channel
        # to localhost alone, and demands TLS for any other host (the server binds 127.0.0.1).
        "spark_connect_url": "sc://localhost:15002",
        "spark_master": "local[*]",
        "spark_runner": "spark_connect",
        "spark_local_ip": "127.0.0.1",
        "lake_root": "hdfs://127.0.0.1:9000/lake",
    },
    Mode.COMPOSE: {
        "kafka_bootstrap": "kafka:9092",
        "connect_url": "http://connect:8083",
        "mariadb_host": "mariadb",
        "postgres_host": "postgres",
        "mongo_uri": "mongodb://mongo:27017/?replicaSet=rs0",
        "hdfs_uri": "hdfs://namenode:9000",
        "webhdfs_url": "http://namenode:9870",
        "metastore_uri": "thrift://hive-metastore:9083",
        "thrift_host": "spark-thrift",
        "airflow_url": "http://airflow-apiserver:8080",
        "spark_master": "spark://spark-master:7077",
        "spark_runner": "spark_submit",
        "spark_local_ip": "",  # the container's own address: executors connect back to the driver
        "lake_root": "hdfs://namenode:9000/lake",
    },
    Mode.GCP: {
        "kafka_bootstrap": "127.0.0.1:9092",
        "connect_url": "http://127.0.0.1:8083",
        "mariadb_host": "127.0.0.1",
        "postgres_host": "127.0.0.1",
        "mongo_uri": "mongodb://127.0.0.1:27017",
        "hdfs_uri": "",
        "webhdfs_url": "",
        "metastore_uri": "thrift://127.0.0.1:9083",
        "thrift_host": "127.0.0.1",
        "airflow_url": "http://127.0.0.1:8080",
        "spark_master": "yarn",
        "spark_runner": "dataproc",
        "spark_local_ip": "",
        "lake_root": "gs://{gcs_bucket}/lake",
    },
}


def endpoint_port(endpoint: str, default: int) -> int:
    """The port a native server listens on: the one its clients' endpoint names (`host:port`, the
    first of a `host:port,host:port` list, or `scheme://host:port/…`), else the service's standard
    `default` (an endpoint without a port, or none at all: gcp mode has no HDFS endpoint)."""
    first = endpoint.split(",")[0].strip()
    port = urlsplit(first if "://" in first else f"//{first}").port if first else None
    return port or default


class Settings(BaseSettings):
    """Everything configurable, typed. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(
        env_file=REPO_ROOT / ".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    lake_mode: Mode = Mode.NATIVE
    var_dir: Path = REPO_ROOT / "var"
    # The unprivileged OS account the services run as when the platform is started by root
    # (`start.sh` creates it). Started by anyone else, the services run as that user.
    service_user: str = "datalake"

    # Endpoints (defaults per mode, see _MODE_DEFAULTS).
    kafka_bootstrap: str = ""
    connect_url: str = ""
    mariadb_host: str = ""
    mariadb_port: int = 3306
    postgres_host: str = ""
    postgres_port: int = 5432
    mongo_uri: str = ""
    hdfs_uri: str = ""
    webhdfs_url: str = ""
    metastore_uri: str = ""
    thrift_host: str = ""
    thrift_port: int = 10000
    airflow_url: str = ""
    # Native mode's SQL editor and dashboards (Apache Superset); compose has HUE instead, gcp neither.
    superset_enabled: bool = True
    superset_url: str = ""
    # A native server listens on the port its clients' endpoint above names (`kafka_port`, … below);
    # these are the ports no client endpoint names.
    kafka_controller_port: int = 9093
    datanode_port: int = 9866
    datanode_http_port: int = 9864
    datanode_ipc_port: int = 9867
    spark_master: str = ""
    spark_local_ip: str = ""
    # How spark_job() tasks run: spark_connect (a client of the long-lived Spark Connect server at
    # spark_connect_url) | spark_submit (against spark_master) | dataproc (datalake.dataproc).
    spark_runner: str = ""
    # Native mode's Spark Connect server (one JVM for every DAG task's Spark work); empty: none.
    spark_connect_url: str = ""
    lake_root: str = ""
    gcs_bucket: str = ""
    # gcp mode only, written into the VM's .env by terraform/startup.sh.tftpl (terraform/README.md).
    gcp_project: str = ""
    gcp_region: str = ""
    gcs_artifacts_bucket: str = ""
    dataproc_mode: str = "ephemeral"  # ephemeral | named
    dataproc_cluster: str = ""
    # The ephemeral cluster's Dataproc API JSON: a local copy of gs://<artifacts>/config/dataproc-cluster.json.
    dataproc_cluster_config: str = ""
    # The VM's internal address: where jobs on Dataproc reach Kafka, MariaDB, Mongo and the metastore.
    gcp_platform_host: str = ""
    # Native Mongo stand-in only: databases whose writes its oplog does not record, because no
    # change stream reads them (nubank_data is read in batch by Spark; see docs/mongo-lake.md).
    mongo_oplog_excluded: tuple[str, ...] = ("nubank_data", "bench_nubank")
    # Its heap: mongo-java-server holds a find's whole result in memory (docs/mongo-lake.md).
    mongo_heap_mb: int = 3072
    # Events per second of each bank channel producer under the supervisor (docs/bank-channels.md).
    channel_rate: float = 1.0
    # process_finances' suspicious-activity rules (docs/finance-marts.md).
    finance_outlier_z: float = 3.5
    finance_outlier_min_history: int = 5
    finance_failed_burst: int = 3
    finance_channels: int = 3
    # platform_maintenance deletes Airflow metadata rows and task logs older than this.
    airflow_keep_days: int = 30
    # ... and VACUUMs every Delta table's files unreferenced for longer (Delta's floor: a week).
    delta_retain_hours: int = 168
    # platform_healthcheck fails (a warning to act on) when the disk holding var/ has less free space.
    disk_free_min_gb: float = 5.0

    # Credentials: generated into `.env` on first start (see datalake.platform.secrets).
    mariadb_user: str = "lake"
    mariadb_password: str = ""
    mariadb_root_password: str = ""
    mariadb_cdc_user: str = "cdc"
    mariadb_cdc_password: str = ""
    # Read-only account for people who query results (SELECT on `mariadb_result_databases` only).
    mariadb_analyst_user: str = "analyst"
    mariadb_analyst_password: str = ""
    mariadb_result_databases: tuple[str, ...] = ("movie_ratings", "finance_marts")
    postgres_superuser_password: str = ""
    postgres_airflow_password: str = ""
    postgres_hive_password: str = ""
    postgres_hue_password: str = ""  # compose only (HUE's database)
    hue_secret_key: str = ""  # compose only
    # compose only: mongo:7 with authentication (native: no credentials, loopback only).
    mongo_root_password: str = ""
    mongo_password: str = ""
    # The Spark Thrift server's SQL user (CUSTOM authentication against a password file).
    thrift_user: str = "lake"
    thrift_password: str = ""
    # The Spark Connect server's pre-shared bearer token (native mode).
    spark_connect_token: str = ""
    # Kafka Connect's REST API (HTTP basic authentication).
    connect_admin_user: str = "admin"
    connect_admin_password: str = ""
    airflow_admin_user: str = "admin"
    airflow_admin_password: str = ""
    airflow_fernet_key: str = ""
    airflow_jwt_secret: str = ""
    airflow_api_secret_key: str = ""
    superset_admin_user: str = "admin"
    superset_admin_password: str = ""
    superset_secret_key: str = ""
    postgres_superset_password: str = ""
    pii_salt: str = Field(default="", description="salt for the CPF hash in curated tables")

    @model_validator(mode="before")
    @classmethod
    def _fill_mode_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        mode = Mode(data.get("lake_mode") or data.get("LAKE_MODE") or Mode.NATIVE)
        for key, value in _MODE_DEFAULTS[mode].items():
            if not data.get(key) and not data.get(key.upper()):
                data[key] = value
        return data

    @model_validator(mode="after")
    def _expand_bucket(self) -> Settings:
        if "{gcs_bucket}" in self.lake_root:
            object.__setattr__(self, "lake_root", self.lake_root.format(gcs_bucket=self.gcs_bucket))
        return self

    # ---- derived values -------------------------------------------------------------------
    # The ports the native servers listen on: those their clients' endpoints name, else each
    # service's standard port (`endpoint_port`). The one place these defaults are written.
    @property
    def kafka_port(self) -> int:
        return endpoint_port(self.kafka_bootstrap, 9092)

    @property
    def connect_port(self) -> int:
        return endpoint_port(self.connect_url, 8083)

    @property
    def namenode_rpc_port(self) -> int:
        return endpoint_port(self.hdfs_uri, 9000)

    @property
    def namenode_http_port(self) -> int:
        return endpoint_port(self.webhdfs_url, 9870)

    @property
    def metastore_port(self) -> int:
        return endpoint_port(self.metastore_uri, 9083)

    @property
    def mongo_port(self) -> int:
        return endpoint_port(self.mongo_uri, 27017)

    @property
    def airflow_port(self) -> int:
        return endpoint_port(self.airflow_url, 8080)

    @property
    def superset_port(self) -> int:
        return endpoint_port(self.superset_url, 8088)

    @property
    def spark_connect_port(self) -> int:
        return endpoint_port(self.spark_connect_url, 15002)

    @property
    def superset_on(self) -> bool:
        """Superset runs: the setting allows it and the mode has it (an endpoint to serve)."""
        return self.superset_enabled and bool(self.superset_url)

    @property
    def datanode_http_url(self) -> str:
        """The DataNode's own HTTP endpoint (JMX), on the NameNode's host."""
        host = urlsplit(self.webhdfs_url).hostname or "127.0.0.1"
        return f"http://{host}:{self.datanode_http_port}"

    @property
    def mariadb_sqlalchemy_url(self) -> str:
        return (
            f"mysql+pymysql://{self.mariadb_user}:{self.mariadb_password}"
            f"@{self.mariadb_host}:{self.mariadb_port}"
        )

    @property
    def airflow_db_url(self) -> str:
        """Airflow's metadata database: the platform's services, and `airflow db clean` (whose task
        process Airflow 3 gives no database access of its own)."""
        return (
            f"postgresql+psycopg2://airflow:{self.postgres_airflow_password}"
            f"@{self.postgres_host}:{self.postgres_port}/airflow"
        )

    @property
    def mariadb_jdbc_url(self) -> str:
        return f"jdbc:mariadb://{self.mariadb_host}:{self.mariadb_port}/"

    @property
    def lake(self) -> LakePaths:
        return LakePaths(self.lake_root)


class LakePaths:
    """The one place that names every folder of the lake: raw/ -> curated/ -> gold/.

    Streaming checkpoints live in `_checkpoints/`, beside the tables and never inside them.
    """

    def __init__(self, root: str) -> None:
        self.root = root.rstrip("/")

    def raw(self, source: str, dataset: str) -> str:
        return f"{self.root}/raw/{source}/{dataset}"

    def curated(self, database: str, table: str) -> str:
        return f"{self.root}/curated/{database}/{table}"

    def gold(self, database: str, table: str) -> str:
        return f"{self.root}/gold/{database}/{table}"

    def checkpoint(self, name: str) -> str:
        return f"{self.root}/_checkpoints/{name}"

    def quarantine(self, database: str, table: str) -> str:
        return f"{self.root}/quarantine/{database}/{table}"


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once (from the environment and `.env`)."""
    return Settings()
