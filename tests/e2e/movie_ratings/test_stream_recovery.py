"""Kill -9 the streaming job while events flow, let it restart: every valid event lands once.

The events of this run carry userIds of their own (one per event), so exactly-once is checked as
count(*) == count(DISTINCT userId) == count(DISTINCT Kafka offset) == valid events produced, and
the malformed ones (tagged with the run id) must each be in the quarantine exactly once.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.background import Background

pytestmark = pytest.mark.e2e

EVENTS = 45_000
RATE = 1_000.0  # events/s: the flow lasts ~45 s; the first rows land in Delta well before its end
INVALID_EVERY = 50


def _events(e2e: Any, ids: Any, tag: str) -> tuple[list[dict[str, Any] | bytes], int, int]:
    now = int(time.time())  # after any date the DAG tests use, so the daily mart is unaffected
    events: list[dict[str, Any] | bytes] = []
    valid = invalid = 0
    for i in range(EVENTS):
        if i % INVALID_EVERY == INVALID_EVERY - 1:
            # Alternate a range error and a string-typed rating; both carry the tag for counting.
            rating: Any = 7.0 if invalid % 2 else "4.5"
            events.append(
                e2e.as_json({"userId": ids[i], "movieId": 1, "rating": rating, "timestamp": now, "tag": tag})
            )
            invalid += 1
        else:
            events.append(
                {"userId": ids[i], "movieId": 1 + i % 500, "rating": 0.5 + (i % 10) / 2, "timestamp": now}
            )
            valid += 1
    return events, valid, invalid


def test_kill_minus_9_mid_flight_loses_and_duplicates_nothing(
    e2e: Any, run_id: int, user_ids: Any, sql: Any
) -> None:
    e2e.ensure_stream_running()
    ids = user_ids(1, EVENTS)
    tag = f"e2e-recovery-{run_id}-{time.time_ns()}"
    events, valid, invalid = _events(e2e, ids, tag)

    keys = [str(ids[i]).encode() for i in range(EVENTS)]
    sender = Background(lambda: e2e.produce(events, rate=RATE, keys=keys), "the producer")

    # Kill once the first events are in Delta and the producer is still sending.
    landed = e2e.wait_for(
        lambda: e2e.range_counts(sql, ids)[0], 120, "the first events of this run in Delta", every=1.0
    )
    pid = e2e.ensure_stream_running()
    assert sender.running(), f"the producer finished before the kill ({landed} rows landed): raise EVENTS"
    e2e.kill_stream_hard(pid)

    e2e.restarted_by_supervisor(not_pid=pid)  # the test does not start it
    assert sender.result(timeout=180) == EVENTS

    e2e.assert_landed_once(sql, ids, valid, "kill -9 + restart")

    def quarantine_counts() -> tuple[int, int]:
        ((rows, offsets),) = sql(
            "SELECT count(*), count(DISTINCT kafka_partition, kafka_offset) "
            f"FROM movie_ratings.ratings_quarantine WHERE raw_value LIKE '%{tag}%'"
        )
        return int(rows), int(offsets)

    quarantined = e2e.wait_for(
        lambda: (q := quarantine_counts())[0] >= invalid and q,
        120,
        f"{invalid} malformed events in quarantine",
    )
    assert quarantined == (invalid, invalid), (
        f"quarantine rows, distinct offsets of this run = {quarantined}, expected {invalid} each"
    )
