"""Mongo strand: nubank_data (Spark connector) and santander_marketing (Kafka source) into Hive.

generate (seeded documents, once per logical date) -> curate_nubank (Spark reads the nubank_data
collections through the MongoDB Spark connector); and mark_source (a token in
santander_marketing.cdc_watermark) -> source_in_kafka (the token's change event is in Kafka) ->
lake_has_source (the lake sink committed the marketing topics' end offsets) -> curate_marketing
(Spark replays the change events); then reconcile (Mongo vs Hive per collection: count, sum of a
numeric field, min/max _id; quarantined documents accounted for) fails the run on any difference.

Logic lives in `datalake.pipelines.mongo`; see docs/mongo-lake.md. Params set the volumes.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import Param, PokeReturnValue, dag, task

from datalake.orchestration import DEFAULT_ARGS, SENSOR, lake_sensor, spark_job

VOLUMES = {"clients": 200, "employees": 20, "operations": 5000, "facebook": 1000, "survey": 300}


@dag(
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["mongo", "nubank", "marketing"],
    doc_md=__doc__,
    params={name: Param(n, type="integer", minimum=0) for name, n in VOLUMES.items()},
)
def mongo_ingestion_pipeline() -> None:
    @task
    def generate(ds: str | None = None, params: dict | None = None) -> dict:
        from datalake.pipelines import mongo

        p = params or {}
        return mongo.generate(ds or "", **{name: int(p.get(name, n)) for name, n in VOLUMES.items()})

    @task
    def mark_source(run_id: str | None = None) -> str:
        from datalake.pipelines import mongo

        return mongo.mark_source(run_id or "manual")

    @task.sensor(**SENSOR)
    def source_in_kafka(token: str) -> PokeReturnValue:
        from datalake.pipelines import mongo

        done, ends, seen = mongo.poke_source(token)
        print(seen)
        return PokeReturnValue(is_done=done, xcom_value=ends)

    lake_has_source = lake_sensor("mongo")

    nubank = spark_job("curate_nubank", "mongo/curate_nubank.py", ["--run-date", "{{ ds }}"])
    marketing = spark_job("curate_marketing", "mongo/curate_marketing.py", ["--run-date", "{{ ds }}"])

    @task(retries=0)
    def reconcile() -> list[str]:
        from datalake.pipelines import mongo

        return mongo.reconcile_all()

    generated = generate()
    mark = mark_source()
    generated >> [nubank, mark]
    lake_has_source(source_in_kafka(mark)) >> marketing
    [nubank, marketing] >> reconcile()


mongo_ingestion_pipeline()
