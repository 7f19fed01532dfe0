"""spark-submit of a platform job with the platform's Spark environment, shared by the benchmarks.

Import from a benchmark script with `sys.path.insert(0, <benchmarks folder>)`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from datalake.platform.launch import context, spark_environment


def spark_submit(script: Path, *args: str) -> None:
    """Run `script` to its end; on failure raise with the ERROR lines of its log (not the whole log)."""
    ctx = context()
    done = subprocess.run(
        [str(ctx.paths.venv_bin / "spark-submit"), str(script), *args],
        env={**os.environ, **spark_environment(ctx)},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if "ERROR" in line or "Error" in line]
        raise RuntimeError(f"{script.name} failed ({done.returncode}):\n" + "\n".join(errors[-15:]))
