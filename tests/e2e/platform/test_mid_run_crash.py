"""Kill -9 the Airflow scheduler, the Hive metastore or the Spark Connect server while a DAG run is
in flight: supervisord restarts it by itself and the run completes.

`platform_healthcheck` is the run (it writes only its own probe table). The program is killed
while the run's Spark task, which creates, writes and reads a metastore table, is running.
- The scheduler: the restarted one resets the dead one's task, whose process is then stopped, and
  the task's retry runs it again (which is why every DAG has retries).
- The metastore: killed once the job has made its first metastore call (its `get_database` in the
  metastore's audit log), so the calls that follow meet a dead or restarting metastore; the job's
  Hive client retries its connection, or the job fails and the task's retry runs it.
- The Spark Connect server (where the task's job runs, as its client): killed at the same point,
  mid-job; the client's session dies with it, the job fails, and the task's retry runs it on the
  restarted server.
Either way the test proves both halves of recovery: the program restarted by the supervisor (the
test never starts it) and the run brought to success.

Marked `restart`: it runs alone after the two e2e lanes, since every other run stalls while the
scheduler is down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from datalake.airflow_api import AirflowClient
from datalake.platform.paths import get_paths
from tests.faults import kill_and_wait, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.restart]

DAG = "platform_healthcheck"
KILL_DURING = "spark_delta_metastore"
JOB_DATABASE = "platform"  # the database the job creates first (jobs/platform/healthcheck_delta.py)


def _metastore_called(since: int) -> Callable[[], bool]:
    """True once the metastore's audit log, past byte `since`, shows the job's first call."""
    log = get_paths().log_of("hive-metastore")

    def called() -> bool:
        with log.open("rb") as f:
            f.seek(since)
            return f"get_database: {JOB_DATABASE}".encode() in f.read()

    return called


@pytest.mark.parametrize("program", ["airflow-scheduler", "hive-metastore", "spark-connect"])
def test_kill_minus_9_mid_run_and_the_run_completes(program: str) -> None:
    airflow = AirflowClient()
    airflow.unpause_when_parsed(DAG)
    audit_from = get_paths().log_of("hive-metastore").stat().st_size
    run_id = airflow.trigger(DAG, datetime.now(UTC).isoformat())

    wait_for(
        f"{KILL_DURING} to run",
        lambda: airflow.task_states(DAG, run_id).get(KILL_DURING) == "running",
        600,
    )
    if program in ("hive-metastore", "spark-connect"):
        wait_for("the job's first metastore call", _metastore_called(audit_from), 180, 0.2)
    restart = kill_and_wait(program)
    state = airflow.wait_for_run(DAG, run_id, timeout_s=900)
    assert state == "success", (
        f"run {run_id} ended {state} after {program} was killed:\n{airflow.failure_report(DAG, run_id)}"
    )
    tries = {t["task_id"]: t["try_number"] for t in airflow.task_instances(DAG, run_id)}
    print(
        f"{program} {restart.pid} killed, {restart.new_pid} restarted by supervisord in "
        f"{restart.restarted_s:.1f}s; run {run_id} succeeded {time.monotonic() - restart.killed_at:.1f}s "
        f"after the kill; tries {tries}"
    )
