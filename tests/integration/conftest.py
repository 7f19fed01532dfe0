"""Integration tests run against the live native platform (`./start.sh`).

They fail, not skip, when a service is down: the test command starts the platform first, so a
missing service is a real failure, never a silently green run.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable

import pytest

from datalake.platform.services import context, spark_environment


@pytest.fixture(scope="session", autouse=True)
def platform_is_up() -> None:
    from datalake.platform.runner import status

    down = [s for s in status() if not s.healthy]
    if down:
        pytest.fail(
            "the platform is not fully up (run ./start.sh): "
            + "; ".join(f"{s.name}: {s.process}, {s.detail}" for s in down)
        )


@pytest.fixture
def unique() -> str:
    """A short id for names no other run uses."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def spark_submit() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs a separate Spark application with the platform's configuration (as Airflow tasks do)."""
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
