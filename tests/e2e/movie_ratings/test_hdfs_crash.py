"""Kill -9 the HDFS DataNode, then the NameNode, while ratings flow: supervisord restarts each, and
every event the producer sent lands in Delta once.

The lake has one DataNode (replication 1): while it is down no block can be written, and while the
NameNode is down no file can be opened, so the stream's micro-batch fails. Spark does not commit a
batch it could not write, and the query either retries it or dies and is restarted by supervisord
from its checkpoint: either way the Kafka offsets of a failed batch are read again, and Delta's
transaction log keeps a batch that did commit from being written twice. Checked as in the stream's
own crash test: rows = distinct userIds = distinct offsets = events.

Marked `restart`: it runs alone after the two e2e lanes, since the bank's lake sink and every
Spark job write to HDFS too (the test also checks that the bank's lake sink connector is RUNNING
after it; what the sink wrote is checked by the CDC fault tests, not here).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from datalake.connect.client import ConnectClient
from tests.faults import kill_and_wait

pytestmark = [pytest.mark.e2e, pytest.mark.restart]

EVENTS = 50_000
RATE = 1_000.0  # events/s: ~50 s of flow; the two kills and restarts took ~25 s of it here
PROGRAMS = ("hdfs-datanode", "hdfs-namenode")


def test_kill_minus_9_of_the_datanode_then_the_namenode_mid_stream(e2e: Any, user_ids: Any, sql: Any) -> None:
    e2e.ensure_stream_running()
    ids = user_ids(3, EVENTS)
    sender = e2e.flow_started(sql, ids, RATE)

    restarts = []
    for program in PROGRAMS:
        assert sender.running(), f"the producer finished before {program} was killed: raise EVENTS"
        restarts.append(kill_and_wait(program))
    assert sender.result(timeout=240) == EVENTS

    e2e.assert_landed_once(sql, ids, EVENTS, "kill -9 of the DataNode and the NameNode")
    ConnectClient().wait_running("lake-sink-cdc", timeout_s=240, interval_s=3)  # fails on FAILED
    first = restarts[0].killed_at
    print(
        "; ".join(f"{r.program} {r.pid} killed, healthy again in {r.healthy_s:.1f}s" for r in restarts)
        + f"; all {EVENTS} events in Delta once, {time.monotonic() - first:.1f}s after the first kill"
    )
