"""Writing the tables of a Mongo job that rebuilds them whole: each collection's curated table,
then one quarantine for all.

`curate_nubank` reads the collections' current state, so it replaces its Parquet tables on each
run; `curate_marketing` applies a change log to Delta tables instead (`jobs/change_log.py`). The
callables say how a collection is read, checked (`check`: the one pass over the source, cached) and
split into (curated rows, quarantined documents).
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
    check: Callable[[DataFrame, CollectionSpec], DataFrame],
    split: Callable[[DataFrame, CollectionSpec], tuple[DataFrame, DataFrame]],
    *,
    database: str,
    curated_root: str,
    quarantine: tuple[str, StructType] | None,
    label: str,
) -> None:
    """Replace each collection's table in `database`; with `quarantine` (root, schema), replace the
    database's quarantine table with the broken documents of every collection (pass it only when
    `specs` are all the job's collections: the quarantine holds the current state of all).

    The checked rows are cached, so the source is read and parsed once although both the table and
    the quarantine are written from them (a cache of the raw rows instead parsed them twice)."""
    quarantined: list[DataFrame] = []
    for spec in specs:
        target = replace(spec, database=database)
        checked = check(read(spec), spec).cache()
        good, bad = split(checked, spec)
        write_table(spark, good, target, f"{curated_root}/{target.database}/{target.table}")
        bad = bad.cache()
        quarantined.append(bad)
        print(
            f"[{label}] {spec.name} -> {target.qualified_name}: read={checked.count()} "
            f"rows={spark.table(target.qualified_name).count()} quarantined={bad.count()}",
            flush=True,
        )
        checked.unpersist()
    if quarantine is not None:
        root, schema = quarantine
        table = Table(database, "quarantine", schema)
        write_table(spark, union_all(quarantined), table, f"{root}/{table.database}/{table.table}")
