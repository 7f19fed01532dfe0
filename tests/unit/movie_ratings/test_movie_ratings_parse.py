"""parse_ratings: every Kafka record comes out once, typed or with the one reason it was rejected."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from datalake.jobs.movie_ratings.schemas import QUARANTINE_SCHEMA, RATINGS_SCHEMA
from datalake.jobs.movie_ratings.stream_parse import parse_ratings, quarantined, valid
from datalake.jobs.movie_ratings.stream_ratings import STREAM_CONF
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

KAFKA_SCHEMA = "key binary, value binary, topic string, partition int, offset long, timestamp timestamp"
GOOD = '{"userId":1,"movieId":296,"rating":5.0,"timestamp":1147880044}'

# (raw value, expected reason); None = valid.
CASES: list[tuple[str | None, str | None]] = [
    (GOOD, None),
    ('{"userId":7,"movieId":1,"rating":3,"timestamp":1,"extra":"ignored"}', None),  # int rating, extra key
    ('{"userId":2.0,"movieId":3,"rating":0.5,"timestamp":1.0E9}', None),  # integral numbers are fine
    (None, "null_value"),
    ("", "empty_value"),
    ("   ", "empty_value"),
    ("not json at all", "not_json"),
    ('{"userId":1,', "not_json"),
    ("[1,2,3]", "not_json"),
    ("42", "not_json"),
    ("OrderedDict([('userId', '1'), ('movieId', '296')])", "not_json"),  # the seed's payload
    ('{"movieId":1,"rating":4.0,"timestamp":1}', "missing_field:userId"),
    ('{"userId":1,"rating":4.0,"timestamp":1}', "missing_field:movieId"),
    ('{"userId":1,"movieId":1,"rating":null,"timestamp":1}', "missing_field:rating"),
    ('{"userId":1,"movieId":1,"rating":4.0}', "missing_field:timestamp"),
    ('{"userId":"1","movieId":1,"rating":4.0,"timestamp":1}', "wrong_type:userId"),
    ('{"userId":1.5,"movieId":1,"rating":4.0,"timestamp":1}', "wrong_type:userId"),
    ('{"userId":99999999999,"movieId":1,"rating":4.0,"timestamp":1}', "wrong_type:userId"),
    ('{"userId":1,"movieId":true,"rating":4.0,"timestamp":1}', "wrong_type:movieId"),
    ('{"userId":1,"movieId":{"id":1},"rating":4.0,"timestamp":1}', "wrong_type:movieId"),
    ('{"userId":1,"movieId":1,"rating":"5","timestamp":1}', "wrong_type:rating"),
    ('{"userId":1,"movieId":1,"rating":4.0,"timestamp":"1147880044"}', "wrong_type:timestamp"),
    ('{"userId":1,"movieId":1,"rating":4.0,"timestamp":1147880044.5}', "wrong_type:timestamp"),
    ('{"userId":1,"movieId":1,"rating":5.5,"timestamp":1}', "rating_out_of_range"),
    ('{"userId":1,"movieId":1,"rating":0.0,"timestamp":1}', "rating_out_of_range"),
    ('{"userId":1,"movieId":1,"rating":-1,"timestamp":1}', "rating_out_of_range"),
    ('{"userId":1,"movieId":1,"rating":3.7,"timestamp":1}', "rating_not_half_step"),
    ('{"userId":1,"movieId":1,"rating":4.25,"timestamp":1}', "rating_not_half_step"),
    ('{"userId":1,"movieId":1,"rating":4.0,"timestamp":-5}', "timestamp_out_of_range"),
    ('{"userId":"x","movieId":1,"rating":9,"timestamp":1}', "wrong_type:userId"),  # first rule wins
    ('{"rating":"bad"}', "missing_field:userId"),
    # Where the fast path's Jackson parser is more lenient than JSON: the exact path decides.
    ("{'userId':1,'movieId':2,'rating':3.5,'timestamp':4}", "not_json"),  # single quotes
    ('{"userId":1,"movieId":2,"rating":"NaN","timestamp":4}', "wrong_type:rating"),
    ('{"userId":1,"movieId":2,"rating":NaN,"timestamp":4}', "not_json"),
    ('{"userId":1,"movieId":2,"rating":Infinity,"timestamp":4}', "not_json"),
    ('{"userId":1,"movieId":2,"rating":1e400,"timestamp":4}', "rating_out_of_range"),
    ('{"userId":01,"movieId":2,"rating":3.5,"timestamp":4}', "not_json"),  # leading zero
    ('{"userId":1,"movieId":2,"rating":3.5,"timestamp":9223372036854775808}', "wrong_type:timestamp"),
    ('{"userId":1,"movieId":2,"rating":3.5,"timestamp":4,"x":"\\q"}', "not_json"),  # bad escape
    ('{"userId":1,"userId":9,"movieId":2,"rating":3.5,"timestamp":4}', None),  # last key wins
    ('{"userId":1,"userId":"9","movieId":2,"rating":3.5,"timestamp":4}', "wrong_type:userId"),
    ('{"userId":"1","userId":9,"movieId":2,"rating":3.5,"timestamp":4}', None),
]


DUPLICATE_KEYS = "spark.sql.variant.allowDuplicateKeys"


@pytest.fixture(scope="module", autouse=True)
def stream_variant_conf(spark: SparkSession) -> Iterator[None]:
    """The stream session's VARIANT setting, for this module only (the unit session is shared)."""
    spark.conf.set(DUPLICATE_KEYS, STREAM_CONF[DUPLICATE_KEYS])
    yield
    spark.conf.unset(DUPLICATE_KEYS)


