"""The DAG file parses and wires the stages in order."""

from __future__ import annotations

from datalake.settings import REPO_ROOT

DAG_FILE = REPO_ROOT / "dags" / "mysql_ingestion_pipeline.py"


def test_dag_structure() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}
    dag = bag.dags.get("mysql_ingestion_pipeline")
    assert dag is not None
    assert dag.max_active_runs == 1
    downstream = {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}
    assert downstream == {
        "generate": ["mark_source"],
        "mark_source": ["source_in_kafka"],
        "source_in_kafka": ["lake_has_source"],
        "lake_has_source": ["curate_cdc"],
        "curate_cdc": ["reconcile"],
        "reconcile": ["announce"],
        "announce": [],
    }
    curate = dag.get_task("curate_cdc")
    assert curate.application.endswith("jobs/bank/curate_cdc.py")
    assert curate.application_args == ["--table", "all", "--run-date", "{{ ds }}"]
