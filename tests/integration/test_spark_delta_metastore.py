"""A Delta table written to HDFS by one Spark application, registered in the shared metastore, is
readable by a second Spark application and by SQL clients through the Thrift server."""

from __future__ import annotations

from datalake import thrift
from datalake.settings import REPO_ROOT, get_settings


def test_delta_table_on_hdfs_is_shared_through_the_metastore(spark_submit, unique: str) -> None:
    table = f"it_{unique}"
    writer = spark_submit(
        str(REPO_ROOT / "jobs/platform/healthcheck_delta.py"),
        "--run-date",
        "2026-01-02",
        "--table",
        f"platform.{table}",
    )
    assert "registered in the metastore" in writer.stdout

    # A second, separate Spark application (the spark-sql CLI) finds it by name in the metastore.
    reader = spark_submit(
        "--class",
        "org.apache.spark.sql.hive.thriftserver.SparkSQLCLIDriver",
        "spark-internal",
        "-S",
        "-e",
        f"SELECT COUNT(*), MAX(n) FROM platform.{table}; DESCRIBE DETAIL platform.{table}",
    )
    lines = reader.stdout.strip().splitlines()
    assert lines[0].split("\t") == ["100", "99"]
    assert "delta" in lines[1] and get_settings().lake.curated("platform", table) in lines[1]

    # The Thrift server (HiveServer2 protocol) serves it to SQL clients.
    with thrift.connect() as conn:
        cursor = conn.cursor()
        cursor.execute(f"SELECT run_date, COUNT(*) FROM platform.{table} GROUP BY run_date")
        assert [(str(d), n) for d, n in cursor.fetchall()] == [("2026-01-02", 100)]
        cursor.execute(f"DROP TABLE platform.{table}")


def test_vacuum_deletes_the_files_an_overwrite_replaced(spark_submit, unique: str) -> None:
    """A scratch Delta table overwritten once keeps its first files on HDFS until `vacuum_delta`
    (retention 0 for this table) deletes them; the table still reads whole."""
    from urllib.parse import urlparse

    from datalake.hdfs import webhdfs

    table = f"platform.it_vacuum_{unique}"
    location = get_settings().lake.curated("platform", table.split(".")[1])

    def data_files() -> int:
        listing = webhdfs("GET", urlparse(location).path, "LISTSTATUS")
        listing.raise_for_status()
        return sum(f["pathSuffix"].endswith(".parquet") for f in listing.json()["FileStatuses"]["FileStatus"])

    try:
        with thrift.connect() as conn:
            cursor = conn.cursor()
            cursor.execute(f"CREATE TABLE {table} (n BIGINT) USING DELTA LOCATION '{location}'")
            cursor.execute(f"INSERT INTO {table} SELECT id FROM range(100)")
            cursor.execute(f"INSERT OVERWRITE {table} SELECT id FROM range(100, 200)")
        before = data_files()
        vacuumed = spark_submit(
            str(REPO_ROOT / "jobs/platform/vacuum_delta.py"),
            "--table",
            table,
            "--retain-hours",
            "0",
            "--below-delta-floor",
        )
        after = data_files()
        assert after < before
        assert f"{table}: {before - after} files" in vacuumed.stdout
        with thrift.connect() as conn:
            cursor = conn.cursor()
            cursor.execute(f"SELECT COUNT(*), MIN(n) FROM {table}")
            assert cursor.fetchall() == [(100, 100)]
    finally:
        with thrift.connect() as conn:
            conn.cursor().execute(f"DROP TABLE IF EXISTS {table}")
        webhdfs("DELETE", urlparse(location).path, "DELETE", recursive="true")
