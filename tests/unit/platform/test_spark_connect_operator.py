"""The DAG tasks' Spark Connect operator runs a job file as a process of its own: the job gets
SPARK_REMOTE and its arguments, and its failure fails the task. A stand-in job file here: what
a real job does with SPARK_REMOTE is the integration tier's (tests/integration/test_spark_connect.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from datalake.spark import remote_url
from datalake.spark_connect import SparkConnectJobOperator

JOB = """\
import os, sys
print("remote", os.environ["SPARK_REMOTE"], *sys.argv[1:])
sys.exit(int(sys.argv[-1]))
"""


def _operator(job: Path, exit_code: int) -> SparkConnectJobOperator:
    return SparkConnectJobOperator(
        task_id="job",
        application=str(job),
        application_args=["--run-date", "2026-01-02", str(exit_code)],
        remote="sc://localhost:15002",
    )


def test_the_job_gets_spark_remote_and_its_arguments(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    job = tmp_path / "job.py"
    job.write_text(JOB)
    _operator(job, 0).execute({})
    # The job's output is the task's log (Airflow's logger writes to stdout outside a task runner).
    assert "remote sc://localhost:15002 --run-date 2026-01-02 0" in capfd.readouterr().out


def test_a_failing_job_fails_the_task_with_its_last_line(tmp_path: Path) -> None:
    job = tmp_path / "job.py"
    job.write_text(JOB)
    with pytest.raises(
        RuntimeError, match=r"exited with 3: remote sc://localhost:15002 --run-date 2026-01-02 3"
    ):
        _operator(job, 3).execute({})


def test_the_token_rides_in_the_url_only_when_there_is_one() -> None:
    assert remote_url("sc://localhost:15002", "s3cret") == "sc://localhost:15002/;token=s3cret"
    assert remote_url("sc://localhost:15002/", "") == "sc://localhost:15002/"


def test_a_connect_session_does_not_mark_the_process_as_spark_connect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`lake up` probes the server, then spark-submits the catalog load: a process marked with
    SPARK_CONNECT_MODE_ENABLED hands the mark to its spark-submits, whose sessions then fail
    (CONNECT_URL_NOT_SET). The session is created lazily: no server is needed here."""
    import os

    from datalake.spark import connect_builder

    monkeypatch.delenv("SPARK_CONNECT_MODE_ENABLED", raising=False)
    spark = connect_builder("sc://localhost:1", "token").create()
    try:
        assert "SPARK_CONNECT_MODE_ENABLED" not in os.environ
    finally:
        spark.client.close()  # not stop(): it would retry releasing the session for minutes
