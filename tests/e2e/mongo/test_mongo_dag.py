"""mongo_ingestion_pipeline end to end through Airflow's REST API, on the live collections.

Run A: documents inserted into Mongo before the run are in Hive after it, the run reconciles.
Run B: an update, a delete and an insert made before it are in Hive after it, and a broken
document is quarantined with its reason while the run stays green. Clearing run B (same date)
leaves every table as it was. The test's documents carry ObjectIds of a range no generator uses;
the runs generate nothing (volumes 0); everything the test added is removed in `finally` and a last
run takes it out of Hive again, so the live tables end as the user left them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pymongo
import pytest
from bson import Decimal128, ObjectId

from datalake import thrift
from datalake.settings import get_settings

pytestmark = pytest.mark.e2e

DAG_ID = "mongo_ingestion_pipeline"
NOTHING = {"clients": 0, "employees": 0, "operations": 0, "facebook": 0, "survey": 0}
TABLES = ("nubank_data.operations", "nubank_data.quarantine", "marketing.facebook", "marketing.quarantine")


def _oid(n: int) -> ObjectId:
    # Timestamp 0x00000001: 1970, a range the generators (created_at-based ids) never reach.
    return ObjectId(f"00000001{RUN_TAG}{n:06x}")


RUN_TAG = uuid.uuid4().hex[:10]


@pytest.fixture(scope="module")
def airflow() -> Any:
    from datalake.airflow_api import AirflowClient
    from datalake.pipelines import mongo

    mongo.setup()
    return AirflowClient().unpause_when_parsed(DAG_ID, timeout_s=180)


@pytest.fixture(scope="module")
def mongo_client() -> Iterator[pymongo.MongoClient]:
    client = pymongo.MongoClient(get_settings().mongo_uri)
    yield client
    client.close()


def _run(airflow: Any, day: date) -> str:
    run_id = f"e2e__mongo_{day:%Y%m%d}_{uuid.uuid4().hex[:6]}"
    logical = datetime.combine(day, datetime.min.time(), tzinfo=UTC).isoformat()
    airflow.trigger(DAG_ID, logical, run_id=run_id, conf=NOTHING)
    airflow.wait_for_success(DAG_ID, run_id)
    return run_id


def _rows(sql: str) -> list[tuple[Any, ...]]:
    with thrift.connect() as conn:
        cursor = conn.cursor()
        for table in TABLES:
            cursor.execute(f"REFRESH TABLE {table}")
        cursor.execute(sql)
        return cursor.fetchall()


def _ours(table: str, columns: str) -> list[tuple[Any, ...]]:
    return _rows(f"SELECT {columns} FROM {table} WHERE id LIKE '00000001{RUN_TAG}%' ORDER BY id")


def _fingerprint() -> dict[str, tuple[Any, ...]]:
    """Row count and an order-independent hash over every column, per table."""
    out = {}
    for table in TABLES:
        (row,) = _rows(
            f"SELECT COUNT(*), SUM(CAST(conv(substr(sha2(to_json(struct(*)), 256), 1, 15), 16, 10) AS DECIMAL(38, 0))) "
            f"FROM {table}"
        )
        out[table] = row
    return out


def test_changes_in_mongo_reach_hive_and_a_rerun_changes_nothing(
    airflow: Any, mongo_client: pymongo.MongoClient
) -> None:
    nubank, marketing = mongo_client["nubank_data"], mongo_client["santander_marketing"]
    # Dates no real run has (catchup is off) and on or after the start_date (earlier runs get no tasks).
    day_a = date(2026, 1, 1) + timedelta(days=int(RUN_TAG[:4], 16) % 200)
    day_b = day_a + timedelta(days=1)
    at = datetime(2001, 1, 1, 12, tzinfo=UTC)
    operation = {
        "client_id": _oid(900),
        "tipo": "pix",
        "canal": "app",
        "timestamp": at,
        "status": "concluida",
    }
    reaction = {"campaign": "e2e", "ad_id": "e2e-01", "reaction": "like", "timestamp": at}
    try:
        nubank.operations.insert_many(
            [{"_id": _oid(i), **operation, "valor": Decimal128(f"{i}.50")} for i in (1, 2)]
        )
        marketing.facebook.insert_many([{"_id": _oid(i), **reaction, "likes": i} for i in (1, 2, 3)])
        _run(airflow, day_a)
        assert _ours("nubank_data.operations", "id, valor") == [
            (str(_oid(1)), Decimal("1.50")),
            (str(_oid(2)), Decimal("2.50")),
        ]
        assert _ours("marketing.facebook", "id, likes") == [(str(_oid(i)), i) for i in (1, 2, 3)]

        marketing.facebook.update_one({"_id": _oid(1)}, {"$set": {"likes": 100, "comment": "updated"}})
        marketing.facebook.delete_one({"_id": _oid(2)})
        marketing.facebook.insert_one({"_id": _oid(4), **reaction, "likes": 4})
        marketing.facebook.insert_one({"_id": _oid(5), **reaction, "likes": "muitos"})  # broken: quarantined
        nubank.operations.update_one({"_id": _oid(2)}, {"$set": {"valor": "12,50"}})  # broken now
        run_b = _run(airflow, day_b)
        assert _ours("marketing.facebook", "id, likes, comment, cdc_op") == [
            (str(_oid(1)), 100, "updated", "update"),
            (str(_oid(3)), 3, None, "insert"),
            (str(_oid(4)), 4, None, "insert"),
        ]
        assert _ours("marketing.quarantine", "id, reasons") == [
            (str(_oid(5)), '["likes: expected a whole number, got a string muitos"]')
        ]
        assert _ours("nubank_data.operations", "id") == [(str(_oid(1)),)]
        assert _ours("nubank_data.quarantine", "id, collection") == [(str(_oid(2)), "operations")]

        before = _fingerprint()
        airflow.clear(DAG_ID, run_b)
        airflow.wait_for_success(DAG_ID, run_b)
        assert _fingerprint() == before
    finally:
        nubank.operations.delete_many({"_id": {"$in": [_oid(i) for i in (1, 2)]}})
        marketing.facebook.delete_many({"_id": {"$in": [_oid(i) for i in range(1, 6)]}})
        nubank.ingestion_runs.delete_many({"_id": {"$in": [day_a.isoformat(), day_b.isoformat()]}})
        cleanup = _run(airflow, day_b + timedelta(days=1))
        nubank.ingestion_runs.delete_one({"_id": (day_b + timedelta(days=1)).isoformat()})
        assert cleanup
    for table in TABLES:
        assert _ours(table, "id") == [], f"test rows left in {table}"
