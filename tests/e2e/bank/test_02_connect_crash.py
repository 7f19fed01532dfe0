"""Kill -9 the Connect worker while the lake sink is writing: every record lands exactly once."""

from __future__ import annotations

import os
import signal

import pytest
from bank_e2e import (
    OPERATIONS,
    assert_raw_zone_exactly_once,
    connect_worker_pid,
    connectors_running,
    generate,
    operations_end,
    wait_lake_caught_up,
    wait_until,
)

from tests.background import Background

pytestmark = pytest.mark.e2e

ROWS = 60_000


def test_kill_connect_worker_mid_write_keeps_raw_zone_exactly_once(bank_platform: None) -> None:
    wait_until("the bank connectors to be RUNNING", connectors_running, 120)
    start = operations_end()
    loader = Background(lambda: generate(operations=ROWS), "the generator")
    # Debezium is streaming the new rows and the sink is writing them: now crash the worker.
    wait_until(f"{OPERATIONS} to grow by 15000 records", lambda: operations_end() >= start + 15_000, 120, 0.5)
    pid = connect_worker_pid()
    os.kill(pid, signal.SIGKILL)

    loader.result(timeout=180)
    # The test does not start the worker: supervisord restarts it by itself (autorestart).
    new_pid = wait_until(
        "supervisord to restart kafka-connect", lambda: connect_worker_pid() not in (0, pid), 120
    )
    assert new_pid != pid
    wait_until("the bank connectors to be RUNNING after the restart", connectors_running, 240, 3)
    wait_lake_caught_up(timeout_s=300)

    assert operations_end() >= start + ROWS, "the operations did not all reach Kafka"
    assert_raw_zone_exactly_once(OPERATIONS, start)
