"""Every DAG rendered in gcp mode: Dataproc tasks where native has Spark Connect clients or
spark-submit, the same job files and arguments, the job environment pointing at the VM, and the ephemeral cluster's
create/delete around the jobs. Nothing here calls GCP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest

from datalake.settings import REPO_ROOT, get_settings

GCP_ENV = {
    "LAKE_MODE": "gcp",
    "GCP_PROJECT": "acme-lake",
    "GCP_REGION": "southamerica-east1",
    "GCS_BUCKET": "acme-lake-data",
    "GCS_ARTIFACTS_BUCKET": "acme-lake-artifacts",
    "DATAPROC_CLUSTER": "datalake-spark",
    "GCP_PLATFORM_HOST": "10.10.0.2",
}
# Dataproc's rule for cluster names.
CLUSTER_NAME = re.compile(r"^[a-z](?:[a-z0-9-]{0,50}[a-z0-9])?$")


def _dags() -> dict[str, Any]:
    from airflow.dag_processing.dagbag import DagBag

    get_settings.cache_clear()
    bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
    assert bag.import_errors == {}
    return bag.dags


@pytest.fixture(scope="module")
def native() -> dict[str, Any]:
    return _dags()


@pytest.fixture
def gcp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    config = tmp_path / "dataproc-cluster.json"
    config.write_text(json.dumps({"master_config": {"num_instances": 1}, "software_config": {}}))
    for key, value in {
        **GCP_ENV,
        "DATAPROC_CLUSTER_CONFIG": str(config),
        "DATAPROC_MODE": request.param,
    }.items():
        monkeypatch.setenv(key, value)
    try:
        yield _dags()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def _spark_tasks(dags: dict[str, Any], kind: str) -> dict[tuple[str, str], Any]:
    return {(d.dag_id, t.task_id): t for d in dags.values() for t in d.tasks if type(t).__name__ == kind}


def _render(template: str, dag_id: str) -> str:
    context = {
        "dag": SimpleNamespace(dag_id=dag_id),
        "dag_run": SimpleNamespace(run_after=datetime(2026, 11, 29, 3, 4, 5, 678901)),
    }
    return jinja2.Environment().from_string(template).render(context)


@pytest.mark.parametrize("gcp", ["ephemeral", "named"], indirect=True)
def test_every_spark_submit_becomes_a_dataproc_job_of_the_same_file_and_arguments(
    native: dict[str, Any], gcp: dict[str, Any]
) -> None:
    submits = {
        **_spark_tasks(native, "SparkSubmitOperator"),
        **_spark_tasks(native, "SparkConnectJobOperator"),
    }
    jobs = _spark_tasks(gcp, "DataprocSubmitJobOperator")
    assert submits and set(jobs) == set(submits)
    assert not _spark_tasks(gcp, "SparkSubmitOperator") and not _spark_tasks(gcp, "SparkConnectJobOperator")
    for key, native_task in submits.items():
        job = jobs[key].job
        relative = Path(native_task.application).relative_to(REPO_ROOT / "jobs")
        assert job["pyspark_job"]["main_python_file_uri"] == f"gs://acme-lake-artifacts/jobs/{relative}"
        assert (REPO_ROOT / "jobs" / relative).is_file()
        assert job["pyspark_job"]["args"] == native_task.application_args
        assert job["pyspark_job"]["python_file_uris"] == ["gs://acme-lake-artifacts/python/datalake.zip"]
        assert (jobs[key].project_id, jobs[key].region) == ("acme-lake", "southamerica-east1")


def test_native_spark_tasks_are_spark_connect_clients_but_those_that_need_the_jvm(
    native: dict[str, Any],
) -> None:
    connect = _spark_tasks(native, "SparkConnectJobOperator")
    assert set(_spark_tasks(native, "SparkSubmitOperator")) == {
        ("platform_maintenance", "compact_raw"),
        ("streaming_operations_pipeline", "channel_operations"),
    }
    assert ("movie_ratings_daily", "top_movies") in connect
    assert {task.remote for task in connect.values()} == {get_settings().spark_connect_url}


@pytest.mark.parametrize("gcp", ["ephemeral"], indirect=True)
def test_jobs_run_in_gcp_mode_against_the_bucket_and_the_vm(gcp: dict[str, Any]) -> None:
    for job in (t.job for t in _spark_tasks(gcp, "DataprocSubmitJobOperator").values()):
        props = job["pyspark_job"]["properties"]
        assert props["spark.submit.deployMode"] == "cluster"
        for prefix in ("spark.yarn.appMasterEnv.", "spark.executorEnv."):
            env = {k.removeprefix(prefix): v for k, v in props.items() if k.startswith(prefix)}
            assert env["LAKE_MODE"] == "gcp" and env["GCS_BUCKET"] == "acme-lake-data"
            assert env["METASTORE_URI"] == "thrift://10.10.0.2:9083"
            assert env["KAFKA_BOOTSTRAP"] == "10.10.0.2:9092" and env["MARIADB_HOST"] == "10.10.0.2"
            assert not any("127.0.0.1" in v for v in env.values())


@pytest.mark.parametrize("gcp", ["ephemeral"], indirect=True)
def test_an_ephemeral_cluster_is_created_before_and_deleted_after_every_job(gcp: dict[str, Any]) -> None:
    jobs = _spark_tasks(gcp, "DataprocSubmitJobOperator")
    for dag_id in {d for d, _ in jobs}:
        dag = gcp[dag_id]
        create, delete = dag.get_task("create_cluster"), dag.get_task("delete_cluster")
        assert delete.trigger_rule == "all_done"  # a failed job still deletes its cluster
        assert create.cluster_config["master_config"] == {"num_instances": 1}
        names = {create.cluster_name, delete.cluster_name}
        for (d, task_id), job in jobs.items():
            if d == dag_id:
                assert task_id in create.downstream_task_ids and task_id in delete.upstream_task_ids
                names.add(job.job["placement"]["cluster_name"])
        assert len(names) == 1, names
        rendered = _render(names.pop(), dag_id)
        assert CLUSTER_NAME.match(rendered), rendered
        assert rendered.startswith("datalake-spark-261129030405678901-")


@pytest.mark.parametrize("gcp", ["named"], indirect=True)
def test_a_named_cluster_takes_every_job_and_nothing_creates_one(gcp: dict[str, Any]) -> None:
    jobs = _spark_tasks(gcp, "DataprocSubmitJobOperator")
    assert {j.job["placement"]["cluster_name"] for j in jobs.values()} == {"datalake-spark"}
    assert not any("create_cluster" in d.task_dict for d in gcp.values())


def test_the_longest_dag_id_still_makes_a_valid_cluster_name() -> None:
    from datalake.dataproc import CLUSTER_NAME as TEMPLATE
    from datalake.dataproc import MAX_PREFIX

    rendered = _render(TEMPLATE.format(prefix="p" * MAX_PREFIX), "streaming_operations_pipeline_")
    assert CLUSTER_NAME.match(rendered), rendered


def test_the_wheel_dataproc_imports_lists_every_package_folder() -> None:
    import tomllib

    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    roots = {name: REPO_ROOT / folder for name, folder in config["package-dir"].items()}
    found = set()
    for name, root in roots.items():
        for init in root.rglob("__init__.py"):
            relative = init.parent.relative_to(root).parts
            found.add(".".join((name, *relative)))
    assert set(config["packages"]) == found
