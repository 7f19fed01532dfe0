"""Incremental CDC curation on the platform (Delta on HDFS, the Spark Connect server the DAG tasks
use): a table kept up to date batch by batch equals the table rebuilt from the whole change log,
for the bank's CDC (`curate_cdc`) and Mongo's marketing events (`curate_marketing`).

Each batch is a raw file named as the lake sink names it; the third batch lands beside a merged
file that repeats the first two (what `compact_raw` leaves), which must not be applied twice. The
raw files, tables and quarantines are scratch ones (their own folders and databases, deleted at
the end); the live lake is not touched."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pytest
from datalake.jobs.bank import curate_cdc
from datalake.jobs.bank.schemas import TABLES
from datalake.jobs.hive_tables import Table, write_table
from datalake.jobs.mongo import curate_marketing
from datalake.jobs.mongo.schemas import MARKETING, MARKETING_QUARANTINE
from datalake.jobs.platform.compact_raw import committed_name
from pyspark.sql import functions as F

from datalake.hdfs import webhdfs
from datalake.settings import get_settings
from datalake.spark import connect_builder
from tests.unit.bank_jobs.cdc_lines import CLIENT, OPERATION, event, tombstone

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SALT = "it-salt"
DAYS = [date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3)]
OPS = "cdc.santander.operations"
CLIENTS = "cdc.santander.clients"
SURVEY = "mongo.santander_marketing.public_survey"


def _ms(day: int, hour: int = 12) -> int:
    return int(datetime(2024, 5, day, hour, tzinfo=UTC).timestamp() * 1000)


def op(op_id: int, day: int, **changes: object) -> dict[str, object]:
    return {**OPERATION, "id": op_id, "client_id": op_id, "op_timestamp": _ms(day), **changes}


def client(client_id: int, **changes: object) -> dict[str, object]:
    return {**CLIENT, "id": client_id, **changes}


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """A Spark Connect session in this process. PySpark's functions take the Connect path while
    SPARK_CONNECT_MODE_ENABLED is set; it is unset after this module, so the process can still
    start a classic Spark (what `SparkSession.builder.remote` would prevent)."""
    settings = get_settings()
    os.environ["SPARK_CONNECT_MODE_ENABLED"] = "1"
    session = connect_builder(settings.spark_connect_url, settings.spark_connect_token).create()
    try:
        session.conf.set("spark.sql.session.timeZone", "UTC")
        yield session
    finally:
        session.stop()
        os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)


class Scratch:
    """A scratch raw root and databases, named after the test run."""

    def __init__(self, spark: SparkSession, unique: str) -> None:
        lake = get_settings().lake
        self.spark = spark
        self.raw = lake.raw("kafka", "").rstrip("/") + f"-it-{unique}"
        self.curated = lake.curated("_", "_").rsplit("/", 2)[0] + f"/it_cdc_{unique}"
        self.databases = [f"it_cdc_{unique}_inc", f"it_cdc_{unique}_full", f"it_cdc_{unique}_q"]

    def put(self, topic: str, partition: int, lines: list[dict[str, Any]], day: str = "2024-05-01") -> None:
        """One committed raw file of `lines` (offsets as the lines say, contiguous)."""
        start, end = lines[0]["offset"], lines[-1]["offset"]
        path = urlparse(f"{self.raw}/{topic}/dt={day}/{committed_name(topic, partition, start, end)}").path
        body = "".join(json.dumps(line) + "\n" for line in lines).encode()
        response = webhdfs("PUT", path, "CREATE", data=body, overwrite="true")
        assert response.status_code == 201, response.text

    def location(self, database: str, table: str) -> str:
        return f"{self.curated}/{database}/{table}"

    def drop(self) -> None:
        for database in self.databases:
            self.spark.sql(f"DROP DATABASE IF EXISTS {database} CASCADE")
        for root in (self.raw, self.curated):
            webhdfs("DELETE", urlparse(root).path, "DELETE", recursive="true")


@pytest.fixture
def scratch(spark: SparkSession, unique: str) -> Iterator[Scratch]:
    area = Scratch(spark, unique)
    try:
        yield area
    finally:
        area.drop()


def _without_ingest_date(df: DataFrame) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in df.drop("ingest_date").collect())


def _version(spark: SparkSession, table: str) -> int:
    return int(spark.sql(f"DESCRIBE HISTORY {table}").agg({"version": "max"}).collect()[0][0])


# ---- bank CDC -----------------------------------------------------------------------------------------
def _bank_batches(s: Scratch) -> list[dict[str, list[dict[str, Any]]]]:
    """Three batches per topic: inserts; updates, deletes, a day emptied, a key moved to another
    day, a tombstone and a poison line; then more after a compaction."""
    return [
        {
            OPS: [
                event(OPS, 0, "c", after=op(1, 1)),
                event(OPS, 1, "c", after=op(2, 1)),
                event(OPS, 2, "c", after=op(3, 2)),
            ],
            CLIENTS: [event(CLIENTS, 0, "r", after=client(1)), event(CLIENTS, 1, "r", after=client(2))],
        },
        {
            OPS: [
                event(OPS, 3, "u", before=op(1, 1), after=op(1, 3, valor="10.00")),  # moves to day 3
                event(OPS, 4, "d", before=op(3, 2)),  # day 2 emptied
                tombstone(OPS, 5, {"id": 3}),
                {"topic": OPS, "partition": 0, "offset": 6, "value": {"op": "x", "after": op(9, 1)}},
                event(OPS, 7, "c", after=op(4, 1)),
                event(OPS, 8, "u", before=op(4, 1), after=op(4, 1, success=0)),
            ],
            CLIENTS: [
                event(CLIENTS, 2, "u", before=client(1), after=client(1, renda_mensal="99.90")),
                event(CLIENTS, 3, "d", before=client(2)),
                event(CLIENTS, 4, "c", after=client(2, cpf="111.222.333-44")),  # re-inserted
            ],
        },
        {
            OPS: [event(OPS, 9, "d", before=op(2, 1)), event(OPS, 10, "c", after=op(5, 2))],
            CLIENTS: [event(CLIENTS, 5, "c", after=client(3))],
        },
    ]


def test_bank_tables_applied_batch_by_batch_equal_the_full_rebuild(
    spark: SparkSession, scratch: Scratch
) -> None:
    inc, full, qdb = scratch.databases
    quarantines = {inc: Table(qdb, "cdc_quarantine", curate_cdc.CDC_QUARANTINE)}
    quarantines[full] = dataclasses.replace(quarantines[inc], database=full)

    def run(table: str, database: str, day: date, *, full_refresh: bool = False) -> curate_cdc.TableRun:
        spec = dataclasses.replace(TABLES[table], database=database)
        quarantine = quarantines[database]
        return curate_cdc.run_table(
            spark,
            spec,
            f"{scratch.raw}/{spec.topic}",
            scratch.location(database, spec.table),
            SALT,
            day,
            quarantine=(quarantine, scratch.location(quarantine.database, quarantine.table)),
            full_refresh=full_refresh,
        )

    # An operations table of an earlier release: Parquet, with a row the change log does not have.
    old = dataclasses.replace(TABLES["operations"], database=inc)
    stale = spark.createDataFrame([(99,)], "id bigint").select(
        *[
            F.col("id") if f.name == "id" else F.lit(None).cast(f.dataType).alias(f.name)
            for f in old.curated_schema
        ]
    )
    write_table(spark, stale.withColumn("op_date", F.lit(DAYS[0])), old, scratch.location(inc, "operations"))

    batches = _bank_batches(scratch)
    runs: dict[str, list[curate_cdc.TableRun]] = {"operations": [], "clients": []}
    for number, (batch, day) in enumerate(zip(batches, DAYS, strict=True)):
        if number == 2:  # compaction merged the first two files into one, beside them
            for topic in (OPS, CLIENTS):
                scratch.put(topic, 0, batches[0][topic] + batches[1][topic])
        for topic, lines in batch.items():
            scratch.put(topic, 0, lines, day=day.isoformat())
        runs["operations"].append(run("operations", inc, day))
        runs["clients"].append(run("clients", inc, day))
        if number == 1:  # every operation of day 2 deleted: none left there
            days = spark.table(f"{inc}.operations").select("op_date").distinct().collect()
            assert sorted(r[0] for r in days) == [DAYS[0], DAYS[2]]

    # The first run rebuilt (a Parquet table converted, no table); the next ones read their own batch.
    assert [(r.rebuilt, r.events_in, r.quarantined) for r in runs["operations"]] == [
        (True, 3, 0),
        (False, 4, 1),
        (False, 2, 0),
    ]
    assert [(r.rebuilt, r.events_in) for r in runs["clients"]] == [(True, 2), (False, 3), (False, 1)]

    for table in ("operations", "clients"):
        incremental = f"{inc}.{table}"
        before = _version(spark, incremental)
        again = run(table, inc, DAYS[2])  # a re-run of the date: nothing new, no commit
        assert (again.events_in, again.rebuilt) == (0, False)
        assert _version(spark, incremental) == before
        rebuilt = run(table, full, DAYS[2], full_refresh=True)
        assert rebuilt.rebuilt
        assert _without_ingest_date(spark.table(incremental)) == _without_ingest_date(
            spark.table(f"{full}.{table}")
        )

    ops = {r["id"]: r for r in spark.table(f"{inc}.operations").collect()}
    assert sorted(ops) == [1, 4, 5]
    assert ops[1]["op_date"] == date(2024, 5, 3) and str(ops[1]["valor"]) == "10.00"
    assert ops[1]["ingest_date"] == DAYS[1] and ops[5]["ingest_date"] == DAYS[2]
    assert ops[4]["success"] is False
    # The poison line is quarantined once, although the merged file holds it too and two runs read
    # it; the full refresh's own quarantine holds the same.
    for quarantine in quarantines.values():
        poison = spark.table(quarantine.qualified_name).collect()
        assert [(r["topic"], r["offset"], r["reason"]) for r in poison] == [(OPS, 6, "unknown op x")]

    # OPTIMIZE keeps the rows: the offsets still hold. A RESTORE changes them: the next run rebuilds.
    spark.sql(f"OPTIMIZE {inc}.operations")
    assert run("operations", inc, DAYS[2]).rebuilt is False
    spark.sql(f"RESTORE TABLE {inc}.operations TO VERSION AS OF 0")
    assert run("operations", inc, DAYS[2]).rebuilt is True
    assert _without_ingest_date(spark.table(f"{inc}.operations")) == _without_ingest_date(
        spark.table(f"{full}.operations")
    )


# ---- Mongo marketing ------------------------------------------------------------------------------------
def _survey_event(offset: int, number: int, op_type: str, nps: object = None) -> dict[str, Any]:
    """A change event as the MongoDB source connector publishes it, in the lake sink's envelope."""
    oid = {"$oid": f"{number:024x}"}
    when = {"$date": {"$numberLong": str(_ms(1))}}
    value: dict[str, Any] = {"operationType": op_type, "documentKey": {"_id": oid}, "wallTime": when}
    if nps is not None:
        value["fullDocument"] = {
            "_id": oid,
            "nps": nps,
            "age_band": "25-34",
            "uf": "SP",
            "submitted_at": when,
        }
    return {"topic": SURVEY, "partition": 0, "offset": offset, "timestamp": 0, "key": None, "value": value}


