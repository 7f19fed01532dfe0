"""The native services: how each one is launched, what it needs first, and how it proves it is up.

This table is the single description of the native stack. The supervisor config, the start
order, `lake status` and the docs' service table are all derived from it.

One file over 300 lines on purpose: the table is read whole (start order, ports, health), and
each service's entry is a few lines that belong next to the others.
"""

from __future__ import annotations

import glob
from collections.abc import Callable
from dataclasses import dataclass, field

from datalake.platform import credentials, health
from datalake.platform.launch import (
    JPMS_OPENS,
    Context,
    airflow_environment,
    connect_environment,
    hadoop_java,
    kafka_java,
    postgres_bindir,
    spark_connect_environment,
    spark_environment,
    superset_environment,
)
from datalake.settings import Settings, get_settings


@dataclass(frozen=True)
class Service:
    name: str
    role: str
    ports: tuple[int, ...]
    url: str
    command: Callable[[Context], list[str]]
    # A protocol-level probe; None for programs whose only sign of life is a RUNNING process.
    check: Callable[[Settings], str] | None
    depends_on: tuple[str, ...] = ()
    environment: Callable[[Context], dict[str, str]] = field(default=lambda ctx: {})
    # The OS account to run as when started by root; None: the platform's service account.
    run_as: str | None = None
    start_timeout_s: int = 180


def _airflow(component: str, *args: str) -> Callable[[Context], list[str]]:
    return lambda ctx: [str(ctx.paths.venv_bin / "airflow"), component, *args]


# The Airflow components besides the api-server; each reports its own health through it.
# Their log servers bind every interface (hard-coded) and are only needed when tasks run on other
# hosts: with LocalExecutor the api-server reads task logs from the local folder, so skip them.
AIRFLOW_WORKERS = (
    ("scheduler", "Airflow scheduler (LocalExecutor)", ("--skip-serve-logs",)),
    ("dag-processor", "Airflow DAG parsing", ()),
    ("triggerer", "Airflow deferrable tasks", ("--skip-serve-logs",)),
)


def _airflow_worker(component: str, role: str, args: tuple[str, ...]) -> Service:
    health_key = component.replace("-", "_")
    return Service(
        name=f"airflow-{component}",
        role=role,
        ports=(),
        url="",
        command=_airflow(component, *args),
        check=lambda st: health.airflow_component(st.airflow_url, health_key),
        depends_on=("airflow-api-server",),
        environment=airflow_environment,
    )


