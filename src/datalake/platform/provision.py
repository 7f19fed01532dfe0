"""Idempotent set-up right after a service is up: accounts, grants, databases, the lake's folders.

Run on every `lake up` before dependants start. The rule for accounts (docs/security.md): every
account has a password from `.env`, on every host form; nothing here creates an account without
one, and `setup_mariadb` fails the start if it finds one.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlparse

if TYPE_CHECKING:
    from datalake.platform.launch import Context

# Written into the PostgreSQL data folder by `bootstrap.init_postgres`: passwords everywhere.
PG_HBA = """\
# Written by `lake up` (datalake.platform.provision): every connection gives a password.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 scram-sha-256
host    all       all   127.0.0.1/32  scram-sha-256
host    all       all   ::1/128       scram-sha-256
"""

# ---- MariaDB -------------------------------------------------------------------------------------
# Accounts whose credentials are empty: not locked, no password hash, and not a plugin that proves
# identity another way (unix_socket ties the account to the OS user of the same name).
_OPEN_ACCOUNTS = """
SELECT User, Host FROM mysql.global_priv
WHERE COALESCE(JSON_VALUE(Priv, '$.is_role'), '') NOT IN ('true', '1')
  AND COALESCE(JSON_VALUE(Priv, '$.account_locked'), '') NOT IN ('true', '1')
  AND COALESCE(JSON_VALUE(Priv, '$.authentication_string'), '') = ''
  AND COALESCE(JSON_VALUE(Priv, '$.plugin'), '') NOT IN ('unix_socket', 'gssapi', 'pam')
"""


class InsecureAccount(RuntimeError):
    """An account without credentials is left after set-up."""


def _mariadb_root(ctx: Context) -> Any:
    """root over the local socket: the generated password, or none on the very first start."""
    import pymysql

    from datalake.platform.configs import mariadb_socket

    socket_path = str(mariadb_socket(ctx.paths))
    try:
        return pymysql.connect(
            unix_socket=socket_path, user="root", password=ctx.settings.mariadb_root_password
        )
    except pymysql.err.OperationalError:
        return pymysql.connect(unix_socket=socket_path, user="root", password="")  # first start


def _literal(text: str) -> str:
    """Inside a quoted SQL literal of a statement pymysql formats with `%(name)s` parameters."""
    return text.replace("\\", "\\\\").replace("'", "''").replace("%", "%%")


def mariadb_statements(ctx: Context, extra_root_hosts: list[str]) -> list[str]:
    """The account and database statements, parameterised with `%(name)s` (see `setup_mariadb`)."""
    s = ctx.settings
    app_dbs = ["santander", "stock_market", *s.mariadb_result_databases]
    return [
        "ALTER USER 'root'@'localhost' IDENTIFIED BY %(root)s",
        # mariadb-install-db also creates root@127.0.0.1, root@::1 and root@<hostname> without a
        # password: root logs in over the local socket only.
        *(f"DROP USER IF EXISTS 'root'@'{_literal(host)}'" for host in extra_root_hosts),
        *(f"CREATE DATABASE IF NOT EXISTS `{db}`" for db in dict.fromkeys(app_dbs)),
        "CREATE USER IF NOT EXISTS %(user)s@'127.0.0.1' IDENTIFIED BY %(password)s",
        "ALTER USER %(user)s@'127.0.0.1' IDENTIFIED BY %(password)s",
        *(f"GRANT ALL PRIVILEGES ON `{db}`.* TO %(user)s@'127.0.0.1'" for db in dict.fromkeys(app_dbs)),
        # Debezium: read the binlog and snapshot the source databases.
        "CREATE USER IF NOT EXISTS %(cdc)s@'127.0.0.1' IDENTIFIED BY %(cdc_password)s",
        "ALTER USER %(cdc)s@'127.0.0.1' IDENTIFIED BY %(cdc_password)s",
        "GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, REPLICATION CLIENT,"
        " BINLOG MONITOR ON *.* TO %(cdc)s@'127.0.0.1'",
        # People who read results: SELECT on the result databases, nothing else.
        "CREATE USER IF NOT EXISTS %(analyst)s@'127.0.0.1' IDENTIFIED BY %(analyst_password)s",
        "ALTER USER %(analyst)s@'127.0.0.1' IDENTIFIED BY %(analyst_password)s",
        *(f"GRANT SELECT ON `{db}`.* TO %(analyst)s@'127.0.0.1'" for db in s.mariadb_result_databases),
        "FLUSH PRIVILEGES",
    ]


def setup_mariadb(ctx: Context) -> None:
    s = ctx.settings
    params = {
        "root": s.mariadb_root_password,
        "user": s.mariadb_user,
        "password": s.mariadb_password,
        "cdc": s.mariadb_cdc_user,
        "cdc_password": s.mariadb_cdc_password,
        "analyst": s.mariadb_analyst_user,
        "analyst_password": s.mariadb_analyst_password,
    }
    with _mariadb_root(ctx) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT Host FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost'")
        extra_root_hosts = [host for (host,) in cursor.fetchall()]
        cursor.execute("SELECT Host FROM mysql.global_priv WHERE User = ''")
        for (host,) in cursor.fetchall():  # anonymous accounts
            cursor.execute("DROP USER IF EXISTS ''@%s", (host,))
        for statement in mariadb_statements(ctx, extra_root_hosts):
            cursor.execute(statement, params)
        conn.commit()
        cursor.execute(_OPEN_ACCOUNTS)
        open_accounts = [f"'{user}'@'{host}'" for user, host in cursor.fetchall()]
    if open_accounts:
        raise InsecureAccount(
            f"MariaDB accounts without a password: {', '.join(open_accounts)}. Drop them or set a "
            "password (mariadb -uroot over the socket, password MARIADB_ROOT_PASSWORD in .env)."
        )


# ---- PostgreSQL ----------------------------------------------------------------------------------
def setup_postgres(ctx: Context) -> None:
    import psycopg2
    from psycopg2 import sql

    s = ctx.settings
    conn = psycopg2.connect(
        host=str(ctx.paths.run / "postgres"),
        port=s.postgres_port,
        user="postgres",
        password=s.postgres_superuser_password,
    )
    conn.autocommit = True  # CREATE DATABASE cannot run in a transaction block
    with conn.cursor() as cursor:
        for role, password, database in (
            ("airflow", s.postgres_airflow_password, "airflow"),
            ("hive", s.postgres_hive_password, "metastore"),
            ("superset", s.postgres_superset_password, "superset"),
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


# ---- HDFS ----------------------------------------------------------------------------------------
# The lake's zones and who may read them (docs/security.md): raw data (clear CPFs, names,
# addresses), quarantined payloads and streaming checkpoints are the service account's alone;
# curated and gold tables (hashed CPFs, no names) are readable by every HDFS user.
ZONE_MODES = {
    "": "755",
    "raw": "700",
    "quarantine": "700",
    "_checkpoints": "700",
    "curated": "755",
    "gold": "755",
}
OTHER_FOLDERS = {"/user/hive/warehouse": "755", "/tmp": "1777"}


def hdfs_layout(lake_root: str) -> dict[str, str]:
    """HDFS path -> octal permission of every folder the platform owns."""
    root = urlparse(lake_root).path.rstrip("/") or "/lake"
    zones = {f"{root}/{zone}".rstrip("/"): mode for zone, mode in ZONE_MODES.items()}
    return {**zones, **OTHER_FOLDERS}


def setup_hdfs(ctx: Context) -> None:
    """The lake's zones and the Hive warehouse, owned by the service account, modes as documented."""
    from datalake.hdfs import webhdfs

    for path, permission in hdfs_layout(ctx.settings.lake_root).items():
        steps: tuple[tuple[str, str, dict[str, Any]], ...] = (
            ("PUT", "MKDIRS", {"permission": permission}),
            ("PUT", "SETPERMISSION", {"permission": permission}),
            ("PUT", "SETOWNER", {"owner": ctx.service_user}),
        )
        for method, op, params in steps:
            response = webhdfs(method, path, op, settings=ctx.settings, **params)
            if response.status_code != 200:
                raise RuntimeError(
                    f"WebHDFS {op} {path} failed: {response.status_code} {response.text[:300]}"
                )


