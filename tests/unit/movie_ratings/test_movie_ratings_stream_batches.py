"""The stream's per-batch write plan: file counts, skipped empty tables, the session settings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from datalake.generators.movie_ratings import Catalog, SyntheticRatings
from datalake.jobs.movie_ratings import stream_sink
from datalake.jobs.movie_ratings.stream_ratings import STREAM_CONF, parse_args
from datalake.jobs.movie_ratings.stream_sink import batch_writer, output_files, should_compact


@pytest.mark.parametrize(
    ("rows", "max_files", "files"),
    [(0, 2, 1), (1, 2, 1), (250_000, 2, 1), (250_001, 2, 2), (10_000_000, 2, 2), (10_000_000, 8, 8)],
)
def test_a_trickle_writes_one_file_a_flood_one_per_core(rows: int, max_files: int, files: int) -> None:
    assert output_files(rows, max_files) == files


def test_snapshot_partitions_are_sized_for_two_cores() -> None:
    # Delta's default of 50 made every trickle commit run 50-task jobs on local[2] (the seed's 30 s).
    assert int(STREAM_CONF["spark.databricks.delta.snapshotPartitions"]) <= 2


@pytest.mark.parametrize(
    ("every", "compacting_ids"),
    [(50, [49, 99]), (3, [2, 5, 8]), (1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), (0, [])],
)
def test_compaction_runs_after_every_nth_batch(every: int, compacting_ids: list[int]) -> None:
    horizon = compacting_ids[-1] + 1 if compacting_ids else 100
    assert [b for b in range(horizon) if should_compact(b, every)] == compacting_ids


def test_compaction_rewrites_only_small_files() -> None:
    # A flood's batch (100 000 rows, ~1.6 MB) must never qualify, or a compaction stalls the stream.
    assert int(STREAM_CONF["spark.databricks.delta.optimize.minFileSize"]) <= 1_000_000
    assert parse_args([]).compact_every == 50


def test_defaults_split_a_single_partition_topic_across_two_tasks() -> None:
    args = parse_args([])
    assert args.min_partitions == 2 and args.max_offsets_per_trigger == 200_000


class _Writer:
    """Records what `frame.coalesce(n).write.format().mode().option()...save(path)` was asked."""

    def __init__(self, log: list[dict[str, Any]], files: int) -> None:
        self.entry: dict[str, Any] = {"files": files, "options": {}}
        self.log = log

    def format(self, name: str) -> _Writer:
        self.entry["format"] = name
        return self

    def mode(self, name: str) -> _Writer:
        self.entry["mode"] = name
        return self

    def partitionBy(self, *columns: str) -> _Writer:
        self.entry["partitions"] = list(columns)
        return self

    def option(self, key: str, value: Any) -> _Writer:
        self.entry["options"][key] = value
        return self

    def save(self, path: str) -> None:
        self.entry["path"] = path
        self.log.append(self.entry)


class _Frame:
    def __init__(self, log: list[dict[str, Any]]) -> None:
        self.log = log

    def coalesce(self, n: int) -> Any:
        frame = self

        class _Coalesced:
            write = _Writer(frame.log, n)

        return _Coalesced()


@pytest.mark.parametrize(
    ("total", "rejected", "paths"), [(10, 0, ["R"]), (3, 3, ["Q"]), (5, 2, ["R", "Q"]), (0, 0, [])]
)
def test_only_tables_with_rows_are_written_each_idempotently(
    spark: Any, monkeypatch: pytest.MonkeyPatch, total: int, rejected: int, paths: list[str]
) -> None:
    log: list[dict[str, Any]] = []

    class _Parsed:
        def persist(self) -> _Parsed:
            return self

        def unpersist(self) -> None:
            log.append({"unpersisted": True})

        def select(self, *_: Any) -> Any:
            class _Counts:
                @staticmethod
                def first() -> tuple[int, int]:
                    return total, rejected

            return _Counts()

    monkeypatch.setattr(stream_sink, "parse_ratings", lambda batch: _Parsed())
    monkeypatch.setattr(stream_sink, "valid", lambda parsed: _Frame(log))
    monkeypatch.setattr(stream_sink, "quarantined", lambda parsed: _Frame(log))
    batch_writer("R", "Q", "app")(object(), 7)  # type: ignore[arg-type]

    writes = [e for e in log if "path" in e]
    assert [w["path"] for w in writes] == paths
    for w in writes:
        assert w["format"] == "delta" and w["mode"] == "append" and w["files"] == 1
        assert w["partitions"] == (["source"] if w["path"] == "R" else [])
        assert w["options"]["txnVersion"] == 7
        assert w["options"]["txnAppId"] == "app." + ("ratings" if w["path"] == "R" else "ratings_quarantine")
    assert log[-1] == {"unpersisted": True}


def test_draw_arrays_is_the_event_stream_in_bulk() -> None:
    catalog = Catalog.zipf(n_movies=50, n_users=20, seed=1)
    source = SyntheticRatings(catalog, seed=3)
    users, movies, ratings = source.draw_arrays(np.random.default_rng(3), 10_000)
    assert len(users) == len(movies) == len(ratings) == 10_000
    assert set(np.unique(ratings) * 2) <= set(range(1, 11))
    assert np.isin(movies, catalog.movie_ids).all()