def build_registry() -> list[Service]:
    s = get_settings()
    return [
        Service(
            name="mariadb",
            role="OLTP source + results warehouse",
            ports=(s.mariadb_port,),
            url=f"mysql://127.0.0.1:{s.mariadb_port}",
            command=lambda ctx: ["/usr/sbin/mariadbd", f"--defaults-file={ctx.conf('mariadb', 'my.cnf')}"],
            check=lambda st: health.mysql_greeting(st.mariadb_host, st.mariadb_port),
        ),
        Service(
            name="postgres",
            role="Airflow + metastore database",
            ports=(s.postgres_port,),
            url=f"postgresql://127.0.0.1:{s.postgres_port}",
            command=lambda ctx: [
                str(postgres_bindir() / "postgres"),
                "-D",
                ctx.data("postgres"),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"port={ctx.settings.postgres_port}",
                "-c",
                f"unix_socket_directories={ctx.paths.run / 'postgres'}",
                "-c",
                "unix_socket_permissions=0700",  # the socket asks for a password too (pg_hba)
                "-c",
                "shared_buffers=64MB",
            ],
            check=lambda st: health.postgres_ready(st.postgres_host, st.postgres_port),
            run_as="postgres",
        ),
        Service(
            name="kafka",
            role="event bus (KRaft, broker+controller)",
            ports=(s.kafka_port, s.kafka_controller_port),
            url=f"kafka://{s.kafka_bootstrap}",
            command=lambda ctx: kafka_java(
                ctx, "768m", "kafka.Kafka", ctx.conf("kafka", "server.properties")
            ),
            check=lambda st: health.kafka_metadata(st.kafka_bootstrap),
        ),
        Service(
            name="kafka-connect",
            role="CDC sources + lake sink (distributed)",
            ports=(s.connect_port,),
            url=s.connect_url,
            command=lambda ctx: kafka_java(
                ctx,
                "512m",
                "org.apache.kafka.connect.cli.ConnectDistributed",
                ctx.conf("kafka", "connect-distributed.properties"),
                # The REST API's users (BasicAuthSecurityRestExtension) and our allow-listing env provider.
                jvm=(f"-Djava.security.auth.login.config={credentials.connect_jaas_file(ctx.paths)}",),
                classpath=(str(ctx.paths.build / "kafka"),),
            ),
            check=lambda st: health.connect_plugins(
                st.connect_url, (st.connect_admin_user, st.connect_admin_password)
            ),
            depends_on=("kafka",),
            environment=connect_environment,
        ),
        Service(
            name="hdfs-namenode",
            role="lake filesystem metadata",
            ports=(s.namenode_rpc_port, s.namenode_http_port),
            url=s.webhdfs_url,
            command=lambda ctx: hadoop_java(ctx, "384m", "org.apache.hadoop.hdfs.server.namenode.NameNode"),
            check=lambda st: health.namenode_active(st.webhdfs_url),
        ),
        Service(
            name="hdfs-datanode",
            role="lake filesystem blocks",
            ports=(s.datanode_http_port, s.datanode_port, s.datanode_ipc_port),
            url=s.datanode_http_url,
            command=lambda ctx: hadoop_java(ctx, "384m", "org.apache.hadoop.hdfs.server.datanode.DataNode"),
            check=lambda st: health.datanode_registered(st.datanode_http_url),
            depends_on=("hdfs-namenode",),
        ),
        Service(
            name="hive-metastore",
            role="table catalog (PostgreSQL-backed)",
            ports=(s.metastore_port,),
            url=s.metastore_uri,
            command=lambda ctx: [
                ctx.java,
                "-Xmx512m",
                "-XX:+UseSerialGC",
                *JPMS_OPENS,
                f"-Dlog4j2.configurationFile={ctx.conf('hive', 'hive-log4j2.properties')}",
                "-Ddatalake.bind.host=127.0.0.1",
                "-cp",
                ":".join(
                    [
                        ctx.conf("hive"),
                        str(ctx.paths.build / "hive-patch"),  # first: binds the metastore to loopback
                        str(ctx.paths.spark_home / "jars" / "*"),
                        *glob.glob(str(ctx.paths.jars / "spark" / "postgresql-*.jar")),
                    ]
                ),
                "org.apache.hadoop.hive.metastore.HiveMetaStore",
                "-p",
                str(ctx.settings.metastore_port),
            ],
            check=lambda st: health.metastore_databases(st.metastore_uri),
            depends_on=("postgres", "hdfs-datanode"),
        ),
        Service(
            name="spark-thrift",
            role="SQL over HiveServer2 protocol",
            ports=(s.thrift_port,),
            url=f"jdbc:hive2://127.0.0.1:{s.thrift_port}",
            command=lambda ctx: [
                str(ctx.paths.venv_bin / "spark-submit"),
                "--class",
                "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2",
                "--name",
                "spark-thrift-server",
                "--master",
                "local[2]",
                "--conf",
                "spark.ui.enabled=false",
                # No `json.`/`parquet.` file paths as tables: SQL users reach the lake through the
                # catalog's tables only, never the raw zone's files.
                "--conf",
                "spark.sql.runSQLOnFiles=false",
                # spark-defaults' jars plus the password-file authenticator (services/spark/src).
                "--driver-class-path",
                f"{ctx.paths.jars / 'spark' / '*'}:{ctx.paths.build / 'spark'}",
                "spark-internal",
                "--hiveconf",
                f"hive.server2.thrift.port={ctx.settings.thrift_port}",
                "--hiveconf",
                "hive.server2.thrift.bind.host=127.0.0.1",
                "--hiveconf",
                "hive.server2.authentication=CUSTOM",
                "--hiveconf",
                "hive.server2.custom.authentication.class=io.datalake.thrift.PasswordFileAuthenticator",
                "--hiveconf",
                f"datalake.thrift.users.file={credentials.thrift_users_file(ctx.paths)}",
                # Queries read HDFS as the server's account, not as the SQL user: SQL users are
                # not HDFS users (docs/security.md says what every SQL user can read).
                "--hiveconf",
                "hive.server2.enable.doAs=false",
            ],
            check=health.thrift_server_sql,
            depends_on=("hive-metastore",),
            environment=spark_environment,
        ),
        Service(
            name="mongo",
            role="MongoDB-compatible server (mongo-java-server, H2)",
            ports=(s.mongo_port,),
            url=s.mongo_uri,
            command=lambda ctx: [
                ctx.java,
                # A query's whole result is held in the heap (settings.mongo_heap_mb says how much
                # it can be). On OutOfMemoryError the JVM exits and supervisord restarts it (a
                # netty server that lost its event loop would otherwise stay up and answer nothing).
                f"-Xmx{ctx.settings.mongo_heap_mb}m",
                "-XX:+ExitOnOutOfMemoryError",
                "-XX:+UseSerialGC",
                "-cp",
                f"{ctx.paths.build / 'mongo'}:{ctx.paths.jars / 'mongo' / '*'}",
                "io.datalake.mongo.LakeMongoServer",
                "127.0.0.1",
                str(ctx.settings.mongo_port),
                ctx.data("mongo", "lake.mv"),
                ",".join(ctx.settings.mongo_oplog_excluded),
            ],
            check=lambda st: health.mongo_ping(st.mongo_uri),
        ),
        Service(
            name="airflow-api-server",
            role="Airflow UI + REST API",
            ports=(s.airflow_port,),
            url=s.airflow_url,
            command=_airflow(
                "api-server",
                "--host",
                "127.0.0.1",
                "--port",
                str(s.airflow_port),
                "--workers",
                "1",
            ),
            check=lambda st: health.airflow_component(st.airflow_url, "metadatabase"),
            depends_on=("postgres",),
            environment=airflow_environment,
        ),
        *(_airflow_worker(*worker) for worker in AIRFLOW_WORKERS),
        *([_spark_connect(s)] if s.spark_connect_url else []),
        *([_superset(s)] if s.superset_on else []),
    ]


