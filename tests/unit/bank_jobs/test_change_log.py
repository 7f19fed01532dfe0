"""Unit tests of the change log's pure parts: which files and lines a run reads past its offsets,
the offsets it stores after them, the MERGE it issues, and the last change per key it merges.
(The MERGE itself runs on Delta: tests/integration/test_incremental_cdc.py.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from datalake.jobs import change_log
from datalake.jobs.bank import curate_cdc as job
from datalake.jobs.bank.schemas import TABLES
from datalake.jobs.platform.compact_raw import committed_name

from .cdc_lines import CLIENT, event, land

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TOPIC = "cdc.santander.clients"
SPEC = TABLES["clients"]


def _folder(tmp_path: Path) -> Path:
    """Partition 0 in two sink files (0..1, 2..3), a merged file repeating 0..3, partition 1 in
    one file (0..0), and a file named otherwise (partition 1, offset 1)."""
    lines = [event(TOPIC, o, "c", after={**CLIENT, "id": o}) for o in range(4)]
    other = event(TOPIC, 0, "c", after={**CLIENT, "id": 10}, partition=1)
    later = event(TOPIC, 1, "c", after={**CLIENT, "id": 11}, partition=1)
    land(tmp_path, TOPIC, lines[:2], name=committed_name(TOPIC, 0, 0, 1))
    land(tmp_path, TOPIC, lines[2:], name=committed_name(TOPIC, 0, 2, 3), day="2024-05-02")
    land(tmp_path, TOPIC, lines, name=committed_name(TOPIC, 0, 0, 3), day="2024-05-03")
    land(tmp_path, TOPIC, [other], name=committed_name(TOPIC, 1, 0, 0))
    land(tmp_path, TOPIC, [later], name="hand-made.jsonl")
    return tmp_path / TOPIC


def _read(spark: SparkSession, folder: Path, marks: dict[int, int] | None) -> list[tuple[int, int, str]]:
    lines = job.read_raw(spark, str(folder), SPEC, marks)
    return sorted((r["partition"], r["offset"], Path(r["_file"]).name) for r in lines.collect())


def test_without_marks_every_line_is_read(spark: SparkSession, tmp_path: Path) -> None:
    read = _read(spark, _folder(tmp_path), None)
    assert len(read) == 2 + 2 + 4 + 1 + 1


def test_files_at_or_below_the_marks_are_skipped_and_lines_filtered_by_offset(
    spark: SparkSession, tmp_path: Path
) -> None:
    merged = committed_name(TOPIC, 0, 0, 3)
    read = _read(spark, _folder(tmp_path), {0: 2, 1: 0})
    # Partition 0 past 2: offset 3, from its sink file and the merged one; partition 1 past 0:
    # the file named otherwise is always read, its line kept by its own offset.
    assert read == sorted([(0, 3, committed_name(TOPIC, 0, 2, 3)), (0, 3, merged), (1, 1, "hand-made.jsonl")])
    assert _read(spark, _folder(tmp_path / "again"), {0: 3, 1: 1}) == []


def test_marks_are_the_ends_of_the_files_read(spark: SparkSession, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    assert change_log.read_marks(job.read_raw(spark, str(folder), SPEC, None), None) == {0: 3, 1: 1}
    # Nothing new in partition 1: its mark stays; partition 2 had none.
    after = change_log.read_marks(job.read_raw(spark, str(folder), SPEC, {0: 1, 1: 5}), {0: 1, 1: 5, 2: 7})
    assert after == {0: 3, 1: 5, 2: 7}


def test_last_change_per_key_keeps_deletes_marked(spark: SparkSession, tmp_path: Path) -> None:
    one, two = {**CLIENT, "id": 1}, {**CLIENT, "id": 2}
    lines = [
        event(TOPIC, 0, "c", after=one),
        event(TOPIC, 1, "u", before=one, after={**one, "renda_mensal": "5.00"}),
        event(TOPIC, 2, "c", after=two),
        event(TOPIC, 3, "d", before=two),
    ]
    events = job.read_events(spark, str(land(tmp_path, TOPIC, lines)), SPEC)
    changes = job.curate_changes(events, SPEC, "salt", date(2024, 5, 2))
    got = sorted((r["id"], r["cdc_op"], r[change_log.DELETE]) for r in changes.collect())
    assert got == [(1, "u", False), (2, "d", True)]
    columns = [(f.name, f.dataType) for f in changes.drop(change_log.DELETE).schema]
    assert columns == [(f.name, f.dataType) for f in SPEC.curated_schema]


def test_merge_deletes_updates_and_inserts_by_key() -> None:
    sql = change_log.merge_sql("db.t", "src", ["`symbol`", "`date`", "`close`"], ["symbol", "date"])
    assert sql == (
        "MERGE INTO db.t t USING src s ON t.`symbol` = s.`symbol` AND t.`date` = s.`date` "
        "WHEN MATCHED AND s._delete THEN DELETE "
        "WHEN MATCHED THEN UPDATE SET t.`symbol` = s.`symbol`, t.`date` = s.`date`, t.`close` = s.`close` "
        "WHEN NOT MATCHED AND NOT s._delete THEN INSERT (`symbol`, `date`, `close`) "
        "VALUES (s.`symbol`, s.`date`, s.`close`)"
    )


def test_a_file_named_at_or_below_the_marks_is_not_read_whatever_it_holds(
    spark: SparkSession, tmp_path: Path
) -> None:
    """The skip is by name, at file listing: a file named 0..3 is not opened past mark 3 (its
    line at offset 9 would pass the offset filter)."""
    land(
        tmp_path,
        TOPIC,
        [event(TOPIC, 9, "c", after={**CLIENT, "id": 9})],
        name=committed_name(TOPIC, 0, 0, 3),
    )
    assert _read(spark, tmp_path / TOPIC, {0: 3}) == []
    assert [offset for _, offset, _ in _read(spark, tmp_path / TOPIC, {0: 2})] == [9]


MARKED = '{"cdc_applied": {"0": 41, "1": 7}}'


def test_the_marks_of_the_newest_marked_commit_hold_across_commits_that_keep_the_rows() -> None:
    history = [
        ("VACUUM END", None),
        ("OPTIMIZE", None),
        ("MERGE", MARKED),
        ("WRITE", '{"cdc_applied": {"0": 1}}'),
    ]
    assert change_log.marks_in(history) == {0: 41, 1: 7}


def test_no_marks_hold_after_a_commit_that_changed_the_rows_without_them() -> None:
    assert change_log.marks_in([("RESTORE", None), ("MERGE", MARKED)]) is None
    assert change_log.marks_in([("DELETE", None), ("OPTIMIZE", None), ("MERGE", MARKED)]) is None
    assert change_log.marks_in([("SET TBLPROPERTIES", None), ("CREATE TABLE", None)]) is None
    assert change_log.marks_in([("MERGE", "a user's note"), ("WRITE", MARKED)]) is None
    assert change_log.marks_in([]) is None
