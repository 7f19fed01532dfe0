"""Where the native platform keeps things: everything generated lives under `var/` (git-ignored)."""

from __future__ import annotations

import functools
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from datalake.settings import REPO_ROOT, get_settings


@dataclass(frozen=True)
class Paths:
    repo: Path
    var: Path

    @property
    def services(self) -> Path:
        """Committed templates and sources of every service (services/<name>/)."""
        return self.repo / "services"

    @property
    def jars(self) -> Path:
        return self.var / "jars"

    @property
    def build(self) -> Path:
        return self.var / "build"

    @property
    def conf(self) -> Path:
        return self.var / "conf"

    @property
    def data(self) -> Path:
        return self.var / "data"

    @property
    def logs(self) -> Path:
        return self.var / "log"

    @property
    def run(self) -> Path:
        return self.var / "run"

    @property
    def venv_bin(self) -> Path:
        return Path(sys.executable).parent

    @property
    def spark_home(self) -> Path:
        import pyspark

        return Path(pyspark.__file__).parent

    @property
    def spark_conf(self) -> Path:
        return self.conf / "spark"

    @property
    def supervisor(self) -> Path:
        """supervisord's own folder (config, socket, pid): root's only when started by root."""
        return self.var / "supervisor"

    @property
    def supervisor_conf(self) -> Path:
        return self.supervisor / "supervisord.conf"

    @property
    def supervisor_socket(self) -> Path:
        return self.supervisor / "supervisor.sock"

    @property
    def home(self) -> Path:
        """HOME and working folder of every supervised program (writable by the service user)."""
        return self.var / "home"

    @property
    def airflow_home(self) -> Path:
        return self.var / "airflow"

    @property
    def superset_home(self) -> Path:
        """Superset's own environment (venv/) and home (its SUPERSET_HOME)."""
        return self.var / "superset"

    @property
    def superset_venv(self) -> Path:
        return self.superset_home / "venv"

    def log_of(self, service: str) -> Path:
        return self.logs / f"{service}.log"


@functools.cache
def get_paths() -> Paths:
    return Paths(repo=REPO_ROOT, var=get_settings().var_dir)


def java_home() -> Path:
    """JAVA_HOME if set, else the JDK that `java` on PATH belongs to."""
    if home := os.environ.get("JAVA_HOME"):
        return Path(home)
    java = shutil.which("java")
    if not java:
        raise RuntimeError(
            "java not found: install Java 17 (Debian: apt-get install openjdk-17-jdk-headless)"
        )
    return Path(java).resolve().parent.parent
