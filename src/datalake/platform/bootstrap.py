"""One-time initialisation before a service's first start, and idempotent setup right after it is up.

`initialise` steps run only when the service's data folder is missing (first start ever), so a
restart never re-formats anything. `after_start` steps (users, grants, databases, folders) are
safe to repeat: they run on every `lake up` before dependants start.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import subprocess
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

from datalake.platform.services import Context, postgres_bindir


def run_checked(
    cmd: list[str], ctx: Context, env: dict[str, str] | None = None, user: str | None = None
) -> None:
    """Run a set-up command; on failure raise with the command and the tail of its output."""
    if user and os.geteuid() == 0:
        cmd = ["runuser", "-u", user, "--", *cmd]
    result = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ctx.paths.repo,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise RuntimeError(f"command failed ({result.returncode}): {' '.join(cmd)}\n{tail}")


# ---- first start only ------------------------------------------------------------------------


def init_mariadb(ctx: Context) -> None:
    datadir = ctx.paths.data / "mariadb"
    if (datadir / "mysql").exists():
        return
    datadir.mkdir(parents=True, exist_ok=True)
    (ctx.paths.data / "mariadb-binlog").mkdir(parents=True, exist_ok=True)
    cmd = [
        "mariadb-install-db",
        f"--defaults-file={ctx.conf('mariadb', 'my.cnf')}",
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
    ]
    run_checked(cmd, ctx)


def _let_user_traverse(path: Path) -> None:
    """PostgreSQL refuses to run as root, so its OS user must reach var/ through every parent."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            print(f"  postgres: allowing traversal (o+x, no listing) of {folder}", flush=True)
            folder.chmod(mode | stat.S_IXOTH)


def init_postgres(ctx: Context) -> None:
    datadir = ctx.paths.data / "postgres"
    sockdir = ctx.paths.run / "postgres"
    sockdir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        _let_user_traverse(ctx.paths.var)
        shutil.chown(sockdir, "postgres", "postgres")
    if (datadir / "PG_VERSION").exists():
        return
    datadir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(datadir, "postgres", "postgres")
    cmd = [
        str(postgres_bindir() / "initdb"),
        "-D",
        str(datadir),
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--locale=C",
        # Local socket: trust (used only by this bootstrap); TCP: passwords only.
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
    ]
    run_checked(cmd, ctx, user="postgres")


def init_kafka(ctx: Context) -> None:
    if (ctx.paths.data / "kafka" / "meta.properties").exists():
        return
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    cmd = [
        ctx.java,
        f"-Dlog4j2.configurationFile={ctx.conf('kafka', 'log4j2.properties')}",
        "-cp",
        str(ctx.paths.jars / "kafka" / "*"),
        "kafka.tools.StorageTool",
        "format",
        "--standalone",
        "-t",
        cluster_id,
        "-c",
        ctx.conf("kafka", "server.properties"),
    ]
    run_checked(cmd, ctx)


def init_namenode(ctx: Context) -> None:
    if (ctx.paths.data / "hdfs" / "name" / "current" / "VERSION").exists():
        return
    from datalake.platform.services import _hadoop_java

    cmd = [
        *_hadoop_java(ctx, "256m", "org.apache.hadoop.hdfs.server.namenode.NameNode"),
        "-format",
        "-nonInteractive",
    ]
    run_checked(cmd, ctx)


def init_mongo(ctx: Context) -> None:
    (ctx.paths.data / "mongo").mkdir(parents=True, exist_ok=True)


def init_airflow(ctx: Context) -> None:
    """Migrate the metadata DB once per Airflow version, and write the admin's password file."""
    from datalake.platform.services import airflow_environment

    home = ctx.paths.airflow_home
    home.mkdir(parents=True, exist_ok=True)
    passwords = home / "passwords.json"
    wanted = json.dumps({ctx.settings.airflow_admin_user: ctx.settings.airflow_admin_password})
    if not passwords.exists() or passwords.read_text() != wanted:
        passwords.write_text(wanted)
        passwords.chmod(0o600)
    import airflow

    marker = home / f".migrated-{airflow.__version__}"
    if marker.exists():
        return
    run_checked([str(ctx.paths.venv_bin / "airflow"), "db", "migrate"], ctx, env=airflow_environment(ctx))
    marker.touch()


