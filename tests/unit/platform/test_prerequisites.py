"""A missing prerequisite names the Debian package that provides it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from datalake.platform import install, paths
from datalake.settings import REPO_ROOT


def test_missing_maven_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install maven"):
        install._mvn(["-v"], "check")


def test_missing_java_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install openjdk-17-jdk-headless"):
        paths.java_home()


def test_start_refuses_a_wrong_python_with_the_package_to_install(tmp_path: Path) -> None:
    # The check start.sh sources first, run alone: this test never runs start.sh itself.
    fake_python = tmp_path / "python-too-old"
    fake_python.write_text('#!/bin/sh\n[ "$1" = "--version" ] && echo \'Python 3.9.2\'\nexit 1\n')
    fake_python.chmod(0o755)
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts/python.sh")],
        env={"PATH": "/usr/bin:/bin", "PYTHON": str(fake_python)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert (
        "Python 3.11 is needed (found Python 3.9.2): apt-get install python3.11 python3.11-venv"
        in result.stderr
    )
