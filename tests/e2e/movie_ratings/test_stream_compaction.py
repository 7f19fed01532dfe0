"""The stream compacts its small files and stays exactly-once across the compaction commits.

The real job (`jobs/movie_ratings/stream_ratings.py`, spark-submit) drains a topic of its own in
small micro-batches into tables of its own, compacting every third batch. The bad events come in
the last batch, so the first compactions also meet a quarantine table that does not exist yet.
Then the checkpoint's last commit mark is deleted, as a crash between the Delta commit and the
checkpoint commit would leave it, and the job runs again: it replays that batch, and Delta must
skip it although OPTIMIZE commits came after the batch's own.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from datalake.settings import REPO_ROOT, get_settings

pytestmark = pytest.mark.e2e

EVENTS = 400
INVALID = 20  # bad events (a string rating), all in the last micro-batch
PER_BATCH = 50  # -> 8 micro-batches, one file each per table
COMPACT_EVERY = 3  # -> compactions after batches 2 and 5


def _history(table: Path) -> list[str]:
    """The operation of every commit in a local copy of a Delta table, in version order."""
    operations = []
    for commit in sorted((table / "_delta_log").glob("*.json")):
        for line in commit.read_text().splitlines():
            info = json.loads(line).get("commitInfo")
            if info:
                operations.append(info["operation"])
    return operations


def test_compaction_keeps_every_event_once_and_replays_stay_skipped(
    e2e: Any, run_id: int, spark_submit: Any, tmp_path: Path
) -> None:
    from deltalake import DeltaTable

    topic = f"e2e.movieRatings.compaction.{run_id}.{time.time_ns()}"
    # The bad events come last: the quarantine table does not exist at the first compactions.
    events: list[dict[str, Any] | bytes] = [
        {"userId": i, "movieId": 1 + i % 7, "rating": 0.5 + i % 10 / 2, "timestamp": 1}
        for i in range(EVENTS - INVALID)
    ] + [
        e2e.as_json({"userId": i, "movieId": 1, "rating": "4.5", "timestamp": 1})
        for i in range(EVENTS - INVALID, EVENTS)
    ]
    e2e.produce(events, topic=topic)

    root = get_settings().lake.root + f"/_e2e/stream_compaction/{run_id}_{time.time_ns()}"
    job = [
        str(REPO_ROOT / "jobs/movie_ratings/stream_ratings.py"),
        *("--topic", topic, "--checkpoint", f"{root}/_checkpoint", "--app-id", f"e2e_{run_id}"),
        *("--ratings", f"{root}/ratings", "--quarantine", f"{root}/quarantine"),
        *("--available-now", "--max-offsets-per-trigger", str(PER_BATCH), "--min-partitions", "0"),
        *("--compact-every", str(COMPACT_EVERY)),
    ]
    spark_submit(*job)

    first = e2e.copy_delta_table(f"{root}/ratings", tmp_path / "first")
    operations = _history(first)
    assert operations.count("WRITE") == EVENTS // PER_BATCH
    assert operations.count("OPTIMIZE") == 2, f"expected two compactions, history: {operations}"
    table = DeltaTable(str(first))
    rows = table.to_pyarrow_table(columns=["kafka_offset"]).column("kafka_offset").to_pylist()
    assert len(rows) == len(set(rows)) == EVENTS - INVALID
    # Batches 0-2 and 3-5 were compacted into one file; batches 6 and 7 added one each.
    assert len(table.file_uris()) == 3, "the small files were not compacted"

    # A crash after the last Delta commit but before the checkpoint's commit mark: replay it.
    last = EVENTS // PER_BATCH - 1
    removed = e2e.hdfs("-rm", "-skipTrash", f"{root}/_checkpoint/commits/{last}")
    assert removed.returncode == 0, removed.stderr[-2000:]
    spark_submit(*job)
    assert e2e.hdfs("-test", "-e", f"{root}/_checkpoint/commits/{last}").returncode == 0, (
        f"batch {last} was not replayed"
    )

    again = e2e.copy_delta_table(f"{root}/ratings", tmp_path / "again")
    assert _history(again).count("WRITE") == EVENTS // PER_BATCH, "the replayed batch was appended again"
    rows = (
        DeltaTable(str(again)).to_pyarrow_table(columns=["kafka_offset"]).column("kafka_offset").to_pylist()
    )
    assert len(rows) == len(set(rows)) == EVENTS - INVALID
    quarantine = e2e.copy_delta_table(f"{root}/quarantine", tmp_path / "quarantine")
    assert DeltaTable(str(quarantine)).to_pyarrow_table().num_rows == INVALID
    e2e.hdfs("-rm", "-r", "-skipTrash", root)
