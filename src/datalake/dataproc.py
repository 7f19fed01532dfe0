"""Spark jobs on Dataproc (LAKE_MODE=gcp): what `orchestration.spark_job` builds there.

The same job files as native, uploaded to `gs://<artifacts>/jobs/` by the VM (terraform/startup.sh.tftpl),
with the `datalake` package beside them as `gs://<artifacts>/python/datalake.zip`. Two cluster
modes (setting `dataproc_mode`, chosen in terraform/variables.tf):
- ephemeral: a DAG gets one `create_cluster` task upstream of all its Spark tasks and one
  `delete_cluster` task (trigger_rule all_done: a failed job still deletes its cluster) downstream
  of them, the shape the original `submit_job` had; the cluster's Dataproc API config is the JSON
  Terraform wrote, copied to the VM at boot;
- named: every job is submitted to the cluster Terraform keeps up.

Imported at DAG parse time in gcp mode only: builds operators and dicts, calls nothing.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from datalake.settings import Settings

# Endpoints a job on the cluster must reach on the platform VM instead of its own loopback.
_VM_ENDPOINTS = ("kafka_bootstrap", "mariadb_host", "mongo_uri", "metastore_uri")
# Secrets the jobs read (MariaDB publishing, the CPF hash salt), passed as YARN environment.
_JOB_SECRETS = ("mariadb_password", "pii_salt")

# A Dataproc cluster name: a lower-case letter, then at most 51 lower-case letters, digits and
# hyphens. Unique per DAG run (run_after has microseconds) and known before the run's first task.
CLUSTER_NAME = (
    "{prefix}-{{{{ dag_run.run_after.strftime('%y%m%d%H%M%S%f') }}}}"
    "-{{{{ dag.dag_id | replace('_', '-') | truncate(12, True, '', 0) | trim('-') }}}}"
)
MAX_PREFIX = 20  # prefix + 18-digit stamp + 12 letters of the DAG id + 2 hyphens <= 52


def job_env(s: Settings) -> dict[str, str]:
    """The environment a job's driver and executors get: gcp mode, the bucket, the VM's endpoints."""
    env = {
        "LAKE_MODE": "gcp",
        "GCS_BUCKET": s.gcs_bucket,
        "GCP_PROJECT": s.gcp_project,
    }
    for name in _VM_ENDPOINTS:
        env[name.upper()] = str(getattr(s, name)).replace("127.0.0.1", s.gcp_platform_host)
    for name in _JOB_SECRETS:
        env[name.upper()] = str(getattr(s, name))
    return env


def job_spec(s: Settings, job: str, args: list[str], cluster_name: str) -> dict[str, Any]:
    """The Dataproc API `Job` of `jobs/<job>`: cluster deploy mode, so the YARN application master
    (the driver) gets the environment too."""
    artifacts = f"gs://{s.gcs_artifacts_bucket}"
    env = job_env(s)
    properties = {"spark.submit.deployMode": "cluster"}
    for key, value in env.items():
        properties[f"spark.yarn.appMasterEnv.{key}"] = value
        properties[f"spark.executorEnv.{key}"] = value
    return {
        "reference": {"project_id": s.gcp_project},
        "placement": {"cluster_name": cluster_name},
        "labels": {"pipeline": "datalake"},
        "pyspark_job": {
            "main_python_file_uri": f"{artifacts}/jobs/{job}",
            "python_file_uris": [f"{artifacts}/python/datalake.zip"],
            "args": list(args),
            "properties": properties,
        },
    }


@functools.cache
def cluster_config(path: str) -> dict[str, Any]:
    """The ephemeral cluster's Dataproc API ClusterConfig (a local copy of Terraform's JSON)."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(
            f"DATAPROC_CLUSTER_CONFIG={path}: no such file; the VM's startup script copies it from "
            "gs://<artifacts>/config/dataproc-cluster.json (terraform/README.md)"
        )
    config: dict[str, Any] = json.loads(file.read_text())
    return config


def cluster_name(s: Settings) -> str:
    if s.dataproc_mode == "named":
        return s.dataproc_cluster
    if not 0 < len(s.dataproc_cluster) <= MAX_PREFIX:
        raise ValueError(
            f"DATAPROC_CLUSTER={s.dataproc_cluster!r}: 1 to {MAX_PREFIX} characters in ephemeral mode"
        )
    return CLUSTER_NAME.format(prefix=s.dataproc_cluster)


def _cluster_tasks(s: Settings, dag: Any) -> tuple[Any, Any]:
    """The DAG's create_cluster and delete_cluster tasks, made once per DAG."""
    from airflow.providers.google.cloud.operators.dataproc import (
        DataprocCreateClusterOperator,
        DataprocDeleteClusterOperator,
    )

    if "create_cluster" in dag.task_dict:
        return dag.task_dict["create_cluster"], dag.task_dict["delete_cluster"]
    where: dict[str, Any] = {
        "project_id": s.gcp_project,
        "region": s.gcp_region,
        "cluster_name": cluster_name(s),
    }
    create = DataprocCreateClusterOperator(
        task_id="create_cluster",
        cluster_config=cluster_config(s.dataproc_cluster_config),
        labels={"pipeline": "datalake", "dag": dag.dag_id.replace("_", "-")},
        use_if_exists=True,  # a retried create adopts the cluster its first try made
        **where,
    )
    delete = DataprocDeleteClusterOperator(task_id="delete_cluster", trigger_rule="all_done", **where)
    return create, delete


def submit_job(s: Settings, task_id: str, job: str, args: list[str], **kwargs: Any) -> Any:
    """A DataprocSubmitJobOperator for `jobs/<job>`; in ephemeral mode wired between the DAG's
    create_cluster and delete_cluster tasks."""
    from airflow.providers.google.cloud.operators.dataproc import DataprocSubmitJobOperator
    from airflow.sdk.definitions._internal.contextmanager import DagContext

    submit = DataprocSubmitJobOperator(
        task_id=task_id,
        job=job_spec(s, job, args, cluster_name(s)),
        project_id=s.gcp_project,
        region=s.gcp_region,
        **kwargs,
    )
    if s.dataproc_mode == "ephemeral":
        dag = DagContext.get_current()
        if dag is None:
            raise RuntimeError(
                f"spark_job({task_id!r}) in ephemeral Dataproc mode must be built inside a DAG"
            )
        create, delete = _cluster_tasks(s, dag)
        create >> submit >> delete
    return submit
