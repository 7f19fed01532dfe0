"""MariaDB (the OLTP source and warehouse) and PostgreSQL (Airflow + metastore) answer real queries."""

from __future__ import annotations

import psycopg2

from datalake.mariadb import connect
from datalake.settings import get_settings


def test_mariadb_write_and_read_with_the_platform_user(unique: str) -> None:
    table = f"movie_ratings.it_{unique}"
    with connect() as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR(20))")
        cursor.executemany(f"INSERT INTO {table} VALUES (%s, %s)", [(1, "um"), (2, "dois")])
        conn.commit()
        cursor.execute(f"SELECT name FROM {table} ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == ["um", "dois"]
        cursor.execute(f"DROP TABLE {table}")


def test_mariadb_binlog_is_ready_for_cdc() -> None:
    with connect() as conn, conn.cursor() as cursor:
        cursor.execute(
            "SHOW VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'binlog_row_image')"
        )
        assert dict(cursor.fetchall()) == {
            "log_bin": "ON",
            "binlog_format": "ROW",
            "binlog_row_image": "FULL",
        }


def test_postgres_holds_the_airflow_and_metastore_databases() -> None:
    s = get_settings()
    for user, password, database, table in (
        ("airflow", s.postgres_airflow_password, "airflow", "dag"),
        ("hive", s.postgres_hive_password, "metastore", '"DBS"'),
    ):
        conn = psycopg2.connect(
            host=s.postgres_host, port=s.postgres_port, user=user, password=password, dbname=database
        )
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                assert cursor.fetchone()[0] >= 1
        finally:
            conn.close()
