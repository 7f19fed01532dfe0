"""A service still coming up is one line of `Unhealthy`, never a logged traceback (a start waits
for the metastore and the Thrift server by polling these checks)."""

from __future__ import annotations

import logging
import socket

import pytest

from datalake.platform.health import Unhealthy, metastore_databases, thrift_server_sql
from datalake.settings import Settings


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_thrift_services_that_refuse_connections_fail_quietly(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    port = _closed_port()
    with pytest.raises(Unhealthy, match=f"127.0.0.1:{port}: Connection refused"):
        metastore_databases(f"thrift://127.0.0.1:{port}")
    with pytest.raises(Unhealthy, match=f"127.0.0.1:{port}: Connection refused"):
        thrift_server_sql(Settings(thrift_host="127.0.0.1", thrift_port=port))
    out = capfd.readouterr()
    assert "Traceback" not in out.out + out.err
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