def test_marketing_applied_batch_by_batch_equals_the_full_rebuild(
    spark: SparkSession, scratch: Scratch
) -> None:
    inc, full, qdb = scratch.databases
    good, broken = {"$numberInt": "7"}, "not a number"
    batches = [
        [
            _survey_event(0, 1, "insert", good),
            _survey_event(1, 2, "insert", good),
            _survey_event(2, 3, "insert", broken),
        ],
        [
            _survey_event(3, 1, "update", {"$numberInt": "9"}),
            _survey_event(4, 2, "delete"),
            _survey_event(5, 3, "replace", good),  # fixed: leaves the quarantine
            _survey_event(6, 4, "insert", broken),
            {
                "topic": SURVEY,
                "partition": 0,
                "offset": 7,
                "timestamp": 0,
                "key": None,
                "value": {"hello": 1},
            },
        ],
        [
            _survey_event(8, 1, "replace", broken),
            _survey_event(9, 5, "insert", good),
        ],  # 1 breaks: leaves the table
    ]

    def run(database: str, day: date, *, full_refresh: bool = False) -> curate_marketing.CollectionRun:
        spec = dataclasses.replace(MARKETING["public_survey"], database=database)
        q_table = Table(qdb if database == inc else full, "quarantine", MARKETING_QUARANTINE)
        return curate_marketing.run_collection(
            spark,
            spec,
            f"{scratch.raw}/{SURVEY}",
            scratch.location(database, spec.table),
            (q_table, scratch.location(q_table.database, "quarantine")),
            day,
            full_refresh=full_refresh,
        )

    for number, (batch, day) in enumerate(zip(batches, DAYS, strict=True)):
        if number == 2:
            scratch.put(SURVEY, 0, batches[0] + batches[1])
        scratch.put(SURVEY, 0, batch, day=day.isoformat())
        assert run(inc, day).rebuilt == (number == 0)
    before = _version(spark, f"{inc}.public_survey")
    assert run(inc, DAYS[2]).read == 0
    assert _version(spark, f"{inc}.public_survey") == before
    assert run(full, DAYS[2], full_refresh=True).rebuilt

    table = f"{inc}.public_survey"
    assert _without_ingest_date(spark.table(table)) == _without_ingest_date(
        spark.table(f"{full}.public_survey")
    )
    assert sorted(r["id"] for r in spark.table(table).collect()) == [f"{3:024x}", f"{5:024x}"]
    quarantined = [(r["id"], r["offset"]) for r in spark.table(f"{qdb}.quarantine").collect()]
    rebuilt = [(r["id"], r["offset"]) for r in spark.table(f"{full}.quarantine").collect()]
    # id 3 was fixed and left; ids 1 (broken now) and 4 stay, the line without an event once.
    assert sorted(quarantined, key=str) == sorted(rebuilt, key=str)
    assert sorted(quarantined, key=str) == sorted([(f"{1:024x}", 8), (f"{4:024x}", 6), (None, 7)], key=str)