@pytest.fixture(scope="module")
def parsed(spark: SparkSession):
    rows = [
        (b"k", None if raw is None else raw.encode(), "movieRatings", 0, offset, datetime(2024, 6, 1, 12))
        for offset, (raw, _) in enumerate(CASES)
    ]
    kafka = spark.createDataFrame(rows, KAFKA_SCHEMA)
    return parse_ratings(kafka).cache()


def test_every_record_once_with_the_expected_reason(parsed) -> None:
    got = {row.kafka_offset: row.reason for row in parsed.collect()}
    assert len(got) == parsed.count() == len(CASES)
    mismatches = {
        offset: (raw, expected, got[offset])
        for offset, (raw, expected) in enumerate(CASES)
        if got[offset] != expected
    }
    assert mismatches == {}


def test_valid_rows_are_typed_and_rejected_rows_carry_no_values(parsed) -> None:
    rows = {row.kafka_offset: row for row in parsed.collect()}
    assert (rows[0].userId, rows[0].movieId, rows[0].rating, rows[0].timestamp) == (1, 296, 5.0, 1147880044)
    assert (rows[1].rating, rows[2].userId, rows[2].timestamp) == (3.0, 2, 1_000_000_000)
    assert rows[0].raw_value == GOOD and rows[0].kafka_partition == 0
    for offset, (_, reason) in enumerate(CASES):
        if reason is not None:
            assert (rows[offset].userId, rows[offset].rating, rows[offset].timestamp) == (None, None, None)


def test_valid_and_quarantined_split_into_the_table_layouts(parsed) -> None:
    good, bad = valid(parsed), quarantined(parsed, at=F.lit(datetime(2024, 6, 2)))
    assert good.count() + bad.count() == len(CASES)
    assert [f.name for f in good.schema.fields] == [f.name for f in RATINGS_SCHEMA.fields]
    assert [f.dataType for f in good.schema.fields] == [f.dataType for f in RATINGS_SCHEMA.fields]
    assert [f.name for f in bad.schema.fields] == [f.name for f in QUARANTINE_SCHEMA.fields]
    assert [f.dataType for f in bad.schema.fields] == [f.dataType for f in QUARANTINE_SCHEMA.fields]
    assert {row.source for row in good.collect()} == {"stream"}
    seed_payload = bad.where(F.col("kafka_offset") == 10).first()
    assert seed_payload.reason == "not_json" and seed_payload.raw_value.startswith("OrderedDict")
    assert seed_payload.kafka_timestamp == datetime(2024, 6, 1, 12)


def _mangled_records(count: int, seed: int) -> list[str | None]:
    """Good events with one or two random faults: wrong JSON types, odd numbers, broken syntax."""
    rng = random.Random(seed)
    values = [
        1,
        0,
        -1,
        2.0,
        2.5,
        1e9,
        1.0e9,
        3.7,
        5.5,
        0.5,
        5,
        4.25,
        2**31,
        2**31 - 1,
        -(2**31),
        2**63,
        -(2**63),
        "1",
        "4.5",
        "NaN",
        "",
        None,
        True,
        False,
        [],
        [1],
        {},
        {"id": 1},
        1e400,
        -0.0,
    ]
    raw_tokens = ["NaN", "Infinity", "-Infinity", "01", "1.", ".5", "+1", "0x10", "1e5", "5E-1", "'1'"]
    records: list[str | None] = []
    for _ in range(count):
        event: dict[str, object] = {"userId": 7, "movieId": 296, "rating": 4.5, "timestamp": 1147880044}
        for _ in range(rng.randint(1, 2)):
            name = rng.choice(list(event))
            roll = rng.random()
            if roll < 0.6:
                event[name] = rng.choice(values)
            elif roll < 0.75:
                del event[name]
            else:
                event[name] = f"@@{rng.choice(raw_tokens)}@@"  # spliced in unquoted below
        text = json.dumps(event)
        text = re.sub(r'"@@(.*?)@@"', r"\1", text)
        roll = rng.random()
        if roll < 0.05:
            text = text.replace('"', "'")
        elif roll < 0.10:
            text = text[: rng.randint(0, len(text))]
        elif roll < 0.15:
            key = rng.choice(["userId", "movieId", "rating", "timestamp"])
            text = text[:-1] + f', "{key}": {json.dumps(rng.choice(values))}}}'  # repeated key
        elif roll < 0.18:
            text = text + rng.choice([" ", " x", "}", ",{}"])
        elif roll < 0.20:
            text = None if rng.random() < 0.5 else rng.choice(["", "[]", "null", "7", '"x"'])
        records.append(text)
    return records


def test_the_fast_path_agrees_with_the_exact_checks(spark: SparkSession) -> None:
    records = _mangled_records(3000, seed=11)
    kafka = spark.createDataFrame(
        [
            (None, None if r is None else r.encode(), "t", 0, i, datetime(2024, 6, 1))
            for i, r in enumerate(records)
        ],
        KAFKA_SCHEMA,
    )
    columns = ["kafka_offset", "userId", "movieId", "rating", "timestamp", "reason"]
    fast = {tuple(row) for row in parse_ratings(kafka).select(columns).collect()}
    exact = {tuple(row) for row in parse_ratings(kafka, fast_path=False).select(columns).collect()}
    assert fast == exact
    # The sample exercises both outcomes and many reasons, or the comparison proves little.
    reasons = {row[-1] for row in exact}
    assert None in reasons and len(reasons) >= 10
