"""Kill -9 the Kafka broker while ratings flow: supervisord restarts it, and every event the
producer sent lands in Delta once.

The producer is the platform's (idempotent, `acks=all`, retrying for up to 120 s), so it resends
what the dead broker had not acknowledged; the stream reads on from its checkpoint once the broker
is back (or, if its query died with the broker, supervisord restarts it too). Exactly-once is
checked as in the stream's own crash test: rows = distinct userIds = distinct offsets = events.

Marked `restart`: it runs alone after the two e2e lanes, since every other test's Kafka traffic
(Connect, the channels, the bank's CDC) stalls while the broker is down.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest

from datalake.platform.paths import get_paths
from datalake.platform.supervisor import Supervisor
from tests.background import Background

pytestmark = [pytest.mark.e2e, pytest.mark.restart]

EVENTS = 30_000
RATE = 1_000.0  # events/s: ~30 s of flow, the kill lands in the middle
BROKER = "kafka"


def test_kill_minus_9_of_the_broker_mid_stream_loses_and_duplicates_nothing(
    e2e: Any, user_ids: Any, sql: Any
) -> None:
    e2e.ensure_stream_running()
    ids = user_ids(2, EVENTS)
    now = int(time.time())
    events = [
        {"userId": ids[i], "movieId": 1 + i % 500, "rating": 0.5 + (i % 10) / 2, "timestamp": now}
        for i in range(EVENTS)
    ]
    keys = [str(ids[i]).encode() for i in range(EVENTS)]
    sender = Background(lambda: e2e.produce(events, rate=RATE, keys=keys), "the producer")
    e2e.wait_for(
        lambda: e2e.range_counts(sql, ids)[0], 120, "the first events of this run in Delta", every=1.0
    )

    supervisor = Supervisor(get_paths())
    broker = supervisor.pid(BROKER)
    assert broker, f"{BROKER} is not running"
    assert sender.running(), "the producer finished before the kill: raise EVENTS"
    os.kill(broker, signal.SIGKILL)
    killed_at = time.monotonic()

    restarted = e2e.wait_for(
        lambda: (p := supervisor.pid(BROKER)) not in (0, broker) and p,
        120,
        f"supervisord to restart {BROKER}",
        every=1.0,
    )
    restarted_s = time.monotonic() - killed_at
    assert sender.result(timeout=240) == EVENTS

    e2e.assert_landed_once(sql, ids, EVENTS, "the broker's kill -9")
    print(
        f"{BROKER} {broker} killed, {restarted} restarted by supervisord in {restarted_s:.1f}s; "
        f"all {EVENTS} events in Delta once, {time.monotonic() - killed_at:.1f}s after the kill"
    )
