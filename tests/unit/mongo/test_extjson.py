"""Extended JSON strings -> typed columns and reasons, on documents as the two readers hand them over."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from datalake.jobs.mongo import extjson
from datalake.jobs.mongo.extjson import Field
from pyspark.sql.types import DecimalType, IntegerType, LongType
from pyspark.testing import assertDataFrameEqual

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

OID = "6b0b99ecb93fe25c82734b0b"
FIELDS = (
    Field("_id", "objectId"),
    Field("nome", "string", pii=True),
    Field("valor", "decimal", type=DecimalType(14, 2), bounds=(0, 1_000_000)),
    Field("n", "integer", required=False, type=LongType()),
    Field("nps", "integer", required=False, type=IntegerType(), bounds=(0, 10)),
    Field("ts", "date"),
    Field("address", "document", required=False),
)


def _raw(spark: SparkSession, *rows: dict[str, str | None]):
    return spark.createDataFrame(
        [tuple(r.get(f.name) for f in FIELDS) for r in rows], extjson.raw_schema(FIELDS)
    )


def _good(**over: str | None) -> dict[str, str | None]:
    return {
        "_id": f'{{"$oid": "{OID}"}}',
        "nome": "Ana",
        "valor": '{"$numberDecimal": "12.50"}',
        "ts": '{"$date": {"$numberLong": "1767323045000"}}',
        **over,
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"$numberDecimal": "12.50"}', Decimal("12.50")),
        ('{"$numberInt": "5"}', Decimal("5.00")),
        ('{"$numberLong": "7"}', Decimal("7.00")),
        ('{"$numberDouble": "2.5"}', Decimal("2.50")),
        ('{"$numberDecimal":"12.50"}', Decimal("12.50")),  # as Spark's JSON reader re-writes it
    ],
)
def test_every_bson_number_type_is_a_number(spark: SparkSession, raw: str, expected: Decimal) -> None:
    parsed = extjson.parse(_raw(spark, _good(valor=raw)), FIELDS)
    row = parsed.collect()[0]
    assert (row.valor, row._errors) == (expected, [])


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"valor": "12,50"}, "valor: expected a number, got a string 12,50"),
        ({"valor": '{"$numberDouble": "NaN"}'}, "valor: expected a number, got a Double"),
        ({"valor": '{"$numberDecimal": "-1"}'}, "valor: out of range [0, 1e+06]"),
        ({"valor": None}, "valor: missing"),
        ({"_id": '"abc"'}, "_id: expected an ObjectId, got a string"),
        ({"nome": '{"$numberInt": "1"}'}, "nome: expected a string, got an Int32"),
        ({"ts": "2026-01-02"}, "ts: expected a date, got a string 2026-01-02"),
        ({"address": "Rua X, 12"}, "address: expected a document, got a string"),
        ({"n": '{"$numberDouble": "2.5"}'}, "n: expected a whole number, got a Double"),
        ({"nps": '{"$numberInt": "11"}'}, "nps: out of range [0, 10]"),
        ({"valor": '{"$numberDecimal": "1", "x": 2}'}, "valor: expected a number, got a Decimal128"),
        ({"_id": '{"$oid": "6b0b99ecb93fe25c82734b0"}'}, "_id: expected an ObjectId, got an ObjectId"),
        ({"ts": '{"$date": "2026-01-02T03:04:05Z"}'}, "ts: expected a date, got a date"),
    ],
)
def test_a_broken_field_gives_a_reason_naming_it(
    spark: SparkSession, over: dict[str, str], reason: str
) -> None:
    (row,) = extjson.parse(_raw(spark, _good(**over)), FIELDS).collect()
    assert len(row._errors) == 1 and row._errors[0].startswith(reason), row._errors


def test_valid_and_invalid_split_and_pii_stays_out_of_the_quarantine(spark: SparkSession) -> None:
    raw = _raw(
        spark,
        _good(n='{"$numberDouble": "3.0"}', nps='{"$numberInt": "9"}', address='{"uf": "SP"}'),
        _good(_id=f'{{"$oid": "{OID[:-1]}c"}}', valor="12,50", nome="Secret Name"),
    )
    parsed = extjson.parse(raw, FIELDS)
    expected = spark.createDataFrame(
        [(OID, "Ana", Decimal("12.50"), 3, 9, datetime(2026, 1, 2, 3, 4, 5), '{"uf": "SP"}')],
        "_id string, nome string, valor decimal(14,2), n bigint, nps int, ts timestamp, address string",
    )
    assertDataFrameEqual(extjson.valid(parsed), expected)
    (bad,) = extjson.invalid(parsed).collect()
    assert bad._errors == ["valor: expected a number, got a string 12,50"]
    assert "Secret Name" not in bad._raw and "12,50" in bad._raw


def test_compact_wrappers_read_as_the_spaced_ones(spark: SparkSession) -> None:
    compact = _good(_id=f'{{"$oid":"{OID}"}}', ts='{ "$date" : {"$numberLong":"1767323045000"} }')
    (row,) = extjson.parse(_raw(spark, compact), FIELDS).collect()
    assert (row._id, row.ts, row._errors) == (OID, datetime(2026, 1, 2, 3, 4, 5), [])


def test_absent_optional_fields_are_null_not_errors(spark: SparkSession) -> None:
    (row,) = extjson.parse(_raw(spark, _good()), FIELDS).collect()
    assert (row.n, row.nps, row.address, row._errors) == (None, None, None, [])
