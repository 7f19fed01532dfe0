"""Operation ids seen more than once in a day of channel events: find the later copies and flag them.

A producer retry or a replay can land an event twice at different Kafka positions; the first (by
partition, then offset) is kept and every later copy goes to the quarantine with the position of
the first. Separate from `channel_operations.py` because it is a search of its own, tuned on its
own: usually no copies at all, so it reads three narrow columns and joins nothing when there are
none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

# Up to this many later copies of operation ids, the job broadcasts them (about 100 bytes each).
BROADCAST_COPIES = 1_000_000


def flag_copies(checked: DataFrame, copies: DataFrame | None, lines: DataFrame) -> DataFrame:
    """`checked` with a reason added to each later copy of an operation id, and the copy's JSON
    (which `check` kept only for bad events) read back from `lines`. No copies (None): `checked`
    as it is (an empty DataFrame to join would still shuffle every event)."""
    if copies is None:
        return checked
    at = ["partition", "offset"]
    copied = lines.join(copies.select(*at), at, "left_semi").select(*at, F.col("_json").alias("_copy_json"))
    return (
        checked.join(copies, at, "left")
        .join(copied, at, "left")
        .withColumn(
            "_reasons",
            F.when(F.col("_dup").isNull(), F.col("_reasons")).otherwise(
                F.array_append("_reasons", F.col("_dup"))
            ),
        )
        .withColumn("_json", F.coalesce("_json", "_copy_json"))
        .drop("_dup", "_copy_json")
    )


# A Kafka position (partition, offset) as one long, so the duplicate search aggregates a number
# (a hash aggregate) instead of a struct (a sort).
_OFFSET_BITS = 40


def _position(partition: Column, offset: Column) -> Column:
    return F.shiftleft(partition.cast("long"), _OFFSET_BITS) + offset


def repeated_ids(lines: DataFrame) -> DataFrame:
    """(`_op`, `_first` position, `_n` copies) of every operation id seen more than once: usually
    none. One pass over three narrow columns; the wide events are never shuffled for it."""
    return (
        lines.where(F.col("value.operation_id").isNotNull())
        .groupBy(F.col("value.operation_id").alias("_op"))
        .agg(F.min(_position(F.col("partition"), F.col("offset"))).alias("_first"), F.count("*").alias("_n"))
        .where(F.col("_n") > 1)
    )


def later_copies(lines: DataFrame, repeated: DataFrame | None = None) -> DataFrame:
    """(partition, offset, `_dup` reason) of every copy of an operation id after its first (by Kafka
    position). `repeated` is `repeated_ids(lines)`, when the caller has it already (`copies_to_flag`)."""
    repeated = repeated_ids(lines) if repeated is None else repeated
    first_at = F.concat_ws(
        ":",
        F.shiftright("_first", _OFFSET_BITS),
        F.col("_first").bitwiseAND((1 << _OFFSET_BITS) - 1),
    )
    return (
        lines.select(F.col("value.operation_id").alias("_op"), "partition", "offset")
        .join(repeated, "_op")
        .where(_position(F.col("partition"), F.col("offset")) != F.col("_first"))
        .select(
            "partition",
            "offset",
            F.concat(F.lit("duplicate operation_id, first at "), first_at).alias("_dup"),
        )
    )


def copies_to_flag(lines: DataFrame) -> tuple[DataFrame | None, int]:
    """`later_copies(lines)` ready to join, and how many. `main` passes the cached `check`, of which
    three narrow columns are read. Usually there are none (None: `flag_copies` joins nothing); a
    few are joined by broadcast instead of shuffling every event of the day."""
    repeated = repeated_ids(lines).cache()
    total = repeated.agg(F.sum(F.col("_n") - 1)).first()
    later = (total[0] if total is not None else 0) or 0
    if later == 0:
        return None, 0
    copies = later_copies(lines, repeated)
    return (F.broadcast(copies) if later <= BROADCAST_COPIES else copies), later
