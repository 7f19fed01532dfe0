"""Applying a topic's change log (the lake sink's raw files) to a curated Delta table, incrementally.

Shared by the CDC-fed curations (`bank/curate_cdc.py`, `mongo/curate_marketing.py`). A table
remembers how far into the change log it is: the last Kafka offset applied per topic partition
(the *marks*), stored in the `userMetadata` of the Delta commit that applied them, so the rows and
the marks are committed together or not at all. A run then:

1. reads only the raw files past the marks: the sink names each file by its offset range
   (`topic+partition+start+end.jsonl`), so a filter on `_metadata.file_name` skips the others at
   file listing, before any byte is read; lines at or below the marks (a compaction's merged file
   can hold both) are dropped by their own offset;
2. computes the last change per key among those lines (a delete included);
3. MERGEs it into the table by key (delete, update, insert), with the new marks in the commit.

A table without marks (new, converted from Parquet, or after `--full-refresh`) is rebuilt from the
whole change log by one overwrite, which stores the marks too. Both give the same table
(tests/integration/test_incremental_cdc.py); the cost of a run grows with the new changes and the
size of the keys it touches, no longer with the history (docs/benchmarks.md).

Only the table's own commits carry marks. Reading them, commits that leave the rows as they were
(OPTIMIZE, VACUUM, property changes) are passed over; any other commit without marks (a RESTORE, a
hand-made DELETE) means the marks no longer describe the rows, and the table is rebuilt. So is a
quiet table whose marked commit has left the history Delta keeps (30 days of log by default). A
retried run after its MERGE committed reads the new marks and finds nothing to apply; one that
died before applies everything again.

Not covered: a file listing that misses a file while it sees a later one of the same partition.
The marks move to the end of the files read, so that file would be passed over for good. The sink
commits a partition's files one after the other, in offset order, at most every few seconds; a
listing could only miss one that way across two `dt=` folders listed around a day's rollover, a
window of milliseconds. `compact_raw` replaces files of closed days only (the day before yesterday
and older), so only a run catching up on such a day while it is compacted is exposed to it. Gaps
cannot be refused instead: a record the sink sent to its dead-letter topic leaves one. A
`--full-refresh` repairs such a table.

Quarantine rows (lines that cannot be applied) are *added* to their table (`add_new`), once per
(topic, partition, offset, line): a line read again (a retry, a merged file, a full refresh) is not
added twice, and a later run drops none. (`curate_marketing` also keeps each id's current broken
document there, by `merge_changes`: a document fixed since leaves, as Mongo's reconcile expects.)
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from datalake.jobs.hive_tables import CuratedTable, SchemaDrift, ensure_table
from datalake.jobs.platform.compact_raw import COMMITTED
from pyspark.sql import Column
from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

Marks = dict[int, int]  # topic partition -> last offset applied (inclusive)

MARKS_KEY = "cdc_applied"
_USER_METADATA = "spark.databricks.delta.commitInfo.userMetadata"
_NAME = "^" + COMMITTED.pattern + "$"
_DELETION_VECTORS = "delta.enableDeletionVectors"
DELETE = "_delete"  # the column of a change that says "remove this key"


# ---- which lines are new ----------------------------------------------------------------------------
def _named(group: int) -> Column:
    """A field of the file's committed name (1 topic, 2 partition, 4 end offset); null for a file
    named otherwise (such a file is always read: its lines are filtered by their offsets)."""
    value = F.regexp_extract(F.col("_metadata.file_name"), _NAME, group)
    return F.when(value != "", value).cast("long")


def _mark_of(partition: Column, marks: Mapping[int, int]) -> Column:
    """The mark of a partition column; -1 (nothing applied) for a partition without one."""
    if not marks:
        return F.lit(-1)
    table = F.create_map(*[F.lit(x) for pair in sorted(marks.items()) for x in pair])
    return F.coalesce(F.element_at(table, partition.cast("int")), F.lit(-1))


def unread_files(marks: Mapping[int, int] | None) -> Column:
    """For a file source's `where`: the files holding an offset past the marks (all with no marks).
    Spark evaluates a condition on `_metadata` columns when it lists the files (file pruning)."""
    if marks is None:
        return F.lit(True)
    end = _named(4)
    return end.isNull() | (end > _mark_of(_named(2), marks))


def unapplied(lines: DataFrame, marks: Mapping[int, int] | None) -> DataFrame:
    """The lines past the marks. A line without an offset (poison) is kept: the quarantine adds
    each line once."""
    if marks is None:
        return lines
    offset = F.col("offset")
    return lines.where(offset.isNull() | (offset > _mark_of(F.col("partition"), marks)))


FILE_COORDINATES = ("_file_partition", "_file_end")


def file_coordinates() -> list[Column]:
    """For a file source's `select`: the partition and last offset its file's committed name
    gives (null for a file named otherwise), for `read_marks`."""
    return [_named(2).alias(FILE_COORDINATES[0]), _named(4).alias(FILE_COORDINATES[1])]


def read_marks(lines: DataFrame, before: Mapping[int, int] | None) -> Marks:
    """The marks once `lines` are applied: per partition, the highest of the old mark and the
    ends of the files read (a line of a file named otherwise counts with its own offset)."""
    partition = F.coalesce(F.col(FILE_COORDINATES[0]), F.col("partition").cast("long"))
    offset = F.coalesce(F.col(FILE_COORDINATES[1]), F.col("offset"))
    found = (
        lines.select(partition.alias("p"), offset.alias("o"))
        .where(F.col("p").isNotNull() & F.col("o").isNotNull())
        .groupBy("p")
        .agg(F.max("o"))
        .collect()
    )
    marks = dict(before or {})
    for p, o in found:
        marks[int(p)] = max(int(o), marks.get(int(p), -1))
    return marks


# ---- the marks in the table's commits ----------------------------------------------------------------
def _provider(spark: SparkSession, table: str) -> str:
    rows = spark.sql(f"DESCRIBE TABLE EXTENDED {table}").collect()
    return next((str(r[1]).lower() for r in rows if r[0] == "Provider"), "")


# Commits that leave the table's rows as they were: the marks of an earlier commit still hold.
SAME_ROWS = frozenset(
    {
        "OPTIMIZE",
        "VACUUM START",
        "VACUUM END",
        "REORG",
        "SET TBLPROPERTIES",
        "UNSET TBLPROPERTIES",
        "UPGRADE PROTOCOL",
        "ADD CONSTRAINT",
        "DROP CONSTRAINT",
    }
)


def marks_in(history: Sequence[tuple[str, str | None]]) -> Marks | None:
    """The marks that hold for a table, from its history newest first as (operation, userMetadata):
    those of the newest commit that stored any, unless a commit after it changed the rows without
    storing marks (a RESTORE, a hand-made DELETE or UPDATE, a conversion): then None."""
    for operation, metadata in history:
        found = _parse_marks(metadata)
        if found is not None:
            return found
        if operation not in SAME_ROWS:
            return None
    return None


def _parse_marks(metadata: str | None) -> Marks | None:
    try:
        found = json.loads(metadata or "")
    except ValueError:
        return None
    if isinstance(found, dict) and isinstance(found.get(MARKS_KEY), dict):
        return {int(p): int(o) for p, o in found[MARKS_KEY].items()}
    return None


def applied(spark: SparkSession, table: str) -> Marks | None:
    """The marks the table's rows hold (`marks_in`); None when there are none (no table, not a
    Delta table, never curated with marks, or changed since by something else): the caller rebuilds."""
    if not spark.catalog.tableExists(table) or _provider(spark, table) != "delta":
        return None
    history = (
        spark.sql(f"DESCRIBE HISTORY {table}").orderBy(F.desc("version")).select("operation", "userMetadata")
    )
    marks = marks_in([(r[0], r[1]) for r in history.collect()])
    if marks is None:
        print(
            f"[change_log] {table}: no offsets hold for its rows (see its history): rebuilding it", flush=True
        )
    return marks


@contextmanager
def _session_conf(spark: SparkSession, key: str, value: str) -> Iterator[None]:
    """`key` set to `value` for the block, then back to what it was."""
    before = spark.conf.get(key, None)
    spark.conf.set(key, value)
    try:
        yield
    finally:
        if before is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, before)


def committing(spark: SparkSession, marks: Mapping[int, int]) -> AbstractContextManager[None]:
    """Every Delta commit of the block carries `marks` (and no commit after it)."""
    text = json.dumps({MARKS_KEY: {str(p): o for p, o in sorted(marks.items())}})
    return _session_conf(spark, _USER_METADATA, text)


def ensure_delta_table(spark: SparkSession, spec: CuratedTable, location: str) -> None:
    """The table as a Delta table: created if missing, converted in place if it is a Parquet table
    of an earlier release (its marks are then missing, so the next run rebuilds it); fails on
    schema drift like `ensure_table`."""
    if spark.catalog.tableExists(spec.qualified_name) and _provider(spark, spec.qualified_name) == "parquet":
        print(f"[change_log] converting {spec.qualified_name} from Parquet to Delta", flush=True)
        spark.sql(f"CONVERT TO DELTA {spec.qualified_name}")
    ensure_table(spark, spec, location, using="delta")
    provider = _provider(spark, spec.qualified_name)
    if provider != "delta":
        raise SchemaDrift(
            f"{spec.qualified_name} is a {provider} table, not Delta: drop it (its data is derived) and run again"
        )
    # Deletion vectors: a MERGE marks the rows it replaces in a small file instead of rewriting
    # every data file that holds one, so its cost follows the changes, not the table's size.
    shown = spark.sql(f"SHOW TBLPROPERTIES {spec.qualified_name} ('{_DELETION_VECTORS}')").collect()
    if not shown or str(shown[0][1]).lower() != "true":
        spark.sql(f"ALTER TABLE {spec.qualified_name} SET TBLPROPERTIES ('{_DELETION_VECTORS}' = 'true')")


# ---- writes -----------------------------------------------------------------------------------------
def _columns(spec: CuratedTable) -> list[str]:
    return [f"`{f.name}`" for f in spec.curated_schema.fields]


@contextmanager
def _view(df: DataFrame) -> Iterator[str]:
    name = f"_changes_{uuid.uuid4().hex}"
    df.createOrReplaceTempView(name)
    try:
        yield name
    finally:
        df.sparkSession.catalog.dropTempView(name)


def merge_sql(table: str, source: str, columns: Sequence[str], keys: Sequence[str]) -> str:
    """MERGE of one change per key: `DELETE` for a change marked so, else update or insert."""
    on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in keys)
    assign = ", ".join(f"t.{c} = s.{c}" for c in columns)
    values = ", ".join(f"s.{c}" for c in columns)
    return (
        f"MERGE INTO {table} t USING {source} s ON {on} "
        f"WHEN MATCHED AND s.{DELETE} THEN DELETE "
        f"WHEN MATCHED THEN UPDATE SET {assign} "
        f"WHEN NOT MATCHED AND NOT s.{DELETE} THEN INSERT ({', '.join(columns)}) VALUES ({values})"
    )


def merge_changes(
    spark: SparkSession,
    changes: DataFrame,
    spec: CuratedTable,
    location: str,
    keys: Sequence[str],
    marks: Mapping[int, int] | None,
) -> None:
    """Apply `changes` (the table's columns and `DELETE`, one row per key) and store `marks` (a
    table kept per key without a change log of its own, like a quarantine, has none)."""
    ensure_delta_table(spark, spec, location)
    changes = changes.cache()  # a MERGE reads its source twice (the rows it touches, then the writes)
    try:
        with _view(changes) as source:
            sql = merge_sql(spec.qualified_name, source, _columns(spec), keys)
            if marks is None:
                spark.sql(sql)
            else:
                with committing(spark, marks):
                    spark.sql(sql)
    finally:
        changes.unpersist()


def replace_all(
    spark: SparkSession, rows: DataFrame, spec: CuratedTable, location: str, marks: Mapping[int, int]
) -> None:
    """Overwrite the table with `rows` (the whole current state, in the table's column order) and
    store `marks`: the full refresh."""
    ensure_delta_table(spark, spec, location)
    # One file per partition (one for an unpartitioned table), as `hive_tables.write_table` writes.
    out = rows.repartition(*spec.partition_cols) if spec.partition_cols else rows.coalesce(1)
    # Static: every partition not in `rows` goes too (a day whose rows were all deleted).
    with _session_conf(spark, "spark.sql.sources.partitionOverwriteMode", "static"), committing(spark, marks):
        out.write.insertInto(spec.qualified_name, overwrite=True)


def apply(
    spark: SparkSession,
    rows: DataFrame,
    spec: CuratedTable,
    location: str,
    keys: Sequence[str],
    marks: Mapping[int, int],
    *,
    rebuild: bool,
) -> None:
    """Write one run: with `rebuild`, `rows` is the whole current state and replaces the table;
    otherwise it is the changes (`DELETE` included), merged by `keys`. `marks` go with the commit."""
    if rebuild:
        replace_all(spark, rows, spec, location, marks)
    else:
        merge_changes(spark, rows, spec, location, keys, marks)


def add_new(
    spark: SparkSession, rows: DataFrame, spec: CuratedTable, location: str, keys: Sequence[str]
) -> None:
    """Insert the rows whose `keys` (compared null-safely) the table does not hold yet, each once."""
    ensure_delta_table(spark, spec, location)
    on = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)
    with _view(rows.dropDuplicates(list(keys))) as source:
        spark.sql(
            f"MERGE INTO {spec.qualified_name} t USING {source} s ON {on} WHEN NOT MATCHED THEN INSERT *"
        )


def report(
    job: str, source: str, table: str, marks: Mapping[int, int], *, rebuilt: bool, **counts: int
) -> None:
    """The run's one line in the task log: what was read, what the table holds, the new marks."""
    measures = " ".join(f"{name}={value}" for name, value in counts.items())
    how = "rebuilt" if rebuilt else "applied"
    print(f"[{job}] {source} -> {table}: {how} {measures} offsets={dict(marks)}", flush=True)
