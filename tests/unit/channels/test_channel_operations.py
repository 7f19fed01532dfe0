"""Raw channel lines -> typed rows and quarantine reasons (pure DataFrame transforms, no platform)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from datalake.jobs.channels import channel_operations as job
from datalake.jobs.channels import copies as copy_search
from datalake.jobs.channels.schemas import CURATED, RAW_LINE

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DAY = date(2026, 11, 28)
TS = 1_795_867_200_000  # 2026-11-28 12:00:00 UTC
SALT = "pepper"


def _event(n: int, **over: Any) -> dict[str, Any]:
    return {
        "operation_id": f"00000000-0000-4000-8000-{n:012d}",
        "channel": "atm",
        "client_id": 7,
        "cpf": "722.613.670-82",
        "product": "conta_corrente",
        "operation": "saque",
        "value": 200.0,
        "online": False,
        "timestamp": TS,
        "success": True,
        "terminal_id": "ATM-00001",
        "city": "Recife",
        "uf": "PE",
        "notes_dispensed": 2,
        **over,
    }


def _lines(spark: SparkSession, *values: Any, partition: int = 0):
    rows = [
        ("channels.operations", partition, offset, TS, "7", v if isinstance(v, str) else json.dumps(v))
        for offset, v in enumerate(values)
    ]
    return job.parse(spark.createDataFrame(rows, RAW_LINE))


@pytest.fixture
def clients(spark: SparkSession):
    return spark.createDataFrame([(7,), (8,)], "id long")


def test_a_good_event_becomes_a_typed_row_with_the_cpf_hashed(spark: SparkSession, clients) -> None:
    classified = job.classify(_lines(spark, _event(1)), clients)
    (row,) = job.curated(classified, SALT, DAY).collect()
    assert row.asDict() == {
        **{f.name: None for f in CURATED.fields},
        "operation_id": "00000000-0000-4000-8000-000000000001",
        "client_id": 7,
        "cpf_hash": hashlib.sha256(f"{SALT}72261367082".encode()).hexdigest(),
        "product": "conta_corrente",
        "operation": "saque",
        "value": Decimal("200.00"),
        "online": False,
        "op_timestamp": datetime(2026, 11, 28, 12, 0),
        "success": True,
        "terminal_id": "ATM-00001",
        "city": "Recife",
        "uf": "PE",
        "notes_dispensed": 2,
        "kafka_partition": 0,
        "kafka_offset": 0,
        "ingest_date": DAY,
        "op_date": DAY,
        "channel": "atm",
    }
    assert job.quarantined(classified, DAY).count() == 0


def test_bad_events_are_quarantined_with_reasons_and_nothing_is_lost(spark: SparkSession, clients) -> None:
    lines = _lines(
        spark,
        _event(1),
        _event(2, value="12,50"),
        _event(3, success="sim"),
        {k: v for k, v in _event(4).items() if k != "cpf"},
        _event(5, channel="drive_thru"),
        _event(6, value=0),
        _event(7, value=-3.5),
        _event(8, client_id=999),
        _event(1),  # the same operation id again (a replay)
        "[1, 2, 3]",
        _event(11, client_id="7", value=1e20),  # a number as a string; a decimal past decimal(14,2)
    )
    classified = job.classify(lines, clients)
    good = job.curated(classified, SALT, DAY)
    bad = {r.kafka_offset: (r.reasons, r.channel) for r in job.quarantined(classified, DAY).collect()}
    assert [r.kafka_offset for r in good.collect()] == [0]
    assert bad == {
        1: (["value: not a decimal(14,2): 12,50"], "atm"),
        2: (["success: not a boolean: sim"], "atm"),
        3: (["cpf: missing"], "atm"),
        4: (["unknown channel drive_thru"], "drive_thru"),
        5: (["value not positive: 0.00"], "atm"),
        6: (["value not positive: -3.50"], "atm"),
        7: (["client_id not in santander.clients: 999"], "atm"),
        8: (["duplicate operation_id, first at 0:0"], "atm"),
        9: (["not an event object"], "unknown"),
        10: (["client_id: not a bigint: 7", "value: not a decimal(14,2): 1.0E20"], "atm"),
    }
    assert good.count() + len(bad) == lines.count()


def test_duplicates_found_in_the_checked_events_flag_the_same_events(spark: SparkSession, clients) -> None:
    """`main`'s order: check every event, find the copies in the checks, then flag them (no join at
    all when there are none); the same result as `classify`."""
    replayed = _lines(spark, _event(1), _event(2), _event(1), _event(1), partition=3)
    checked = job.check(replayed, clients)
    copies, later = copy_search.copies_to_flag(checked)
    assert later == 2
    classified = copy_search.flag_copies(checked, copies, replayed)
    assert sorted(classified.collect()) == sorted(job.classify(replayed, clients).collect())
    bad = job.quarantined(classified, DAY).collect()
    assert {r.kafka_offset: r.reasons for r in bad} == {
        2: ["duplicate operation_id, first at 3:0"],
        3: ["duplicate operation_id, first at 3:0"],
    }
    assert [json.loads(r.event) for r in bad] == [_event(1), _event(1)]  # the copy's JSON, kept

    unique = _lines(spark, _event(1), _event(2))
    checked = job.check(unique, clients)
    copies, later = copy_search.copies_to_flag(checked)
    assert (later, copies) == (0, None)
    assert copy_search.flag_copies(checked, None, unique) is checked
    assert job.quarantined(checked, DAY).count() == 0


def test_offsets_past_the_captured_end_are_left_for_the_next_run(spark: SparkSession) -> None:
    lines = _lines(spark, _event(1), _event(2), _event(3))
    assert [r.offset for r in job.within(lines, {0: 2}).collect()] == [0, 1]
    assert job.within(lines, None).count() == 3
    assert job.within(lines, {1: 5}).count() == 0  # a partition without a bound: nothing captured