# ---- after every start (idempotent) -------------------------------------------------------------


def setup_mariadb(ctx: Context) -> None:
    import pymysql

    s = ctx.settings
    socket_path = str(ctx.paths.run / "mariadb.sock")
    try:
        conn = pymysql.connect(unix_socket=socket_path, user="root", password=s.mariadb_root_password)
    except pymysql.err.OperationalError:
        conn = pymysql.connect(unix_socket=socket_path, user="root", password="")  # first start
    app_dbs = ["santander", "stock_market", "movie_ratings", "finance_marts"]
    statements = [
        "ALTER USER 'root'@'localhost' IDENTIFIED BY %(root)s",
        *(f"CREATE DATABASE IF NOT EXISTS `{db}`" for db in app_dbs),
        "CREATE USER IF NOT EXISTS %(user)s@'127.0.0.1' IDENTIFIED BY %(password)s",
        "ALTER USER %(user)s@'127.0.0.1' IDENTIFIED BY %(password)s",
        *(f"GRANT ALL PRIVILEGES ON `{db}`.* TO %(user)s@'127.0.0.1'" for db in app_dbs),
        # Debezium: read the binlog and snapshot the source databases.
        "CREATE USER IF NOT EXISTS %(cdc)s@'127.0.0.1' IDENTIFIED BY %(cdc_password)s",
        "ALTER USER %(cdc)s@'127.0.0.1' IDENTIFIED BY %(cdc_password)s",
        "GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, REPLICATION CLIENT,"
        " BINLOG MONITOR ON *.* TO %(cdc)s@'127.0.0.1'",
        "FLUSH PRIVILEGES",
    ]
    params = {
        "root": s.mariadb_root_password,
        "user": s.mariadb_user,
        "password": s.mariadb_password,
        "cdc": s.mariadb_cdc_user,
        "cdc_password": s.mariadb_cdc_password,
    }
    with conn, conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)
        conn.commit()


def setup_postgres(ctx: Context) -> None:
    import psycopg2
    from psycopg2 import sql

    s = ctx.settings
    conn = psycopg2.connect(host=str(ctx.paths.run / "postgres"), port=s.postgres_port, user="postgres")
    conn.autocommit = True  # CREATE DATABASE cannot run in a transaction block
    with conn.cursor() as cursor:
        for role, password, database in (
            ("airflow", s.postgres_airflow_password, "airflow"),
            ("hive", s.postgres_hive_password, "metastore"),
        ):
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            cursor.execute(
                sql.SQL(verb + " ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(role)), (password,)
            )
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if not cursor.fetchone():
                cursor.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(database), sql.Identifier(role)
                    )
                )
    conn.close()


def setup_hdfs(ctx: Context) -> None:
    """The lake's top folders and the Hive warehouse, through WebHDFS (idempotent MKDIRS)."""
    base = ctx.settings.webhdfs_url
    for path, permission in (("/lake", "755"), ("/user/hive/warehouse", "777"), ("/tmp", "1777")):
        url = f"{base}/webhdfs/v1{path}?op=MKDIRS&permission={permission}&user.name=root"
        request = urllib.request.Request(url, method="PUT")
        with urllib.request.urlopen(request, timeout=10) as response:
            if not json.loads(response.read()).get("boolean"):
                raise RuntimeError(f"WebHDFS MKDIRS {path} failed")


INITIALISE: dict[str, Callable[[Context], None]] = {
    "mariadb": init_mariadb,
    "postgres": init_postgres,
    "kafka": init_kafka,
    "hdfs-namenode": init_namenode,
    "mongo": init_mongo,
    "airflow-api-server": init_airflow,
}

AFTER_START: dict[str, Callable[[Context], None]] = {
    "mariadb": setup_mariadb,
    "postgres": setup_postgres,
    "hdfs-datanode": setup_hdfs,
}
