"""Building the SparkSession of a job: called only from a job's `main()`, never at import.

Cluster-wide configuration (Delta extensions, the shared metastore, the jar folder, the lake's
filesystem) lives in the platform's `spark-defaults.conf` (SPARK_CONF_DIR), written by
`lake up`, so spark-submit, the Thrift server, the Spark Connect server, Airflow tasks and tests
all see the same catalog.

A job runs one of two ways with the same code: under spark-submit (its own driver JVM: Dataproc,
compose, the streams, the jobs that need the JVM) or, when SPARK_REMOTE names a Spark Connect
server (native DAG tasks, `datalake.spark_connect`), as a thin client of that long-lived server.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def remote_url(url: str, token: str) -> str:
    """A Spark Connect URL carrying the platform's bearer token (`sc://host:port/;token=…`)."""
    return f"{url.rstrip('/')}/;token={token}" if token else url


def connect_builder(url: str, token: str) -> Any:
    """A Spark Connect session builder for the server at `url`, presenting `token`, for a process
    that only probes the server (`lake up`'s health check, tests).

    PySpark's connect module, not `pyspark.sql.SparkSession.builder.remote()`: that one marks the
    whole process as a Spark Connect client (SPARK_CONNECT_MODE_ENABLED in os.environ), and every
    spark-submit the process starts afterwards inherits the mark and fails for want of a remote URL
    (`lake up` probes the server, then spark-submits the catalog load). A job needs the mark, though:
    `pyspark.sql.functions` read it to build Connect columns (`build_session`).
    """
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    return ConnectSession.builder.remote(remote_url(url, token))


def build_session(app_name: str, **conf: str) -> SparkSession:
    """A Hive-enabled session with Delta, configured by the platform's spark-defaults; a Spark
    Connect session when SPARK_REMOTE is set (the server has Hive and Delta already: its catalog
    is not the client's to choose)."""
    from pyspark.sql import SparkSession

    remote = os.environ.get("SPARK_REMOTE")
    if remote:
        from datalake.settings import get_settings

        # pyspark.sql's builder, which marks the job's process as a Spark Connect client.
        builder = SparkSession.builder.remote(remote_url(remote, get_settings().spark_connect_token))
        builder = builder.appName(app_name)
    else:
        builder = SparkSession.builder.appName(app_name).enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def hadoop_path(spark: SparkSession, path: str) -> tuple[Any, Any, Any]:
    """(the JVM gateway, the Hadoop `Path` of `path`, its FileSystem), for the file work the
    DataFrame API has no verb for: deleting a partition's folder, merging raw files. Needs a
    classic session (spark-submit's), not a Spark Connect one, which has no JVM gateway."""
    jvm, jsc = spark.sparkContext._jvm, spark.sparkContext._jsc
    assert jvm is not None and jsc is not None
    hadoop = jvm.org.apache.hadoop.fs.Path(path)
    return jvm, hadoop, hadoop.getFileSystem(jsc.hadoopConfiguration())
