"""Writing a Mongo job's tables: each collection's curated table, then one quarantine for all.

Shared by `curate_nubank` and `curate_marketing`, which differ only in how they read a collection
and how they turn it into (rows, quarantined documents).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from datalake.jobs.hive_tables import Table, union_all, write_table
from datalake.jobs.mongo.schemas import CollectionSpec

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType


def write_collections(
    spark: SparkSession,
    specs: Sequence[CollectionSpec],
    read: Callable[[CollectionSpec], DataFrame],
    curate: Callable[[DataFrame, CollectionSpec], tuple[DataFrame, DataFrame]],
    *,
    database: str,
    curated_root: str,
    quarantine: tuple[str, StructType] | None,
    label: str,
) -> None:
    """Replace each collection's table in `database`; with `quarantine` (root, schema), replace the
    database's quarantine table with the broken documents of every collection (pass it only when
    `specs` are all the job's collections: the quarantine holds the current state of all)."""
    quarantined: list[DataFrame] = []
    for spec in specs:
        target = replace(spec, database=database)
        raw = read(spec).cache()
        good, bad = curate(raw, spec)
        write_table(spark, good, target, f"{curated_root}/{target.database}/{target.table}")
        bad = bad.cache()
        quarantined.append(bad)
        print(
            f"[{label}] {spec.name} -> {target.qualified_name}: read={raw.count()} "
            f"rows={spark.table(target.qualified_name).count()} quarantined={bad.count()}",
            flush=True,
        )
        raw.unpersist()
    if quarantine is not None:
        root, schema = quarantine
        table = Table(database, "quarantine", schema)
        write_table(spark, union_all(quarantined), table, f"{root}/{table.database}/{table.table}")
