"""Typed columns from MongoDB documents read as canonical Extended JSON strings.

Both Mongo paths hand Spark every field as a string: the Spark connector with
`outputExtendedJson=true` and an all-string schema, and the Kafka source connector's `ExtendedJson`
formatter read back with Spark's JSON reader (which keeps a nested object as its JSON text). In
canonical Extended JSON every non-string BSON value is an object naming its type, so the type a
document really holds is never lost:

    "Ana"                                        a string (bare)
    {"$numberInt": "5"}, {"$numberLong": "7"}     Int32, Int64
    {"$numberDouble": "2.5"}                      Double
    {"$numberDecimal": "12.50"}                   Decimal128
    {"$date": {"$numberLong": "1767323045000"}}   a date (epoch milliseconds)
    {"$oid": "6b0b99ec..."}                       an ObjectId
    {"uf": "SP", ...}, [...]                      a sub-document, an array

`parse` turns a DataFrame of such strings into typed columns plus `_errors`, the reasons a
document breaks its contract (missing required field, wrong BSON type, out of range); the jobs
keep the documents without errors and quarantine the others with the reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    DataType,
    DecimalType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

Kind = Literal["objectId", "string", "decimal", "integer", "date", "document", "array"]

_NUMBER = StructType(
    [StructField(k, StringType()) for k in ("$numberInt", "$numberLong", "$numberDouble", "$numberDecimal")]
)
_DATE = StructType([StructField("$date", StructType([StructField("$numberLong", StringType())]))])
_OID = StructType([StructField("$oid", StringType())])
_WIDE = DecimalType(38, 6)  # wide enough for any field before the target type's own cast


@dataclass(frozen=True)
class Field:
    """One top-level field of a collection's contract.

    `type` is the Spark type of a `decimal` or `integer` field; `bounds` an inclusive range for
    numbers; `pii` fields are left out of quarantine rows (the source keeps them).
    """

    name: str
    kind: Kind
    required: bool = True
    type: DataType | None = None
    bounds: tuple[float, float] | None = None
    pii: bool = False


def raw_schema(fields: Sequence[Field]) -> StructType:
    """Every contract field as a string: what both readers are asked for."""
    return StructType([StructField(f.name, StringType()) for f in fields])


def bson_kind(raw: Column) -> Column:
    """A readable name of the BSON type a raw value holds, for error messages."""
    number = F.from_json(raw, _NUMBER)
    return (
        F.when(raw.isNull(), F.lit("nothing"))
        .when(~raw.startswith("{") & ~raw.startswith("["), F.lit("a string"))
        .when(raw.startswith("["), F.lit("an array"))
        .when(number["$numberInt"].isNotNull(), F.lit("an Int32"))
        .when(number["$numberLong"].isNotNull(), F.lit("an Int64"))
        .when(number["$numberDouble"].isNotNull(), F.lit("a Double"))
        .when(number["$numberDecimal"].isNotNull(), F.lit("a Decimal128"))
        .when(raw.startswith('{"$date"'), F.lit("a date"))
        .when(raw.startswith('{"$oid"'), F.lit("an ObjectId"))
        .otherwise(F.lit("a document"))
    )


def as_number(raw: Column) -> Column:
    """Any BSON number (Int32, Int64, Double, Decimal128) as decimal(38,6); null otherwise.

    NaN and infinities, which no decimal holds, are null too.
    """
    n = F.from_json(raw, _NUMBER)
    text = F.coalesce(n["$numberDecimal"], n["$numberDouble"], n["$numberLong"], n["$numberInt"])
    return F.when(raw.startswith("{"), text.try_cast(_WIDE))


def as_date(raw: Column) -> Column:
    """A BSON date as a timestamp (UTC); null for anything else."""
    millis = F.from_json(raw, _DATE)["$date"]["$numberLong"].try_cast(LongType())
    return F.when(raw.startswith('{"$date"'), F.timestamp_millis(millis))


def as_object_id(raw: Column) -> Column:
    """An ObjectId as its 24 hex digits; null for anything else."""
    oid = F.from_json(raw, _OID)["$oid"]
    return F.when(raw.startswith('{"$oid"') & oid.rlike("^[0-9a-f]{24}$"), oid)


def is_string(raw: Column) -> Column:
    return raw.isNotNull() & ~raw.startswith("{") & ~raw.startswith("[")


def typed(field: Field, raw: Column) -> Column:
    """The field's typed value, null when absent or of another type."""
    if field.kind == "objectId":
        return as_object_id(raw)
    if field.kind == "string":
        return F.when(is_string(raw), raw)
    if field.kind == "date":
        return as_date(raw)
    if field.kind == "document":
        return F.when(raw.startswith("{") & ~raw.startswith('{"$'), raw)
    if field.kind == "array":
        return F.when(raw.startswith("["), raw)
    number = as_number(raw)
    target = field.type or (IntegerType() if field.kind == "integer" else DecimalType(38, 6))
    if field.kind == "integer":
        number = F.when(number == F.floor(number), number)
    return number.try_cast(target)


def error(field: Field, raw: Column, value: Column) -> Column:
    """Why the field breaks the contract, or null when it does not."""
    problems = F.when(raw.isNull(), F.lit(f"{field.name}: missing") if field.required else F.lit(None))
    wrong = F.concat(
        F.lit(f"{field.name}: expected {_EXPECTED[field.kind]}, got "),
        bson_kind(raw),
        F.lit(" "),
        F.substring(raw, 1, 60),
    )
    problems = problems.when(value.isNull(), wrong)
    if field.bounds is not None:
        low, high = field.bounds
        problems = problems.when(
            (value < low) | (value > high),
            F.concat(F.lit(f"{field.name}: out of range [{low:g}, {high:g}]: "), raw),
        )
    return problems


_EXPECTED: dict[str, str] = {
    "objectId": "an ObjectId",
    "string": "a string",
    "decimal": "a number",
    "integer": "a whole number",
    "date": "a date",
    "document": "a document",
    "array": "an array",
}


def parse(raw: DataFrame, fields: Sequence[Field], *, keep: Sequence[str] = ()) -> DataFrame:
    """Typed `fields` (same names), `_errors` (array of reasons, empty when valid) and `_raw`.

    `_raw` is the document's contract fields as JSON, without the `pii` ones, for the quarantine.
    `keep` names further columns of `raw` to carry along (lineage such as Kafka offsets).
    """
    values = {f.name: typed(f, F.col(f.name)) for f in fields}
    errors = [error(f, F.col(f.name), values[f.name]) for f in fields]
    raw_json = F.to_json(F.struct(*[F.col(f.name) for f in fields if not f.pii]))
    return raw.select(
        *keep,
        *[values[f.name].alias(f.name) for f in fields],
        F.filter(F.array(*errors), lambda e: e.isNotNull()).alias("_errors"),
        raw_json.alias("_raw"),
    )


def valid(parsed: DataFrame) -> DataFrame:
    return parsed.where(F.size("_errors") == 0).drop("_errors", "_raw")


def invalid(parsed: DataFrame) -> DataFrame:
    return parsed.where(F.size("_errors") > 0)


def json_array(raw: Column, element: StructType) -> Column:
    """An array of sub-documents parsed with `element` (leaves as strings: Extended JSON again)."""
    return F.from_json(raw, ArrayType(element))


def json_field(raw: Column, name: str) -> Column:
    """One field of a sub-document, as its raw (Extended JSON) string."""
    return F.from_json(raw, StructType([StructField(name, StringType())]))[name]
