"""The stream's parse and validation: Kafka records -> typed `ratings` rows or `ratings_quarantine` rows.

Pure `DataFrame -> DataFrame` transforms, no session and no I/O: separate from the query and its
sink (`stream_ratings.py`, `stream_sink.py`) so the event contract can be read, unit-tested and
benchmarked alone.
"""

from __future__ import annotations

from datalake.jobs.movie_ratings.schemas import (
    QUARANTINE_SCHEMA,
    RATINGS_CSV_SCHEMA,
    RATINGS_SCHEMA,
    SOURCE_STREAM,
)
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

# Event fields in check order, and the kind of JSON value each must hold.
INT, LONG, RATING = "int", "bigint", "rating"
EVENT_FIELDS: tuple[tuple[str, str], ...] = (
    ("userId", INT),
    ("movieId", INT),
    ("rating", RATING),
    ("timestamp", LONG),
)
MIN_RATING, MAX_RATING = 0.5, 5.0

# The fast path's typed schema: Jackson takes only JSON integers for int/bigint fields and numbers
# for double; strings, fractions and out-of-range integers come out null.
_FAST_SCHEMA = StructType(
    [
        *RATINGS_CSV_SCHEMA.fields,  # the event's four typed fields, as in MovieLens ratings.csv
        # Set whenever any field failed: Spark then keeps partial results in the other fields
        # (even an earlier value of a repeated key), so such a record must take the exact path.
        StructField("_corrupt", StringType()),
    ]
)
# Jackson's leniencies that the VARIANT parser (the exact path) does not share.
_FAST_OPTIONS = {
    "allowSingleQuotes": "false",
    "allowNonNumericNumbers": "false",
    "mode": "PERMISSIVE",
    "columnNameOfCorruptRecord": "_corrupt",
}

# What `schema_of_variant` calls a JSON number (integers are BIGINT, decimals DECIMAL(p,s)).
_NUMBER_TYPES = ("TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE")


def _field(name: str) -> str:
    return f"_f_{name}"


def _is_number(type_name: Column) -> Column:
    return type_name.isin(*_NUMBER_TYPES) | type_name.startswith("DECIMAL")


