"""The open doors of issue 8 stay closed on the running platform (see docs/security.md).

Each test tries what a stranger on this machine would: root over TCP without a password, reading
files through SQL, the PostgreSQL socket, the lake as another HDFS user, the Thrift server with a
wrong password, Connect's REST API without credentials or with a variable it must not resolve.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import psutil
import psycopg2
import pymysql
import pytest
import requests

from datalake import thrift
from datalake.hdfs import webhdfs
from datalake.mariadb import connect
from datalake.platform.configs import mariadb_socket
from datalake.platform.paths import get_paths
from datalake.platform.provision import _OPEN_ACCOUNTS
from datalake.platform.supervisor import Supervisor
from datalake.settings import get_settings

S = get_settings()


def _mariadb_root_socket() -> pymysql.connections.Connection:
    return pymysql.connect(
        unix_socket=str(mariadb_socket(get_paths())), user="root", password=S.mariadb_root_password
    )


# ---- MariaDB -------------------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", socket.gethostname()])
@pytest.mark.parametrize("password", ["", "wrong"])
def test_root_over_tcp_is_refused_on_every_host_form(host: str, password: str) -> None:
    with pytest.raises(pymysql.err.OperationalError) as refused:
        pymysql.connect(host=host, port=S.mariadb_port, user="root", password=password, connect_timeout=5)
    # 1045: access denied; 2003: nothing listens on that address (loopback IPv4 only).
    assert refused.value.args[0] in (1045, 2003), refused.value


def test_root_logs_in_over_tcp_not_even_with_its_password() -> None:
    with pytest.raises(pymysql.err.OperationalError) as refused:
        pymysql.connect(host="127.0.0.1", port=S.mariadb_port, user="root", password=S.mariadb_root_password)
    assert refused.value.args[0] == 1045


def test_no_mariadb_account_is_left_without_credentials() -> None:
    with _mariadb_root_socket() as conn, conn.cursor() as cursor:
        cursor.execute(_OPEN_ACCOUNTS)
        assert cursor.fetchall() == ()


def test_load_file_cannot_read_the_machines_files() -> None:
    with _mariadb_root_socket() as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT @@secure_file_priv, LOAD_FILE('/etc/passwd'), LOAD_FILE(%s)", (str(S.var_dir),)
        )
        folder, passwd, var = cursor.fetchone()
    assert folder and folder.rstrip("/").endswith("mariadb-files")
    assert passwd is None and var is None
    with connect() as conn, conn.cursor() as cursor:  # the platform's user has no FILE privilege at all
        cursor.execute("SELECT LOAD_FILE('/etc/passwd')")
        assert cursor.fetchone() == (None,)


@pytest.fixture
def result_table(unique: str) -> Iterator[str]:
    table = f"movie_ratings.it_security_{unique}"
    with connect() as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, title VARCHAR(40))")
        cursor.execute(f"INSERT INTO {table} VALUES (1, 'Toy Story')")
        conn.commit()
    try:
        yield table
    finally:
        with connect() as conn, conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def test_analyst_reads_results_and_cannot_write_or_read_sources(result_table: str) -> None:
    analyst = pymysql.connect(
        host=S.mariadb_host,
        port=S.mariadb_port,
        user=S.mariadb_analyst_user,
        password=S.mariadb_analyst_password,
    )
    with analyst, analyst.cursor() as cursor:
        cursor.execute(f"SELECT title FROM {result_table}")
        assert cursor.fetchall() == (("Toy Story",),)
        for statement in (
            f"INSERT INTO {result_table} VALUES (2, 'x')",
            f"UPDATE {result_table} SET title = 'x'",
            f"DROP TABLE {result_table}",
            "CREATE TABLE movie_ratings.analyst_was_here (id INT)",
            "SELECT COUNT(*) FROM santander.clients",
        ):
            with pytest.raises(pymysql.err.OperationalError) as denied:
                cursor.execute(statement)
            assert denied.value.args[0] in (1142, 1044), statement  # command denied / db access denied


# ---- PostgreSQL ----------------------------------------------------------------------------------
@pytest.mark.parametrize("password", [None, "wrong"])
def test_postgres_socket_asks_for_the_password(password: str | None) -> None:
    with pytest.raises(psycopg2.OperationalError) as refused:
        psycopg2.connect(
            host=str(get_paths().run / "postgres"), port=S.postgres_port, user="postgres", password=password
        )
    assert "password" in str(refused.value)


# ---- HDFS ----------------------------------------------------------------------------------------
def test_another_hdfs_user_cannot_touch_the_raw_zone_or_delete_the_lake() -> None:
    stranger = "intruder"
    raw = S.lake.raw("kafka", "").removeprefix(S.hdfs_uri).rsplit("/kafka", 1)[0]
    assert webhdfs("GET", raw, "LISTSTATUS", user=stranger).status_code == 403
    assert webhdfs("PUT", f"{raw}/planted.txt", "CREATE", user=stranger, data=b"x").status_code == 403
    assert webhdfs("DELETE", "/lake", "DELETE", user=stranger, recursive="true").status_code == 403
    assert webhdfs("PUT", "/lake/curated/planted", "MKDIRS", user=stranger).status_code == 403
    # Curated tables (hashed CPFs, no names) are readable by everyone, as documented.
    assert webhdfs("GET", "/lake/curated", "LISTSTATUS", user=stranger).status_code == 200
    assert webhdfs("GET", raw, "GETFILESTATUS").json()["FileStatus"]["permission"] == "700"


# ---- Spark Thrift server -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("user", "password"), [(S.thrift_user, "wrong"), (S.thrift_user, ""), ("nobody", "x")]
)
def test_thrift_server_refuses_wrong_credentials(user: str, password: str) -> None:
    with pytest.raises(Exception, match="Error validating the login"):
        thrift.connect(user=user, password=password)


def test_thrift_server_serves_tables_not_raw_files() -> None:
    with thrift.connect() as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT 1")
        assert cursor.fetchall() == [(1,)]
        with pytest.raises(Exception, match="TABLE_OR_VIEW_NOT_FOUND"):
            cursor.execute("SELECT * FROM json.`/lake/raw/kafka` LIMIT 1")


# ---- Kafka Connect -------------------------------------------------------------------------------
def test_connect_rest_api_needs_credentials() -> None:
    assert requests.get(f"{S.connect_url}/connectors", timeout=10).status_code == 401
    wrong = requests.get(f"{S.connect_url}/connectors", auth=(S.connect_admin_user, "wrong"), timeout=10)
    assert wrong.status_code == 401


def test_a_connector_reading_a_variable_off_the_allow_list_is_refused(unique: str) -> None:
    from datalake.connect.client import ConnectClient
    from datalake.connect.errors import ConnectError

    client = ConnectClient()
    name = f"it-env-probe-{unique}"
    config = {
        "connector.class": "io.datalake.connect.lake.LakeSinkConnector",
        "topics": f"it-env-probe-{unique}",
        "lake.url": "${env:LAKE_FS_URL}",
        "topics.dir": "${env:MARIADB_ROOT_PASSWORD}",  # not in the worker's allow list
    }
    try:
        with pytest.raises(ConnectError, match=r"MARIADB_ROOT_PASSWORD\] are not on the worker's allow list"):
            client.put_config(name, config)
        assert name not in client.connectors()
    finally:
        client.delete(name)


# ---- OS accounts ---------------------------------------------------------------------------------
def test_no_service_process_runs_as_root() -> None:
    supervisor = Supervisor(get_paths())
    as_root = {}
    for name, state in supervisor.states().items():
        if state != "RUNNING":
            continue
        main = psutil.Process(supervisor.pid(name))
        for process in [main, *main.children(recursive=True)]:
            if 0 in (process.uids().real, process.uids().effective):
                as_root.setdefault(name, []).append(f"{process.pid} {process.name()}")
    assert as_root == {}


def test_sql_users_added_with_the_cli_log_in_without_a_restart(unique: str) -> None:
    from typer.testing import CliRunner

    from datalake.cli import app
    from datalake.platform.credentials import read_users, thrift_users_file

    users_file = thrift_users_file(get_paths())
    before = users_file.read_text()
    name, password = f"it_{unique}", f"pw-{unique}"
    try:
        result = CliRunner().invoke(app, ["sql-user", name, "--password", password])
        assert result.exit_code == 0, result.output
        with thrift.connect(user=name, password=password) as conn:
            cursor = conn.cursor()
            cursor.execute("SELECT 3")
            assert cursor.fetchall() == [(3,)]
        with pytest.raises(Exception, match="Error validating the login"):
            thrift.connect(user=name, password="not-" + password)
    finally:
        users_file.write_text(before)
    assert name not in read_users(users_file)
