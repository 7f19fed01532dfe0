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

import time
from typing import Any

import pytest

from tests.faults import kill_and_wait

pytestmark = [pytest.mark.e2e, pytest.mark.restart]

EVENTS = 30_000
RATE = 1_000.0  # events/s: ~30 s of flow, the kill lands in the middle
BROKER = "kafka"


def test_kill_minus_9_of_the_broker_mid_stream_loses_and_duplicates_nothing(
    e2e: Any, user_ids: Any, sql: Any
) -> None:
    e2e.ensure_stream_running()
    ids = user_ids(2, EVENTS)
    sender = e2e.flow_started(sql, ids, RATE)

    assert sender.running(), "the producer finished before the kill: raise EVENTS"
    restart = kill_and_wait(BROKER)
    assert sender.result(timeout=240) == EVENTS

    e2e.assert_landed_once(sql, ids, EVENTS, "the broker's kill -9")
    print(
        f"{BROKER} {restart.pid} killed, {restart.new_pid} restarted by supervisord in "
        f"{restart.restarted_s:.1f}s, healthy in {restart.healthy_s:.1f}s; all {EVENTS} events in "
        f"Delta once, {time.monotonic() - restart.killed_at:.1f}s after the kill"
    )
