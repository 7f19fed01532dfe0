"""Kill -9 the Kafka broker while Debezium streams new operations and the lake sink writes them:
supervisord restarts the broker, the connectors carry on by themselves, and every new row of
`santander.operations` is in the raw zone, each Kafka offset in exactly one file.

Marked `restart`: it runs alone after the two e2e lanes, since every other test's Kafka traffic
stalls while the broker is down. Debezium is at-least-once: a change the dead broker had taken but
not acknowledged can be sent again under a new offset. The test counts such second copies and
reports them (the curated tables keep the last event per key, so they do not show there).
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from bank_e2e import (
    OPERATIONS,
    assert_raw_zone_exactly_once,
    connectors_running,
    generate,
    mariadb_exec,
    operations_end,
    raw_files,
    read_raw,
    wait_lake_caught_up,
    wait_until,
)

from datalake.platform.paths import get_paths
from datalake.platform.supervisor import Supervisor
from tests.background import Background

pytestmark = [pytest.mark.e2e, pytest.mark.restart]

ROWS = 40_000
BROKER = "kafka"


def test_kill_minus_9_of_the_broker_mid_cdc_loses_nothing(bank_platform: None) -> None:
    wait_until("the bank connectors to be RUNNING", connectors_running, 120)
    wait_lake_caught_up(timeout_s=300)
    start = operations_end()
    ((first_id,),) = mariadb_exec("SELECT COALESCE(MAX(id), 0) FROM santander.operations")[0]
    loader = Background(lambda: generate(operations=ROWS), "the generator")
    wait_until(f"{OPERATIONS} to grow by 10000 records", lambda: operations_end() >= start + 10_000, 120, 0.5)
    supervisor = Supervisor(get_paths())
    broker = supervisor.pid(BROKER)
    os.kill(broker, signal.SIGKILL)
    killed_at = time.monotonic()
    wait_until(f"supervisord to restart {BROKER}", lambda: supervisor.pid(BROKER) not in (0, broker), 120, 1)
    restarted_s = time.monotonic() - killed_at

    loader.result(timeout=240)
    wait_until("the bank connectors to be RUNNING after the restart", connectors_running, 240, 3)
    wait_lake_caught_up(timeout_s=420)
    recovered_s = time.monotonic() - killed_at

    assert_raw_zone_exactly_once(OPERATIONS, start)
    new_ids = {
        row[0] for row in mariadb_exec(f"SELECT id FROM santander.operations WHERE id > {first_id}")[0]
    }
    seen: list[int] = []
    for f in raw_files(OPERATIONS):
        if f.end >= start:
            seen.extend(
                line["value"]["after"]["id"]
                for line in read_raw(f.path)
                if line["value"] and line["value"].get("op") in ("c", "r") and line["value"]["after"]
            )
    missing = new_ids - set(seen)
    assert not missing, f"{len(missing)} new operations not in the raw zone, first {sorted(missing)[:10]}"
    resent = len([i for i in seen if i in new_ids]) - len(new_ids)
    print(
        f"{BROKER} {broker} killed, restarted by supervisord in {restarted_s:.1f}s; {len(new_ids)} new "
        f"operations all in raw, {resent} sent twice by Debezium; lake caught up {recovered_s:.0f}s after the kill"
    )
