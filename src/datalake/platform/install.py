"""Installing what start.sh's Python environment does not hold into var/: the JVM side from Maven
Central (the pinned jar manifest, our own Java code) and Superset's own locked environment.

Each step records a digest of its inputs; a second run with nothing changed does nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from datalake.platform.paths import Paths, get_paths, java_home
from datalake.platform.supervisor import RUNNING_STATES, Supervisor
from datalake.settings import get_settings

JAR_PROFILES = ("kafka", "connect-plugins", "hadoop", "spark", "mongo")


def files_digest(files: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _up_to_date(marker: Path, digest: str) -> bool:
    return marker.exists() and marker.read_text() == digest


def _mvn(args: list[str], what: str) -> None:
    if not shutil.which("mvn"):
        raise RuntimeError("Maven not found: apt-get install maven")
    started = time.monotonic()
    result = subprocess.run(["mvn", "-q", "-B", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        raise RuntimeError(f"Maven failed for {what}:\n{tail}")
    print(f"  {what:<28} {time.monotonic() - started:5.1f}s", flush=True)


def install_jars(paths: Paths) -> None:
    """Resolve every profile of services/jvm/pom.xml into var/jars/<profile>/."""
    pom = paths.services / "jvm" / "pom.xml"
    for profile in JAR_PROFILES:
        marker = paths.jars / f".{profile}.sha256"
        digest = files_digest([pom])
        if _up_to_date(marker, digest):
            continue
        target = paths.jars / profile
        if target.exists():
            shutil.rmtree(target)
        _mvn(["-f", str(pom), "-P", profile, "package", f"-Djars.dir={paths.jars}"], f"jars: {profile}")
        marker.write_text(digest)


def _javac(paths: Paths, name: str, sources: Path, classpath: str) -> None:
    """Compile a service's small Java sources (services/<name>/src) into var/build/<name>."""
    files = sorted(sources.rglob("*.java"))
    marker = paths.build / f".{name}.sha256"
    digest = files_digest(files)
    if _up_to_date(marker, digest):
        return
    javac = java_home() / "bin" / "javac"
    if not javac.exists():
        raise RuntimeError("javac not found: apt-get install openjdk-17-jdk-headless")
    out = paths.build / name
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(javac), "-cp", classpath, "-d", str(out), *map(str, files)], check=True)
    marker.write_text(digest)


def build_mongo_launcher(paths: Paths) -> None:
    _javac(paths, "mongo", paths.services / "mongo" / "src", str(paths.jars / "mongo" / "*"))


def build_hive_patch(paths: Paths) -> None:
    """The metastore's loopback bind (services/hive/README.md), against pyspark's Hive jars."""
    _javac(paths, "hive-patch", paths.services / "hive" / "src", str(paths.spark_home / "jars" / "*"))


def build_connect_config_provider(paths: Paths) -> None:
    """The Connect worker's allow-listing env config provider (services/kafka/src)."""
    _javac(paths, "kafka", paths.services / "kafka" / "src", str(paths.jars / "kafka" / "*"))


def build_thrift_authenticator(paths: Paths) -> None:
    """The Spark Thrift server's password-file authentication (services/spark/src)."""
    _javac(paths, "spark", paths.services / "spark" / "src", str(paths.spark_home / "jars" / "*"))


def build_lake_sink(paths: Paths) -> None:
    """Our Kafka Connect sink (kafka_connect/lake-sink), built and copied under plugin.path."""
    module = paths.repo / "kafka_connect" / "lake-sink"
    if not (module / "pom.xml").exists():
        return
    sources = [p for p in module.rglob("*") if p.is_file() and "target" not in p.parts]
    marker = paths.build / ".lake-sink.sha256"
    digest = files_digest(sources)
    target = paths.jars / "connect-plugins" / "lake-sink"
    if _up_to_date(marker, digest) and target.exists():
        return
    _mvn(["-f", str(module / "pom.xml"), "package", "-DskipTests"], "build: lake-sink connector")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(module / "target" / "plugin" / "lake-sink", target)
    marker.write_text(digest)


def install_superset(paths: Paths) -> None:
    """Superset's venv (var/superset/venv) from its lock, services/superset/requirements.txt, with
    start.sh's uv and interpreter: its pins (SQLAlchemy 1.4, Flask 2) cannot share Airflow's venv."""
    lock = paths.services / "superset" / "requirements.txt"
    venv = paths.superset_venv
    python = os.path.realpath(sys.executable)  # the interpreter behind .venv, which services can run
    steps = (
        ["venv", "--quiet", "--allow-existing", "--python", python, str(venv)],
        # Compiled once here: the service account cannot write the venv's __pycache__.
        ["pip", "sync", "--quiet", "--compile-bytecode", str(lock)],
    )
    marker = venv / ".installed"
    # The lock and how it is installed: a changed step (e.g. byte-compiling) installs again.
    digest = f"{files_digest([lock])} {hashlib.sha256(repr(steps).encode()).hexdigest()[:16]}"
    if _up_to_date(marker, digest):
        return
    uv = paths.repo / ".tools" / "bin" / "uv"
    uv_cmd = str(uv) if uv.exists() else shutil.which("uv")
    if uv_cmd is None:
        raise RuntimeError("uv not found (start.sh installs it into .tools/): run ./start.sh")
    print("==> installing Superset's environment (services/superset/requirements.txt)", flush=True)
    # Not under a running Superset: stopped here, it is migrated and started again on the new code
    # by the start that follows (bootstrap.init_superset).
    supervisor = Supervisor(paths)
    if supervisor.states().get("superset") in RUNNING_STATES:
        supervisor.stop("superset")
    started = time.monotonic()
    env = {**os.environ, "VIRTUAL_ENV": str(venv)}
    for args in steps:
        result = subprocess.run([uv_cmd, *args], env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"uv {args[0]} for Superset failed:\n{result.stderr[-3000:]}")
    marker.write_text(digest)
    print(f"    Superset's environment installed in {time.monotonic() - started:.0f}s", flush=True)


def install_all() -> None:
    paths = get_paths()
    for folder in (paths.jars, paths.build):
        folder.mkdir(parents=True, exist_ok=True)
    install_jars(paths)
    build_mongo_launcher(paths)
    build_hive_patch(paths)
    build_connect_config_provider(paths)
    build_thrift_authenticator(paths)
    build_lake_sink(paths)
    if get_settings().superset_on:
        install_superset(paths)
