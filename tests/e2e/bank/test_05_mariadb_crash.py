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

import threading
import time

import pymysql
import pytest
from bank_e2e import CdcFault, generate

from tests.background import Background

pytestmark = [pytest.mark.e2e, pytest.mark.restart]

ROWS = 15_000  # the kill comes at 6 000 new rows: the writer is mid-write either way
BATCH = 2_000
SERVER = "mariadb"


def _write(rows: int, restarted: threading.Event) -> tuple[int, bool]:
    """Add at least `rows` operations in batches, and go on until one batch has gone in after the
    restart: the writer is always mid-write at the kill. A batch the crash broke is retried."""
    added, after_restart = 0, False
    deadline = time.monotonic() + 300
    while not (added >= rows and after_restart) and time.monotonic() < deadline:
        back = restarted.is_set()
        try:
            added += generate(operations=BATCH).get("operations", 0)
        except pymysql.MySQLError:
            time.sleep(1)  # the server is down or restarting
        else:
            after_restart = after_restart or back
    return added, after_restart


def test_kill_minus_9_of_mariadb_mid_cdc_and_debezium_resumes(bank_platform: None) -> None:
    fault = CdcFault()
    fault.begin()
    restarted = threading.Event()
    writer = Background(lambda: _write(ROWS, restarted), "the writer")
    fault.kill(SERVER, grown=6_000)
    restarted.set()
    added, after_restart = writer.result(timeout=360)
    assert added >= ROWS and after_restart, (
        f"the writer added {added} rows; a batch after the restart: {after_restart}"
    )
    resent = fault.settle()
    print(
        f"{SERVER} {fault.restart.pid} killed, restarted by supervisord in {fault.restart.restarted_s:.1f}s, "
        f"healthy in {fault.restart.healthy_s:.1f}s; every committed operation in raw, {resent} sent "
        f"twice by Debezium; lake caught up {fault.recovered_s:.0f}s after the kill"
    )
