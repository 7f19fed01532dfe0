"""Kill -9 MariaDB while the bank's operations are written and Debezium streams them: supervisord
restarts the server, Debezium reconnects and resumes from the GTIDs it had read, and every row
MariaDB committed is in the raw zone, each Kafka offset in exactly one file.

The writer commits in chunks and starts again when the server is gone: what the crash rolled back
is simply not in MariaDB, and the check is against the rows MariaDB has after the restart (InnoDB's
recovery decides what was committed, not the writer's counter).

Marked `restart`: it runs alone after the two e2e lanes, since the bank DAGs and the marts use
MariaDB.
"""

from __future__ import annotations

import time

import pymysql
import pytest
from bank_e2e import CdcFault, generate

from tests.background import Background

pytestmark = [pytest.mark.e2e, pytest.mark.restart]

ROWS = 30_000
BATCH = 2_000
SERVER = "mariadb"


def _write(rows: int) -> int:
    """Add `rows` operations in batches; a batch the crash broke is retried once the server is back."""
    added = 0
    deadline = time.monotonic() + 300
    while added < rows and time.monotonic() < deadline:
        try:
            added += generate(operations=BATCH).get("operations", 0)
        except pymysql.MySQLError:
            time.sleep(1)  # the server is down or restarting
    return added


def test_kill_minus_9_of_mariadb_mid_cdc_and_debezium_resumes(bank_platform: None) -> None:
    fault = CdcFault()
    fault.begin()
    writer = Background(lambda: _write(ROWS), "the writer")
    fault.kill(SERVER, grown=6_000)
    assert writer.result(timeout=360) >= ROWS, "the writer did not get its rows in after the restart"
    resent = fault.settle()
    print(
        f"{SERVER} {fault.pid} killed, restarted by supervisord in {fault.restarted_s:.1f}s; every "
        f"committed operation in raw, {resent} sent twice by Debezium; lake caught up "
        f"{fault.recovered_s:.0f}s after the kill"
    )
