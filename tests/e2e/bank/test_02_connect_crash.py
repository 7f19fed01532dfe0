"""Kill -9 the Connect worker while the lake sink is writing: every record lands exactly once.

The test does not start the worker: supervisord restarts it by itself (autorestart), and the
connectors resume from their committed offsets.
"""

from __future__ import annotations

import pytest
from bank_e2e import OPERATIONS, CdcFault, generate, operations_end

from tests.background import Background

pytestmark = pytest.mark.e2e

ROWS = 60_000
WORKER = "kafka-connect"


def test_kill_connect_worker_mid_write_keeps_raw_zone_exactly_once(bank_platform: None) -> None:
    fault = CdcFault()
    fault.begin()
    loader = Background(lambda: generate(operations=ROWS), "the generator")
    # Debezium is streaming the new rows and the sink is writing them: now crash the worker.
    fault.kill(WORKER, grown=15_000)
    loader.result(timeout=180)
    resent = fault.settle()
    assert operations_end() >= fault.start + ROWS, f"the operations did not all reach {OPERATIONS}"
    print(
        f"{WORKER} {fault.restart.pid} killed, healthy again in {fault.restart.healthy_s:.1f}s; "
        f"{ROWS} new operations all in raw, {resent} sent twice by Debezium"
    )
