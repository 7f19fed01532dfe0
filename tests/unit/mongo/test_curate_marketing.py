"""Change events as the lake sink lands them -> the current documents, deletes applied, quarantine."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datalake.jobs.mongo import curate_marketing as job
from datalake.jobs.mongo.schemas import MARKETING
from pyspark.testing import assertDataFrameEqual

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

RUN = date(2026, 11, 28)
TOPIC = "mongo.santander_marketing.public_survey"
AT = datetime(2026, 11, 28, 10, 0, 0)


def _date(dt: datetime) -> dict[str, Any]:
    return {"$date": {"$numberLong": str(int(dt.replace(tzinfo=UTC).timestamp() * 1000))}}


def _oid(n: int) -> dict[str, str]:
    return {"$oid": f"{n:024x}"}


def _survey(n: int, nps: Any = None, **extra: Any) -> dict[str, Any]:
    return {
        "_id": _oid(n),
        "nps": nps if nps is not None else {"$numberInt": "9"},
        "age_band": "25-34",
        "uf": "SP",
        "submitted_at": _date(AT),
        **extra,
    }


def _event(n: int, op: str, doc: dict[str, Any] | None, *, partition: int = 0) -> tuple[int, dict[str, Any]]:
    value: dict[str, Any] = {
        "_id": {"_data": f"{n:x}"},
        "operationType": op,
        "wallTime": _date(AT),
        "ns": {"db": "santander_marketing", "coll": "public_survey"},
        "documentKey": {"_id": _oid(n)},
    }
    if doc is not None:
        value["fullDocument"] = doc
    return partition, value


def _land(folder: Path, events: list[tuple[int, Any]]) -> Path:
    """JSON lines in the lake sink's envelope, offsets counted per partition."""
    topic_dir = folder / TOPIC / "dt=2026-11-28"
    topic_dir.mkdir(parents=True)
    offsets: dict[int, int] = {}
    lines = []
    for partition, value in events:
        offset = offsets.get(partition, 0)
        offsets[partition] = offset + 1
        key = value.get("documentKey") if isinstance(value, dict) else None
        lines.append(
            json.dumps(
                {
                    "topic": TOPIC,
                    "partition": partition,
                    "offset": offset,
                    "timestamp": 0,
                    "key": key,
                    "value": value,
                }
            )
        )
    (topic_dir / f"{TOPIC}+0+0+{len(lines) - 1}.jsonl").write_text("\n".join(lines) + "\n")
    return folder / TOPIC


def test_last_event_per_id_wins_and_deletes_remove_the_row(spark: SparkSession, tmp_path: Path) -> None:
    path = _land(
        tmp_path,
        [
            _event(1, "insert", _survey(1)),
            _event(2, "insert", _survey(2, comment_ignored="extra field")),
            _event(3, "insert", _survey(3, {"$numberDouble": "7.0"}, answer="Bom", channel="app")),
            _event(1, "update", _survey(1, {"$numberInt": "4"})),
            _event(2, "delete", None),
            _event(4, "replace", _survey(4)),
        ],
    )
    spec = MARKETING["public_survey"]
    good, bad = job.curate(job.read_raw(spark, str(path), spec), spec, RUN)
    expected = spark.createDataFrame(
        [
            (f"{1:024x}", 4, None, "25-34", "SP", None, AT, "update", AT, RUN),
            (f"{3:024x}", 7, "Bom", "25-34", "SP", "app", AT, "insert", AT, RUN),
            (f"{4:024x}", 9, None, "25-34", "SP", None, AT, "replace", AT, RUN),
        ],
        spec.curated_schema,
    )
    assertDataFrameEqual(good, expected)
    assert bad.count() == 0


def test_broken_documents_and_events_are_quarantined_with_their_position(
    spark: SparkSession, tmp_path: Path
) -> None:
    path = _land(
        tmp_path,
        [
            _event(1, "insert", _survey(1, "9")),  # the score as a string
            _event(2, "insert", _survey(2, {"$numberInt": "12"})),  # out of range
            (1, {"hello": "not a change event"}),
            _event(5, "update", None),  # an update without its document
            _event(6, "insert", _survey(6)),
        ],
    )
    spec = MARKETING["public_survey"]
    good, bad = job.curate(job.read_raw(spark, str(path), spec), spec, RUN)
    assert [r.id for r in good.collect()] == [f"{6:024x}"]
    rows = sorted((r.partition, r.offset, r.reasons[0]) for r in bad.collect())
    assert rows == [
        (0, 0, "nps: expected a whole number, got a string 9"),
        (0, 1, 'nps: out of range [0, 10]: {"$numberInt": "12"}'),
        (0, 2, "insert/update/replace event without fullDocument"),
        (1, 0, "unknown operationType null"),
    ]
    assert all(r.event for r in bad.collect())  # the event itself is kept
