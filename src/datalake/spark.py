"""Building the SparkSession of a job: called only from a job's `main()`, never at import.

Cluster-wide configuration (Delta extensions, the shared metastore, the jar folder, the lake's
filesystem) lives in the platform's `spark-defaults.conf` (SPARK_CONF_DIR), written by
`lake up`, so spark-submit, the Thrift server, Airflow tasks and tests all see the same catalog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def build_session(app_name: str, **conf: str) -> SparkSession:
    """A Hive-enabled session with Delta, configured by the platform's spark-defaults."""
    from pyspark.sql import SparkSession

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
