"""Keeps Airflow's own data bounded: metadata rows and task logs older than `airflow_keep_days`.

Airflow keeps every DAG run, task instance, XCom and log line for ever; on a platform whose
streams and pipelines run daily that is the one store nothing else trims. The DAG
`platform_maintenance` runs these daily; the cut-off is the run's logical date less the kept days,
never the wall clock, so a re-run of a date deletes the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from datalake.pipelines import Pipeline

DAG_ID = "platform_maintenance"
PIPELINE = Pipeline("maintenance", dags=(DAG_ID,))


def cutoff(logical_end: datetime, keep_days: int) -> datetime:
    """What is older than this goes: the end of the run's interval less the days kept."""
    if keep_days < 1:
        raise ValueError(f"AIRFLOW_KEEP_DAYS must be at least 1, not {keep_days}")
    return logical_end - timedelta(days=keep_days)


def clean_metadata(before: datetime, db_url: str) -> str:
    """`airflow db clean` of every table it knows, rows older than `before`, without archive tables.

    Airflow 3 runs a task without access to the metadata database (its URL is masked in the task's
    environment), so the admin command is given the database's URL (`Settings.airflow_db_url`).
    """
    airflow = Path(sys.executable).with_name("airflow")
    done = subprocess.run(
        [
            str(airflow),
            "db",
            "clean",
            "--clean-before-timestamp",
            before.isoformat(),
            "--yes",
            "--skip-archive",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url},
    )
    if done.returncode != 0:
        raise RuntimeError(f"airflow db clean failed ({done.returncode}): {done.stderr[-2000:]}")
    return f"metadata older than {before.isoformat()} removed"


def old_logs(root: Path, before: datetime) -> list[Path]:
    """Log files under `root` last written before `before`."""
    limit = before.timestamp()
    return sorted(p for p in root.rglob("*") if p.is_file() and p.stat().st_mtime < limit)


def clean_logs(root: Path, before: datetime) -> int:
    """Delete the task logs last written before `before`, then the folders left empty; how many files."""
    if not root.exists():
        return 0
    files = old_logs(root, before)
    for path in files:
        path.unlink(missing_ok=True)
    for folder in sorted(
        (p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True
    ):
        if not any(folder.iterdir()):
            folder.rmdir()
    return len(files)
