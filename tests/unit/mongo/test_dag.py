"""The Mongo DAG parses and wires the two paths in order."""

from __future__ import annotations

from datalake.settings import REPO_ROOT

DAG_FILE = REPO_ROOT / "dags" / "mongo_ingestion_pipeline.py"


def test_dag_structure() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}
    dag = bag.dags["mongo_ingestion_pipeline"]
    assert dag.max_active_runs == 1
    assert set(dag.params) == {"clients", "employees", "operations", "facebook", "survey"}
    downstream = {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}
    assert downstream == {
        "generate": ["curate_nubank", "mark_source"],
        "mark_source": ["source_in_kafka"],
        "source_in_kafka": ["lake_has_source"],
        "lake_has_source": ["curate_marketing"],
        "curate_nubank": ["reconcile"],
        "curate_marketing": ["reconcile"],
        "reconcile": [],
    }
    assert dag.get_task("curate_nubank").application.endswith("jobs/mongo/curate_nubank.py")
    assert dag.get_task("curate_marketing").application_args == ["--run-date", "{{ ds }}"]
