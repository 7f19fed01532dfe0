"""The healthcheck's pure parts (the probes themselves run against the platform in the integration tier)."""

from __future__ import annotations

from pathlib import Path

import pytest

from datalake.platform.checks import ProbeFailed, free_space


def test_disk_space_probe_reports_the_free_space(tmp_path: Path) -> None:
    assert "GiB free" in free_space(tmp_path, 0.0)


def test_disk_space_probe_fails_under_the_threshold_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ProbeFailed, match="DISK_FREE_MIN_GB=1e"):
        free_space(tmp_path, 1e12)  # no disk has a zettabyte free
