"""Kill -9 the Connect worker while the lake sink is writing: every record lands exactly once."""

from __future__ import annotations

import os
import signal
import threading

import pytest
from bank_e2e import (
    connect_worker_pid,
    connectors_running,
    generate,
    raw_files,
    read_raw,
    wait_lake_caught_up,
    wait_until,
)

pytestmark = pytest.mark.e2e

OPERATIONS = "cdc.santander.operations"
ROWS = 60_000


def _end(topic: str) -> int:
    from datalake.connect import topic_end_offsets

    return sum(off for (t, _p), off in topic_end_offsets(r"cdc\..*").items() if t == topic)


def test_kill_connect_worker_mid_write_keeps_raw_zone_exactly_once(bank_platform: None) -> None:
    from datalake.connect import dead_letters, topic_end_offsets

    wait_until("the bank connectors to be RUNNING", connectors_running, 120)
    start = _end(OPERATIONS)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            generate(operations=ROWS)
        except BaseException as exc:
            errors.append(exc)

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    # Debezium is streaming the new rows and the sink is writing them: now crash the worker.
    wait_until(f"{OPERATIONS} to grow by 15000 records", lambda: _end(OPERATIONS) >= start + 15_000, 120, 0.5)
    pid = connect_worker_pid()
    os.kill(pid, signal.SIGKILL)

    loader.join(timeout=180)
    assert not loader.is_alive(), "the generator did not finish within 180 s"
    assert not errors, f"generator failed: {errors}"
    # The test does not start the worker: supervisord restarts it by itself (autorestart).
    new_pid = wait_until(
        "supervisord to restart kafka-connect", lambda: connect_worker_pid() not in (0, pid), 120
    )
    assert new_pid != pid
    wait_until("the bank connectors to be RUNNING after the restart", connectors_running, 240, 3)
    wait_lake_caught_up(timeout_s=300)

    dead = dead_letters("dlq.lake-sink-cdc")
    ends = topic_end_offsets(r"cdc\..*")
    assert _end(OPERATIONS) >= start + ROWS, "the operations did not all reach Kafka"
    for (topic, partition), end in sorted(ends.items()):
        files = [f for f in raw_files(topic) if f.partition == partition]
        covered: list[int] = []
        for f in files:
            assert f.start <= f.end, f"bad file name {f.path}"
            covered.extend(range(f.start, f.end + 1))
        duplicates = len(covered) - len(set(covered))
        assert duplicates == 0, f"{topic}[{partition}]: {duplicates} offsets in more than one committed file"
        missing = set(range(end)) - set(covered) - {o for (t, p, o) in dead if (t, p) == (topic, partition)}
        assert not missing, (
            f"{topic}[{partition}]: {len(missing)} offsets missing, first {sorted(missing)[:10]}"
        )
        extra = set(covered) - set(range(end))
        assert not extra, f"{topic}[{partition}]: offsets beyond the end offset {end}: {sorted(extra)[:10]}"
        # Contents of every file the crash window could touch: each line is the offset its name says.
        for f in files:
            if topic == OPERATIONS and f.end < start:
                continue
            offsets = [line["offset"] for line in read_raw(f.path)]
            assert offsets == list(range(f.start, f.end + 1)) or (
                set(offsets) <= set(range(f.start, f.end + 1))
                and set(range(f.start, f.end + 1)) - set(offsets)
                <= {o for (t, p, o) in dead if (t, p) == (topic, partition)}
            ), f"{f.path}: lines hold offsets {offsets[:5]}... not the file's range"
            assert len(offsets) == len(set(offsets)), f"{f.path}: duplicate lines"
            assert all(
                line["topic"] == topic and line["partition"] == partition for line in read_raw(f.path)[:1]
            )
