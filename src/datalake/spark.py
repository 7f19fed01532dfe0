"""Building the SparkSession of a job: called only from a job's `main()`, never at import.

Cluster-wide configuration (Delta extensions, the shared metastore, the jar folder, the lake's
filesystem) lives in the platform's `spark-defaults.conf` (SPARK_CONF_DIR), written by
`lake up`, so spark-submit, the Thrift server, Airflow tasks and tests all see the same catalog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def build_session(app_name: str, **conf: str) -> SparkSession:
    """A Hive-enabled session with Delta, configured by the platform's spark-defaults."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name).enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