def _spark_connect(s: Settings) -> Service:
    """One long-lived Spark driver for the DAG tasks' Spark work: each task is a thin client
    (datalake.spark_connect) instead of a spark-submit starting a JVM of its own."""
    return Service(
        name="spark-connect",
        role="Spark for DAG tasks (Spark Connect)",
        ports=(s.spark_connect_port,),
        url=s.spark_connect_url,
        command=lambda ctx: [
            str(ctx.paths.venv_bin / "spark-submit"),
            *("--class", "org.apache.spark.sql.connect.service.SparkConnectServer"),
            *("--name", "spark-connect", "--master", ctx.settings.spark_master),
            *("--conf", "spark.ui.enabled=false"),
            # Shared by up to four tasks at once (Airflow's parallelism), each in a session of its
            # own; under spark-submit each had a 1 GiB driver JVM to itself.
            *("--conf", "spark.driver.memory=2g"),
            # Tasks share the cores fairly: a short task is not queued behind a long one's stages.
            *("--conf", "spark.scheduler.mode=FAIR"),
            *("--conf", "spark.connect.grpc.binding.address=127.0.0.1"),
            *("--conf", f"spark.connect.grpc.binding.port={ctx.settings.spark_connect_port}"),
            "spark-internal",
        ],
        check=health.spark_connect_sql,
        depends_on=("hive-metastore",),
        environment=spark_connect_environment,
    )


def _superset(s: Settings) -> Service:
    """Apache Superset (SQL Lab, dashboards) from its own venv, under gunicorn on loopback."""
    return Service(
        name="superset",
        role="SQL editor + dashboards (Apache Superset)",
        ports=(s.superset_port,),
        url=s.superset_url,
        command=lambda ctx: [
            str(ctx.paths.superset_venv / "bin" / "gunicorn"),
            *("--bind", f"127.0.0.1:{ctx.settings.superset_port}"),
            # One worker process (about 300 MB) with threads: a handful of users on one machine.
            *("--workers", "1", "--threads", "4", "--timeout", "300"),
            "superset.app:create_app()",
        ],
        check=lambda st: health.superset_health(st.superset_url),
        depends_on=("postgres",),
        environment=superset_environment,
        start_timeout_s=300,
    )
