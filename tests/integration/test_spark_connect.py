"""The Spark Connect server DAG tasks run their jobs on: a job file run as its client writes a
Delta table the Thrift server serves, and a client without the platform's token is refused."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from datalake import thrift
from datalake.settings import REPO_ROOT, get_settings
from datalake.spark import connect_builder


def test_a_job_file_run_as_a_client_writes_a_table_the_thrift_server_serves(unique: str) -> None:
    """What a DAG task does (datalake.spark_connect): the job's own file, SPARK_REMOTE set."""
    table = f"platform.it_connect_{unique}"
    try:
        job_file = REPO_ROOT / "jobs/platform/healthcheck_delta.py"
        job = subprocess.run(
            [sys.executable, str(job_file), "--run-date", "2026-01-03", "--table", table],
            env={**os.environ, "SPARK_REMOTE": get_settings().spark_connect_url},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert job.returncode == 0, job.stdout + job.stderr
        assert "registered in the metastore" in job.stdout
        rows = thrift.rows(f"SELECT CAST(run_date AS STRING), COUNT(*) FROM {table} GROUP BY run_date")
        assert rows == [("2026-01-03", 100)]
    finally:
        thrift.rows(f"DROP TABLE IF EXISTS {table}")


@pytest.mark.parametrize("token", ["", "not-the-token"])
def test_a_client_without_the_token_is_refused(token: str) -> None:
    """(`connect_builder` leaves the test process able to spark-submit: later tests do.)"""
    spark = connect_builder(get_settings().spark_connect_url, token).create()
    try:
        with pytest.raises(Exception, match=r"(?i)unauthenticated|token"):
            spark.sql("SELECT 1").collect()
    finally:
        spark.stop()