def parse_ratings(kafka: DataFrame, fast_path: bool = True) -> DataFrame:
    """Kafka records -> one row per record with the typed event columns, or a `reason` why not.

    Input: the Kafka source columns (`value` binary, `partition`, `offset`, `timestamp`).
    Output: userId, movieId, rating, timestamp (null unless valid), reason (null when valid),
    raw_value, kafka_partition, kafka_offset, kafka_timestamp.

    Reasons, first match wins: null_value, empty_value, not_json (also valid JSON that is not
    an object), missing_field:<name> (absent or JSON null), wrong_type:<name> (not a JSON number,
    e.g. the string "5"; for userId/movieId/timestamp also a fractional number such as 1.5 or
    one outside int range; integral decimals like 3.0 are accepted), rating_out_of_range
    (outside 0.5..5.0), rating_not_half_step, timestamp_out_of_range (negative epoch).
    Unknown extra fields are ignored, so producers may add fields without breaking the stream;
    with `stream_ratings.STREAM_CONF` a repeated key takes its last value (as JSON.parse does).

    `fast_path=False` sends every record through the exact checks; the result is the same (a
    unit test compares both on thousands of mangled records), only slower.
    """
    base = kafka.select(
        F.col("value").cast("string").alias("raw_value"),
        F.col("partition").cast("int").alias("kafka_partition"),
        F.col("offset").cast("bigint").alias("kafka_offset"),
        F.col("timestamp").cast("timestamp").alias("kafka_timestamp"),
    )
    # Fast path: one strict Jackson parse into the typed fields. It accepts only what the exact
    # checks below would accept too (numbers for numbers, no NaN, no single quotes), so a record
    # that passes is valid; the rest, a small share of a healthy stream, gets the exact checks.
    fast = F.from_json("raw_value", _FAST_SCHEMA, _FAST_OPTIONS)
    base = base.withColumn("_fast", fast)
    fast_ok = F.lit(fast_path) & F.coalesce(
        F.col("_fast").isNotNull()
        & F.col("_fast._corrupt").isNull()
        & F.col("_fast.userId").isNotNull()
        & F.col("_fast.movieId").isNotNull()
        & (F.col("_fast.timestamp") >= 0)
        & ~F.isnan("_fast.rating")
        & F.col("_fast.rating").between(MIN_RATING, MAX_RATING)
        & (F.col("_fast.rating") * 2 == F.floor(F.col("_fast.rating") * 2)),
        F.lit(False),
    )
    base = base.withColumn("_fast_ok", fast_ok)
    # Spark 4's VARIANT keeps the JSON token types, so "5" (string) and 5 (number) stay distinct;
    # from_json with typed fields would only say "null". Parsed only for rows the fast path
    # rejected; separate projections keep the parse from being repeated per check.
    parsed = base.withColumn("_v", F.when(~F.col("_fast_ok"), F.try_parse_json("raw_value")))
    parsed = parsed.withColumns(
        {_field(name): F.variant_get("_v", f"$.{name}", "variant") for name, _ in EVENT_FIELDS}
        | {"_is_object": F.schema_of_variant("_v").startswith("OBJECT")}
    )

    values: dict[str, Column] = {}
    checks: list[tuple[Column, Column]] = [
        (F.col("raw_value").isNull(), F.lit("null_value")),
        (F.trim("raw_value") == "", F.lit("empty_value")),
        (F.col("_v").isNull() | ~F.col("_is_object"), F.lit("not_json")),
    ]
    for name, _ in EVENT_FIELDS:
        field = F.col(_field(name))
        checks.append((field.isNull() | F.is_variant_null(field), F.lit(f"missing_field:{name}")))
    for name, kind in EVENT_FIELDS:
        field = F.col(_field(name))
        number = _is_number(F.schema_of_variant(field))
        as_double = F.try_variant_get(field, "$", "double")
        if kind == RATING:
            values[name] = as_double
            bad = ~number | as_double.isNull()
        else:
            # try_variant_get truncates 1.5 to 1, so integrality is checked on the double first.
            values[name] = F.try_variant_get(field, "$", kind)
            bad = ~number | (as_double != F.floor(as_double)) | values[name].isNull()
        # A null check would count as "passed": coalesce so an unforeseen case is quarantined.
        checks.append((F.coalesce(bad, F.lit(True)), F.lit(f"wrong_type:{name}")))
    rating = values["rating"]
    checks += [
        ((rating < MIN_RATING) | (rating > MAX_RATING), F.lit("rating_out_of_range")),
        (rating * 2 != F.floor(rating * 2), F.lit("rating_not_half_step")),
        (values["timestamp"] < 0, F.lit("timestamp_out_of_range")),
    ]

    reason = F.when(F.col("_fast_ok"), F.lit(None).cast("string"))
    for condition, label in checks:
        reason = reason.when(condition, label)
    values = {
        name: F.when(F.col("_fast_ok"), F.col(f"_fast.{name}")).otherwise(value)
        for name, value in values.items()
    }
    with_reason = parsed.withColumns(values).withColumn("reason", reason)
    return with_reason.select(
        *[F.when(F.col("reason").isNull(), F.col(name)).alias(name) for name, _ in EVENT_FIELDS],
        "reason",
        "raw_value",
        "kafka_partition",
        "kafka_offset",
        "kafka_timestamp",
    )


def valid(parsed: DataFrame) -> DataFrame:
    """The rows of `parse_ratings` that passed, in the `ratings` table layout (source 'stream')."""
    return (
        parsed.where(F.col("reason").isNull())
        .select(
            "userId",
            "movieId",
            "rating",
            "timestamp",
            F.lit(SOURCE_STREAM).alias("source"),
            "kafka_partition",
            "kafka_offset",
        )
        .select([f.name for f in RATINGS_SCHEMA.fields])
    )


def quarantined(parsed: DataFrame, at: Column | None = None) -> DataFrame:
    """The rows of `parse_ratings` that failed, in the `ratings_quarantine` layout."""
    return (
        parsed.where(F.col("reason").isNotNull())
        .select(
            "raw_value",
            "reason",
            "kafka_partition",
            "kafka_offset",
            "kafka_timestamp",
            (F.current_timestamp() if at is None else at).alias("quarantined_at"),
        )
        .select([f.name for f in QUARANTINE_SCHEMA.fields])
    )
