"""How the native processes are launched: the context every launcher gets (settings, paths, the
java binary, the service account), the JVM command lines of Kafka and Hadoop (with the JDK opens
they need), and the environments of Spark, Airflow, Kafka Connect and the service account.

Separate from `services.py`, which says *which* services exist and how each proves it is up; this
module says how a process is started, and is shared by the registry, the supervisor config, the
bootstrap steps and the pipelines' programs.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from datalake.platform.accounts import service_account
from datalake.platform.paths import Paths, get_paths, java_home
from datalake.settings import Settings, get_settings

# Hadoop and the Hive metastore reflect into JDK internals; the same list Hadoop's scripts add.
JPMS_OPENS = [
    "-XX:+IgnoreUnrecognizedVMOptions",
    *(
        f"--add-opens=java.base/{pkg}=ALL-UNNAMED"
        for pkg in (
            "java.lang",
            "java.lang.reflect",
            "java.io",
            "java.net",
            "java.nio",
            "java.util",
            "java.util.concurrent",
            "java.util.concurrent.atomic",
            "sun.nio.ch",
            "sun.nio.cs",
            "sun.security.action",
            "sun.util.calendar",
        )
    ),
    "--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
]


@dataclass(frozen=True)
class Context:
    settings: Settings
    paths: Paths

    @property
    def java(self) -> str:
        return str(java_home() / "bin" / "java")

    @property
    def service_user(self) -> str:
        """The OS account the services run as (see datalake.platform.accounts)."""
        return service_account(self.settings)

    def conf(self, *parts: str) -> str:
        return str(self.paths.conf.joinpath(*parts))

    def data(self, *parts: str) -> str:
        return str(self.paths.data.joinpath(*parts))


def postgres_bindir() -> Path:
    """The newest Debian PostgreSQL server install (/usr/lib/postgresql/<major>/bin)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise RuntimeError("PostgreSQL server not found: apt-get install postgresql")
    return Path(candidates[-1]).parent


def kafka_java(
    ctx: Context, heap: str, main: str, *args: str, jvm: tuple[str, ...] = (), classpath: tuple[str, ...] = ()
) -> list[str]:
    return [
        ctx.java,
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        f"-Dlog4j2.configurationFile={ctx.conf('kafka', 'log4j2.properties')}",
        *jvm,
        "-cp",
        ":".join([str(ctx.paths.jars / "kafka" / "*"), *classpath]),
        main,
        *args,
    ]


def hadoop_java(ctx: Context, heap: str, main: str) -> list[str]:
    return [
        ctx.java,
        f"-Xmx{heap}",
        "-XX:+UseSerialGC",
        *JPMS_OPENS,
        f"-Dhadoop.log.dir={ctx.paths.logs}",
        f"-Dlog4j.configuration=file:{ctx.conf('hadoop', 'log4j.properties')}",
        "-cp",
        f"{ctx.conf('hadoop')}:{ctx.paths.jars / 'hadoop' / '*'}",
        main,
    ]


def spark_environment(ctx: Context) -> dict[str, str]:
    """What every Spark process of the platform needs: one conf dir, its address, the venv's Python."""
    return {
        "SPARK_CONF_DIR": str(ctx.paths.spark_conf),
        **({"SPARK_LOCAL_IP": ctx.settings.spark_local_ip} if ctx.settings.spark_local_ip else {}),
        "JAVA_HOME": str(java_home()),
        "PYSPARK_PYTHON": str(ctx.paths.venv_bin / "python"),
        # HDFS simple authentication: act as the service account that owns the lake, whoever runs
        # the job (an Airflow task, a test, `lake up` as root). See docs/security.md.
        "HADOOP_USER_NAME": ctx.service_user,
    }


def spark_connect_environment(ctx: Context) -> dict[str, str]:
    """The Spark Connect server's: Spark's, and the token its clients must present (read by the
    server from this variable; `datalake.spark.build_session` sends it)."""
    return {**spark_environment(ctx), "SPARK_CONNECT_AUTHENTICATE_TOKEN": ctx.settings.spark_connect_token}


def service_environment(ctx: Context) -> dict[str, str]:
    """What a process of the service account needs besides its own settings: a home it may write."""
    return {"HOME": str(ctx.paths.home)}


def airflow_environment(ctx: Context) -> dict[str, str]:
    """Airflow is configured only through AIRFLOW__* variables, so nothing is edited in airflow.cfg."""
    s = ctx.settings
    home = ctx.paths.airflow_home
    db = s.airflow_db_url
    return {
        **spark_environment(ctx),
        "AIRFLOW_HOME": str(home),
        "PATH": f"{ctx.paths.venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ctx.paths.repo / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",  # LocalExecutor forks this many workers
        "AIRFLOW__CORE__FERNET_KEY": s.airflow_fernet_key,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db,
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(s.airflow_port),
        "AIRFLOW__API__BASE_URL": s.airflow_url,
        "AIRFLOW__API__SECRET_KEY": s.airflow_api_secret_key,
        "AIRFLOW__API_AUTH__JWT_SECRET": s.airflow_jwt_secret,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{s.airflow_url}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{s.airflow_admin_user}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        # A task that died with its scheduler (LocalExecutor runs tasks under it) is reset, then
        # retried, by the restarted scheduler's next orphan check: every minute, not Airflow's 5.
        "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "60",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        # URI form (supervisor cannot pass JSON); the host is the Spark master, URL-encoded.
        "AIRFLOW_CONN_SPARK_DEFAULT": f"spark://{quote(s.spark_master, safe='')}?deploy-mode=client",
    }


def connect_environment(ctx: Context) -> dict[str, str]:
    """Values the connector JSON files reference as ${env:NAME} (EnvVarConfigProvider)."""
    s = ctx.settings
    return {
        "MARIADB_HOST": s.mariadb_host,
        "MARIADB_PORT": str(s.mariadb_port),
        "MARIADB_CDC_USER": s.mariadb_cdc_user,
        "MARIADB_CDC_PASSWORD": s.mariadb_cdc_password,
        "KAFKA_BOOTSTRAP": s.kafka_bootstrap,
        "MONGO_URI": s.mongo_uri,
        "LAKE_FS_URL": s.hdfs_uri,
        "LAKE_RAW_KAFKA_DIR": s.lake.raw("kafka", "").removeprefix(s.hdfs_uri).rstrip("/"),
        "KAFKA_HEAP_OPTS": "-Xmx512m",
    }


def superset_environment(ctx: Context) -> dict[str, str]:
    """Superset reads its secrets and metadata database from here (services/superset/superset_config.py)."""
    s = ctx.settings
    return {
        "SUPERSET_CONFIG_PATH": str(ctx.paths.services / "superset" / "superset_config.py"),
        "SUPERSET_HOME": str(ctx.paths.superset_home / "home"),
        "SUPERSET_SECRET_KEY": s.superset_secret_key,
        "SUPERSET_DATABASE_URI": (
            f"postgresql+psycopg2://superset:{s.postgres_superset_password}"
            f"@{s.postgres_host}:{s.postgres_port}/superset"
        ),
        "FLASK_APP": "superset",
        "PATH": f"{ctx.paths.superset_venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
    }


def context() -> Context:
    return Context(settings=get_settings(), paths=get_paths())
