"""Mongo strand: nubank_data (Spark connector) and santander_marketing (Kafka source) into Hive.

generate (seeded documents, once per logical date) -> curate_nubank (Spark reads the nubank_data
collections through the MongoDB Spark connector); and mark_source (a token in
santander_marketing.cdc_watermark) -> source_in_kafka (the token's change event is in Kafka) ->
lake_has_source (the lake sink committed the marketing topics' end offsets) -> curate_marketing
(Spark replays the change events); then reconcile (Mongo vs Hive per collection: count, sum of a
numeric field, min/max _id; quarantined documents accounted for) fails the run on any difference.

Logic lives in `datalake.pipelines.mongo`; see docs/mongo-lake.md. Params set the volumes
(`datalake.generators.volumes.MongoVolumes`).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag, task
from datalake.generators.volumes import MongoVolumes

from datalake.orchestration import PIPELINE_DAG, cdc_source, spark_job, volume_params
from datalake.pipelines import mongo


@dag(
    dag_id=mongo.DAG_ID,
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    **PIPELINE_DAG,
    tags=["mongo", "nubank", "marketing"],
    doc_md=__doc__,
    params=volume_params(MongoVolumes),
)
def mongo_ingestion_pipeline() -> None:
    @task
    def generate(ds: str | None = None, params: dict | None = None) -> dict:
        return mongo.generate(ds or "", MongoVolumes.from_params(params or {}))

    mark, in_lake = cdc_source("mongo")

    nubank = spark_job("curate_nubank", "mongo/curate_nubank.py", ["--run-date", "{{ ds }}"])
    marketing = spark_job("curate_marketing", "mongo/curate_marketing.py", ["--run-date", "{{ ds }}"])

    @task(retries=0)
    def reconcile() -> list[str]:
        return mongo.reconcile_all()

    generate() >> [nubank, mark]
    in_lake >> marketing
    [nubank, marketing] >> reconcile()


mongo_ingestion_pipeline()
