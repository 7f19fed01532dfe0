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

import functools
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


# Canonical Extended JSON wrappers, matched by pattern: a regular expression costs a fifth of a
# JSON parse per value, and every value of every document goes through one. Whitespace is optional
# (the Java driver writes `{"$oid": "..."}`, Spark's JSON reader hands back `{"$oid":"..."}`); a
# wrapper with any further key is not the type it names.
_NUMBER_TEXT = r'^\{\s*"\$number(?:Int|Long|Double|Decimal)"\s*:\s*"([^"]*)"\s*\}$'
_DATE_MILLIS = r'^\{\s*"\$date"\s*:\s*\{\s*"\$numberLong"\s*:\s*"(-?[0-9]{1,19})"\s*\}\s*\}$'
_OBJECT_ID = r'^\{\s*"\$oid"\s*:\s*"([0-9a-f]{24})"\s*\}$'


def _wrapped(raw: Column, pattern: str) -> Column:
    """The text a wrapper holds, or null when `raw` is not that wrapper."""
    return F.nullif(F.regexp_extract(raw, pattern, 1), F.lit(""))


def as_number(raw: Column) -> Column:
    """Any BSON number (Int32, Int64, Double, Decimal128) as decimal(38,6); null otherwise.

    NaN and infinities, which no decimal holds, are null too.
    """
    return _wrapped(raw, _NUMBER_TEXT).try_cast(_WIDE)


def as_date(raw: Column) -> Column:
    """A BSON date as a timestamp (UTC); null for anything else."""
    return F.timestamp_millis(_wrapped(raw, _DATE_MILLIS).try_cast(LongType()))


def as_object_id(raw: Column) -> Column:
    """An ObjectId as its 24 hex digits; null for anything else."""
    return _wrapped(raw, _OBJECT_ID)


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
        problems = problems.when(
            ~_within(field.bounds, value),
            F.concat(F.lit(f"{field.name}: out of range [{field.bounds[0]:g}, {field.bounds[1]:g}]: "), raw),
        )
    return problems


def _within(bounds: tuple[float, float], value: Column) -> Column:
    low, high = bounds
    return (value >= low) & (value <= high)


def keeps_contract(field: Field, raw: Column, value: Column) -> Column:
    """True when `error` is null: the same rules as one boolean, cheap enough for every row."""
    held = value.isNotNull()
    if field.bounds is not None:
        held = held & _within(field.bounds, value)
    return (raw.isNull() & F.lit(not field.required)) | held


_EXPECTED: dict[str, str] = {
    "objectId": "an ObjectId",
    "string": "a string",
    "decimal": "a number",
    "integer": "a whole number",
    "date": "a date",
    "document": "a document",
    "array": "an array",
}


def parse(
    raw: DataFrame,
    fields: Sequence[Field],
    *,
    keep: Sequence[str] = (),
    rules: Sequence[tuple[Column, str]] = (),
) -> DataFrame:
    """Typed `fields` (same names), `_errors` (array of reasons, empty when valid) and `_raw`.

    `_raw` is the document's contract fields as JSON, without the `pii` ones, for the quarantine
    (null for a valid document). `keep` names further columns of `raw` to carry along (lineage such
    as Kafka offsets); `rules` are further (broken, reason) checks over the raw columns. The reasons
    and `_raw` are only built for a broken document: every row is checked by one compiled
    condition, and a valid one (nearly all) costs no more than that.
    """
    values = {f.name: typed(f, F.col(f.name)) for f in fields}
    broken = [F.coalesce(condition, F.lit(False)) for condition, _ in rules]
    held = [keeps_contract(f, F.col(f.name), values[f.name]) for f in fields] + [~b for b in broken]
    ok = functools.reduce(lambda a, b: a & b, held)
    errors = [error(f, F.col(f.name), values[f.name]) for f in fields]
    errors += [F.when(b, F.lit(reason)) for b, (_, reason) in zip(broken, rules, strict=True)]
    raw_json = F.to_json(F.struct(*[F.col(f.name) for f in fields if not f.pii]))
    return raw.select(
        *keep,
        *[values[f.name].alias(f.name) for f in fields],
        F.when(ok, F.array().cast("array<string>"))
        .otherwise(F.filter(F.array(*errors), lambda e: e.isNotNull()))
        .alias("_errors"),
        F.when(~ok, raw_json).alias("_raw"),
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