# ---- Superset ------------------------------------------------------------------------------------


def superset_databases(ctx: Context) -> dict[str, tuple[str, str]]:
    """What Superset's users query (key in services/superset/dashboards.yaml -> the name SQL Lab
    shows, the SQLAlchemy URI): every lake table through the Spark Thrift server (as the platform's
    SQL user), and MariaDB's results as the read-only analyst."""
    s = ctx.settings
    return {
        "lake": (
            "Lake (Spark Thrift)",
            f"hive://{quote(s.thrift_user)}:{quote(s.thrift_password, safe='')}"
            f"@{s.thrift_host}:{s.thrift_port}/default?auth=CUSTOM",
        ),
        "results": (
            "Results (MariaDB)",
            f"mysql+pymysql://{quote(s.mariadb_analyst_user)}:{quote(s.mariadb_analyst_password, safe='')}"
            f"@{s.mariadb_host}:{s.mariadb_port}/",
        ),
    }


def setup_superset(ctx: Context) -> None:
    """Superset's admin (the password of `.env`), its databases and its dashboards
    (services/superset/dashboards.yaml), by services/superset/provision.py in Superset's own
    interpreter: on every `lake up`, so an edit of the YAML or of `.env` is what the next start
    shows. Its dataset import asks the lake and MariaDB whether each table exists and only logs
    when they are not up yet (Superset does not wait for them: it is off the start's slowest chain)."""
    from datalake.platform.bootstrap import run_checked
    from datalake.platform.launch import service_environment, superset_environment

    s = ctx.settings
    env = {
        **superset_environment(ctx),
        **service_environment(ctx),
        "SUPERSET_ADMIN_USER": s.superset_admin_user,
        "SUPERSET_ADMIN_PASSWORD": s.superset_admin_password,
        "SUPERSET_DATABASES": json.dumps(superset_databases(ctx)),
    }
    python = ctx.paths.superset_venv / "bin" / "python"
    run_checked(
        [str(python), str(ctx.paths.services / "superset" / "provision.py")],
        ctx,
        env=env,
        user=ctx.service_user,
    )
