"""Kill -9 the Connect worker while the lake sink is writing: every record lands exactly once.

The test does not start the worker: supervisord restarts it by itself (autorestart), and the
connectors resume from their committed offsets.
"""

from __future__ import annotations

import pytest
from bank_e2e import OPERATIONS, CdcFault, operations_end

pytestmark = pytest.mark.e2e

ROWS = 60_000
WORKER = "kafka-connect"


def test_kill_connect_worker_mid_write_keeps_raw_zone_exactly_once(bank_platform: None) -> None:
    # Once Debezium is streaming the new rows and the sink is writing them, crash the worker.
    fault, resent = CdcFault.during_load(WORKER, ROWS, grown=15_000, timeout_s=180)
    assert operations_end() >= fault.start + ROWS, f"the operations did not all reach {OPERATIONS}"
    print(
        f"{WORKER} {fault.restart.pid} killed, healthy again in {fault.restart.healthy_s:.1f}s; "
        f"{ROWS} new operations all in raw, {resent} sent twice by Debezium"
    )
