"""Mongo strand (BRIEF §4.2 `mongo_ingestion_pipeline`): nubank_data and santander_marketing -> Hive.

- nubank_data: `jobs/mongo/curate_nubank.py` reads the collections through the MongoDB Spark
  connector into `nubank_data.{clients,employees,operations}`.
- santander_marketing: the MongoDB Kafka source (`mongo-santander-marketing`) publishes every
  change of `facebook` and `public_survey` to `mongo.santander_marketing.<collection>`; the lake
  sink (`lake-sink-mongo`) lands them in the raw zone exactly once; `jobs/mongo/curate_marketing.py`
  replays them into `marketing.{facebook,public_survey}`.

How the DAG knows Kafka and the lake hold every change (no sleeps): after generating, `mark_source`
writes a token into `santander_marketing.cdc_watermark` (a captured collection); `poke_source`
waits until that token's change event is in its topic, which the connector publishes after every
earlier change of the database, then records the topics' end offsets; `FEED.poke` waits until the
lake sink has committed them (the bank's mechanism, `datalake.pipelines.lake_feed`).

Setup (`./start.sh`, idempotent): the collections and the two connectors. Logic here, wiring in
`dags/mongo_ingestion_pipeline.py`; see docs/mongo-lake.md.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from datalake.generators.volumes import MongoVolumes
from datalake.kafka_inspect import position
from datalake.pipelines import Pipeline, apply_connectors
from datalake.pipelines.lake_feed import LakeFeed
from datalake.platform.launch import Context

log = logging.getLogger(__name__)

DAG_ID = "mongo_ingestion_pipeline"
NUBANK_DB = "nubank_data"
MARKETING_DB = "santander_marketing"
WATERMARK = "cdc_watermark"
SOURCE_CONNECTOR = "mongo-santander-marketing"
FEED = LakeFeed("lake-sink-mongo")
CONNECTORS = (SOURCE_CONNECTOR, FEED.sink)
WATERMARK_TOPIC = f"mongo.{MARKETING_DB}.{WATERMARK}"


def _mongo() -> Any:
    from datalake.generators.mongo_load import client

    return client()


# ---- setup ----------------------------------------------------------------------------------------
def ensure_collections() -> None:
    """The collections the connector copies and watches exist (create is idempotent here)."""
    with _mongo() as mongo:
        for db, names in (
            (NUBANK_DB, ("clients", "employees", "operations")),
            (MARKETING_DB, ("facebook", "public_survey", WATERMARK)),
        ):
            existing = set(mongo[db].list_collection_names())
            for name in names:
                if name not in existing:
                    mongo[db].create_collection(name)


def setup(ctx: Context | None = None) -> None:
    del ctx
    ensure_collections()
    apply_connectors(PIPELINE)


# ---- DAG tasks ------------------------------------------------------------------------------------
def generate(run_date: str, volumes: MongoVolumes) -> dict[str, Any]:
    """Add the date's documents once (`nubank_data.ingestion_runs` is the ledger)."""
    from datalake.generators.mongo_load import MARKETING_DB as marketing_db
    from datalake.generators.mongo_load import NUBANK_DB as nubank_db
    from datalake.generators.mongo_load import populate

    with _mongo() as mongo:
        report = populate(mongo[nubank_db], mongo[marketing_db], run_date, volumes, report=log.info)
    return {"run_date": run_date, "skipped": report.skipped, **report.added}


def mark_source(token: str) -> str:
    """Write the marker whose change event, once in Kafka, follows every earlier change."""
    with _mongo() as mongo:
        mongo[MARKETING_DB][WATERMARK].replace_one(
            {"_id": "lake"}, {"_id": "lake", "token": token, "at": datetime.now(UTC)}, upsert=True
        )
    return token


def marker_in_kafka(token: str, bootstrap: str = "") -> bool:
    """True once the watermark topic holds the change event that wrote `token`."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    from datalake.connect.probes import topic_end_offsets
    from datalake.settings import get_settings

    ends = {
        tp: end
        for tp, end in topic_end_offsets(WATERMARK_TOPIC.replace(".", r"\."), bootstrap).items()
        if end
    }
    if not ends:
        return False
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap or get_settings().kafka_bootstrap,
            "group.id": "lake-marker-probe",
            "enable.auto.commit": False,
        }
    )
    try:
        consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING) for (t, p) in ends])
        remaining = set(ends)
        while remaining:
            message = consumer.poll(5.0)
            if message is None:
                return False
            if message.error():
                continue
            event = json.loads(message.value() or b"{}")
            if (event.get("fullDocument") or {}).get("token") == token:
                return True
            topic, partition, offset = position(message)
            if offset + 1 >= ends[(topic, partition)]:
                remaining.discard((topic, partition))
        return False
    finally:
        consumer.close()


def poke_source(token: str) -> tuple[bool, dict[str, int] | None, str]:
    """One poke of the source sensor: (done, the marketing topics' end offsets when done, detail)."""
    from confluent_kafka import KafkaException

    try:
        done = marker_in_kafka(token)
    except KafkaException as exc:
        return False, None, f"Kafka not answering yet: {exc}"
    return done, FEED.end_offsets() if done else None, f"marker {token} in {WATERMARK_TOPIC}: {done}"


def reconcile_all() -> list[str]:
    """Mongo against Hive per collection; raises MongoReconciliationError on any difference."""
    from datalake.pipelines import mongo_reconcile

    lines = mongo_reconcile.run()
    for line in lines:
        log.info(line)
    return lines


PIPELINE = Pipeline(name="mongo", setup=setup, dags=(DAG_ID,), connectors=CONNECTORS)
