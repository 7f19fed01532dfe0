"""The Airflow operator that runs a Spark job file as a Spark Connect client.

A spark-submit task starts a driver JVM of its own and pays 20-40 s (under load) before its first
query; here the task starts only a Python process: the job's `main(argv)` builds its session with
`datalake.spark.build_session`, which sees SPARK_REMOTE and connects to the platform's long-lived
Spark Connect server (the `spark-connect` service), where the work runs. The job file is the same
one spark-submit and Dataproc run.

Imported at DAG parse time (through `datalake.orchestration`): nothing heavy at module level.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator


class SparkConnectJobOperator(BaseOperator):
    """`python <application> <application_args…>` with SPARK_REMOTE set: the job's output goes to
    the task log, a non-zero exit fails the task, and a killed task terminates the job's process
    (the server drops the session it leaves once the session has been idle past its timeout)."""

    template_fields: Sequence[str] = ("application_args",)
    ui_color = "#e4f0e8"

    def __init__(self, *, application: str, application_args: list[str], remote: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.application = application
        self.application_args = application_args
        self.remote = remote
        self._hook: Any = None

    def execute(self, context: Any) -> None:
        from airflow.providers.standard.hooks.subprocess import SubprocessHook

        self._hook = SubprocessHook()
        result = self._hook.run_command(
            command=[sys.executable, self.application, *self.application_args],
            env={**os.environ, "SPARK_REMOTE": self.remote},
        )
        if result.exit_code != 0:
            raise RuntimeError(f"{self.application} exited with {result.exit_code}: {result.output}")

    def on_kill(self) -> None:
        if self._hook is not None:
            self._hook.send_sigterm()
