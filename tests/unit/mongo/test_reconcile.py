"""Mongo-side measures: every BSON number type sums exactly as Hive's decimals; quarantine counted."""

from __future__ import annotations

from decimal import Decimal

from bson import Decimal128, Int64, ObjectId

from datalake.pipelines.mongo_reconcile import Check, as_decimal, compare, mongo_measures

CHECK = Check("nubank_data", "operations", "nubank_data.operations", "valor", 2, "")


def test_bson_numbers_as_hive_decimals() -> None:
    assert as_decimal(Decimal128("12.50"), 2) == Decimal("12.50")
    assert as_decimal(5, 2) == Decimal("5.00")
    assert as_decimal(Int64(7), 0) == Decimal("7")
    assert as_decimal(0.1 + 0.2, 2) == Decimal("0.30")
    assert as_decimal(2.675, 2) == Decimal("2.68")  # repr first: what Spark's cast of the double gives
    assert as_decimal("12,50", 2) is None and as_decimal(float("nan"), 2) is None


def test_quarantined_documents_are_left_out_and_accounted_for() -> None:
    a, b, c = (
        ObjectId(b"\x00" * 11 + b"\x01"),
        ObjectId(b"\x00" * 11 + b"\x02"),
        ObjectId(b"\x00" * 11 + b"\x03"),
    )
    docs = [{"_id": a, "valor": Decimal128("1.10")}, {"_id": b, "valor": 2}, {"_id": c, "valor": "3,30"}]
    m = mongo_measures(docs, "valor", 2, quarantined={str(c)})
    assert m == {"all": 3, "rows": 2, "sum": Decimal("3.10"), "min_id": str(a), "max_id": str(b)}
    hive = {"rows": 2, "sum": Decimal("3.10"), "min_id": str(a), "max_id": str(b)}
    assert compare(CHECK, m, hive, quarantined=1) == []
    assert compare(CHECK, m, {**hive, "rows": 1}, quarantined=1) == [
        "nubank_data.operations vs nubank_data.operations: rows mongo=2 hive=1",
        "nubank_data.operations vs nubank_data.operations: 3 documents != 1 rows + 1 quarantined",
    ]
