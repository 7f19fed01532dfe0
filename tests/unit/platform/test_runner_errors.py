"""Errors a user can act on: a busy port names the service, a failed start shows the log's tail."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import pytest

from datalake.platform.health import Unhealthy
from datalake.platform.launch import Context
from datalake.platform.paths import Paths
from datalake.platform.runner import PlatformError, _wait_healthy, check_ports_free
from datalake.platform.services import Service
from datalake.settings import REPO_ROOT, Settings


def _service(name: str, ports: tuple[int, ...] = (), timeout: int = 1) -> Service:
    return Service(
        name=name,
        role="test",
        ports=ports,
        url="",
        command=lambda ctx: ["true"],
        check=lambda settings: "ok",
        start_timeout_s=timeout,
    )


def test_a_port_in_use_names_the_service_and_the_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(PlatformError, match=rf"port {port} is needed by kafka but is already in use"):
            check_ports_free(_service("kafka", ports=(port,)))


def test_a_free_port_passes() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    check_ports_free(_service("kafka", ports=(port,)))


class _StoppedSupervisor:
    def state(self, name: str) -> str:
        return "FATAL"


def test_a_service_that_dies_while_starting_prints_the_tail_of_its_log(tmp_path: Path) -> None:
    ctx = Context(Settings(_env_file=None), Paths(repo=REPO_ROOT, var=tmp_path))
    ctx.paths.logs.mkdir(parents=True)
    ctx.paths.log_of("hdfs-namenode").write_text(
        "\n".join(f"line {i}" for i in range(100)) + "\nBindException\n"
    )
    with pytest.raises(PlatformError) as error:
        _wait_healthy(ctx, _StoppedSupervisor(), _service("hdfs-namenode"))  # type: ignore[arg-type]
    message = str(error.value)
    assert "hdfs-namenode stopped while starting (state FATAL)" in message
    assert "BindException" in message and "line 99" in message and "line 10\n" not in message


class _RunningSupervisor:
    def state(self, name: str) -> str:
        return "RUNNING"


def test_a_service_that_never_gets_healthy_says_why_and_a_healthy_one_returns_its_detail(
    tmp_path: Path,
) -> None:
    ctx = Context(Settings(_env_file=None), Paths(repo=REPO_ROOT, var=tmp_path))
    ctx.paths.logs.mkdir(parents=True)
    ctx.paths.log_of("kafka").write_text("still loading\n")

    def unhealthy(settings: Settings) -> str:
        raise Unhealthy("port 9092 refused")

    never = dataclasses.replace(_service("kafka"), check=unhealthy)
    with pytest.raises(PlatformError, match=r"kafka did not become healthy within 1s \(port 9092 refused\)"):
        _wait_healthy(ctx, _RunningSupervisor(), never)  # type: ignore[arg-type]
    assert _wait_healthy(ctx, _RunningSupervisor(), _service("kafka")) == "ok"  # type: ignore[arg-type]
