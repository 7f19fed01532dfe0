"""Kill -9 the Airflow scheduler while a DAG run is in flight: supervisord restarts it by itself and
the run completes.

`platform_healthcheck` is the run (it writes only its own probe table). The scheduler is killed
while the run's Spark task is running. The restarted scheduler resets the dead one's task, whose
process is then stopped, and the task's retry runs it again (which is why every DAG has retries):
the test proves both halves of recovery, the program restarted by the supervisor (the test never
starts it) and the run brought to success by the new scheduler.

Marked `restart`: it runs alone after the two e2e lanes, since every other run stalls while the
scheduler is down.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import pytest
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from datalake.airflow_api import AirflowClient
from datalake.platform.paths import get_paths
from datalake.platform.supervisor import Supervisor

pytestmark = [pytest.mark.e2e, pytest.mark.restart]

DAG = "platform_healthcheck"
PROGRAM = "airflow-scheduler"
KILL_DURING = "spark_delta_metastore"
T = TypeVar("T")


def _wait(what: str, probe: Callable[[], T], timeout_s: float) -> T:
    """`probe()` once it is truthy, polled every second; fails naming `what` after `timeout_s`."""

    def timed_out(_: object) -> T:
        raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")

    retrying = Retrying(
        stop=stop_after_delay(timeout_s),
        wait=wait_fixed(1),
        retry=retry_if_result(lambda value: not value),
        retry_error_callback=timed_out,
    )
    return retrying(probe)


def test_kill_minus_9_of_the_scheduler_mid_run_and_the_run_completes() -> None:
    airflow = AirflowClient()
    airflow.wait_for_dag(DAG)
    airflow.set_paused(DAG, False)
    run_id = airflow.trigger(DAG, datetime.now(UTC).isoformat())

    _wait(
        f"{KILL_DURING} to run",
        lambda: airflow.task_states(DAG, run_id).get(KILL_DURING) == "running",
        600,
    )
    supervisor = Supervisor(get_paths())
    before = supervisor.pid(PROGRAM)  # 0 while it is not running
    assert before, f"{PROGRAM} is not running"
    os.kill(before, signal.SIGKILL)
    killed_at = time.monotonic()

    after = _wait(
        f"supervisord to restart {PROGRAM}",
        lambda: (p := supervisor.pid(PROGRAM)) not in (0, before) and p,
        120,
    )
    restarted_s = time.monotonic() - killed_at
    state = airflow.wait_for_run(DAG, run_id, timeout_s=900)
    assert state == "success", (
        f"run {run_id} ended {state} after the scheduler was killed:\n{airflow.failure_report(DAG, run_id)}"
    )
    tries = {t["task_id"]: t["try_number"] for t in airflow.task_instances(DAG, run_id)}
    print(
        f"{PROGRAM} {before} killed, {after} restarted by supervisord in {restarted_s:.1f}s; "
        f"run {run_id} succeeded {time.monotonic() - killed_at:.1f}s after the kill; tries {tries}"
    )
