"""platform_maintenance's pure parts: the cut-off and which task logs go."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from datalake.pipelines.maintenance import clean_logs, cutoff, old_logs

END = datetime(2026, 11, 29, tzinfo=UTC)


def _log(root: Path, name: str, written: datetime) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("log line\n")
    os.utime(path, (written.timestamp(), written.timestamp()))
    return path


def test_the_cutoff_is_the_logical_date_less_the_days_kept() -> None:
    assert cutoff(END, 30) == datetime(2026, 10, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="AIRFLOW_KEEP_DAYS"):
        cutoff(END, 0)


def test_only_logs_written_before_the_cutoff_go_and_their_empty_folders_with_them(tmp_path: Path) -> None:
    before = cutoff(END, 30)
    old = _log(tmp_path, "dag_id=a/run_id=old/task_id=t/attempt=1.log", datetime(2026, 9, 1, tzinfo=UTC))
    kept = _log(tmp_path, "dag_id=a/run_id=new/task_id=t/attempt=1.log", datetime(2026, 11, 28, tzinfo=UTC))
    edge = _log(tmp_path, "dag_id=b/run_id=edge/attempt=1.log", before)  # exactly at the cut-off: kept
    assert old_logs(tmp_path, before) == [old]
    assert clean_logs(tmp_path, before) == 1
    assert not old.exists() and kept.exists() and edge.exists()
    assert not (tmp_path / "dag_id=a/run_id=old").exists()
    assert (tmp_path / "dag_id=a/run_id=new").exists()


def test_no_log_folder_is_nothing_to_do(tmp_path: Path) -> None:
    assert clean_logs(tmp_path / "absent", END) == 0


def test_vacuum_keeps_deltas_week_unless_asked() -> None:
    from datalake.jobs.platform.vacuum_delta import check_retention

    check_retention(168, below_floor=False)
    check_retention(0, below_floor=True)
    with pytest.raises(SystemExit, match="under Delta's floor of 168"):
        check_retention(24, below_floor=False)
    with pytest.raises(SystemExit, match="0 or more"):
        check_retention(-1, below_floor=True)
