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
