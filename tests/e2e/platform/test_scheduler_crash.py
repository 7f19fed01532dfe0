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
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import pytest

from datalake.airflow_api import AirflowClient
from datalake.platform.services import context

pytestmark = [pytest.mark.e2e, pytest.mark.restart]

DAG = "platform_healthcheck"
PROGRAM = "airflow-scheduler"
KILL_DURING = "spark_delta_metastore"
T = TypeVar("T")


def _pid() -> int:
    """The scheduler's pid as supervisord reports it (0 while it is not running)."""
    paths = context().paths
    out = subprocess.run(
        [str(paths.venv_bin / "supervisorctl"), "-c", str(paths.supervisor_conf), "pid", PROGRAM],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return int(out) if out.isdigit() else 0


def _wait(what: str, probe: Callable[[], T], timeout_s: float, every: float = 1.0) -> T:
    deadline = time.monotonic() + timeout_s
    while not (value := probe()):
        assert time.monotonic() < deadline, f"timed out after {timeout_s:.0f}s waiting for {what}"
        time.sleep(every)
    return value


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
    before = _pid()
    assert before, f"{PROGRAM} is not running"
    os.kill(before, signal.SIGKILL)
    killed_at = time.monotonic()

    after = _wait(f"supervisord to restart {PROGRAM}", lambda: (p := _pid()) not in (0, before) and p, 120)
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
