"""Which raw files `compact_raw` merges and which it deletes: pure planning, no filesystem."""

from __future__ import annotations

from datetime import date

from datalake.jobs.platform.compact_raw import RawFile, closed_days, committed_name, covered, merges, parse

T = "cdc.santander.operations"


def raw(start: int, end: int, partition: int = 0, size: int = 10, topic: str = T) -> RawFile:
    return RawFile(topic, partition, start, end, size, committed_name(topic, partition, start, end))


def test_names_round_trip_and_others_are_not_raw_files() -> None:
    name = committed_name(T, 2, 5, 99)
    assert name == f"{T}+2+{5:020d}+{99:020d}.jsonl"
    assert parse(name, 7) == RawFile(T, 2, 5, 99, 7, name)
    assert parse(f".{T}+0+{0:020d}.abc.tmp", 1) is None
    assert parse(".compact-" + name, 1) is None
    assert parse("_SUCCESS", 0) is None


def test_contiguous_files_of_a_partition_merge_into_one_run_all_but_the_last() -> None:
    files = [raw(10, 19), raw(0, 9), raw(20, 29), raw(30, 39)]
    assert merges(files, max_bytes=1_000) == [[raw(0, 9), raw(10, 19), raw(20, 29)]]


def test_the_partitions_last_file_is_never_merged() -> None:
    # The sink resumes after the highest end it lists: that file is never renamed nor deleted.
    assert merges([raw(0, 9), raw(10, 19)], max_bytes=1_000) == []


def test_a_gap_splits_runs_and_a_lone_file_is_left_alone() -> None:
    # 30..39 is in another day's folder (a record with another timestamp came in between).
    files = [raw(0, 9), raw(10, 19), raw(40, 49), raw(50, 59), raw(70, 79)]
    assert merges(files, max_bytes=1_000) == [[raw(0, 9), raw(10, 19)], [raw(40, 49), raw(50, 59)]]


def test_partitions_and_topics_never_mix() -> None:
    files = [raw(0, 9), raw(10, 19, partition=1), raw(10, 19, topic="cdc.santander.clients")]
    assert merges(files, max_bytes=1_000) == []


def test_runs_stop_at_the_size_cap() -> None:
    files = [
        raw(0, 9, size=40),
        raw(10, 19, size=40),
        raw(20, 29, size=40),
        raw(30, 39, size=40),
        raw(40, 49),
    ]
    assert merges(files, max_bytes=80) == [
        [raw(0, 9, size=40), raw(10, 19, size=40)],
        [raw(20, 29, size=40), raw(30, 39, size=40)],
    ]


def test_files_an_interrupted_merge_left_are_covered() -> None:
    merged = raw(0, 29)
    assert covered([raw(0, 9), raw(10, 19), merged, raw(30, 39)]) == [raw(0, 9), raw(10, 19)]
    assert covered([raw(0, 9), raw(10, 19)]) == []
    assert covered([raw(0, 9), raw(0, 9, partition=1)]) == []


def test_only_days_before_the_run_date_are_closed() -> None:
    folders = ["dt=2026-11-29", "dt=2026-11-27", "dt=2026-11-28", "dt=2026-11-30", "_tmp", "dt=bad"]
    assert closed_days(folders, date(2026, 11, 29)) == ["dt=2026-11-27", "dt=2026-11-28"]
