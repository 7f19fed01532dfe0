"""Installing the JVM side from Maven Central into var/: the pinned jar manifest and our own Java code.

Each step records a fingerprint of its inputs; a second run with nothing changed does nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from datalake.platform.paths import Paths, get_paths, java_home

JAR_PROFILES = ("kafka", "connect-plugins", "hadoop", "spark", "mongo")


def _fingerprint(files: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _up_to_date(marker: Path, fingerprint: str) -> bool:
    return marker.exists() and marker.read_text() == fingerprint


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
        fingerprint = _fingerprint([pom])
        if _up_to_date(marker, fingerprint):
            continue
        target = paths.jars / profile
        if target.exists():
            shutil.rmtree(target)
        _mvn(["-f", str(pom), "-P", profile, "package", f"-Djars.dir={paths.jars}"], f"jars: {profile}")
        marker.write_text(fingerprint)


def _javac(paths: Paths, name: str, sources: Path, classpath: str) -> None:
    """Compile a service's small Java sources (services/<name>/src) into var/build/<name>."""
    files = sorted(sources.rglob("*.java"))
    marker = paths.build / f".{name}.sha256"
    fingerprint = _fingerprint(files)
    if _up_to_date(marker, fingerprint):
        return
    javac = java_home() / "bin" / "javac"
    if not javac.exists():
        raise RuntimeError("javac not found: apt-get install openjdk-17-jdk-headless")
    out = paths.build / name
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(javac), "-cp", classpath, "-d", str(out), *map(str, files)], check=True)
    marker.write_text(fingerprint)


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
    fingerprint = _fingerprint(sources)
    target = paths.jars / "connect-plugins" / "lake-sink"
    if _up_to_date(marker, fingerprint) and target.exists():
        return
    _mvn(["-f", str(module / "pom.xml"), "package", "-DskipTests"], "build: lake-sink connector")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(module / "target" / "plugin" / "lake-sink", target)
    marker.write_text(fingerprint)


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
