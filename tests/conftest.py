"""Fixtures shared by every test tier.

Tiers: tests/unit needs no service; tests/integration and tests/e2e talk to the running native
platform (`./start.sh`) and fail with a clear reason when it is not up (a skipped tier would read
as green). Shared fakes for unit tests are in tests/fakes.py.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """A small local Spark for pure DataFrame -> DataFrame tests: one core, one shuffle partition.

    Session-scoped because a JVM start costs seconds; no Hive, no Delta, no platform needed.
    """
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)
    session = (
        SparkSession.builder.master("local[1]")
        .appName("unit-tests")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_submit() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs a separate Spark application with the platform's configuration (as Airflow tasks do)."""
    from datalake.platform.launch import context, spark_environment

    ctx = context()

    def run(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(ctx.paths.venv_bin / "spark-submit"), *args],
            env={**os.environ, **spark_environment(ctx)},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, f"spark-submit {args} failed:\n{result.stderr[-3000:]}"
        return result

    return run
