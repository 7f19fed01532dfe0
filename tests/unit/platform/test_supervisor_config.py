"""supervisord's config is derived from the registry; values survive its parser's quirks."""

from __future__ import annotations

import configparser
import os
from pathlib import Path

from datalake.platform.launch import Context
from datalake.platform.paths import Paths
from datalake.platform.services import Service
from datalake.platform.supervisor import render_config
from datalake.settings import REPO_ROOT, Settings


def _service(name: str, **kwargs: object) -> Service:
    defaults: dict[str, object] = {
        "role": "test",
        "ports": (),
        "url": "",
        "command": lambda ctx: ["/bin/echo", "hello world"],
        "check": None,
    }
    return Service(name=name, **{**defaults, **kwargs})  # type: ignore[arg-type]


def _parse(text: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return parser


def test_every_service_is_a_program_started_by_us_not_by_supervisord(tmp_path: Path) -> None:
    ctx = Context(Settings(_env_file=None), Paths(repo=REPO_ROOT, var=tmp_path))
    text = render_config([_service("one"), _service("two", run_as="postgres")], ctx)
    parser = _parse(text)
    assert parser.get("program:one", "autostart") == "false"
    assert parser.get("program:one", "command") == '/bin/echo "hello world"'
    assert parser.get("program:one", "stdout_logfile") == str(tmp_path / "log" / "one.log")
    # Dropping privileges only makes sense (and only works) when started as root: then every
    # program runs as the service account, unless it names its own (postgres).
    if os.geteuid() == 0:
        assert parser.get("program:one", "user") == ctx.settings.service_user
        assert parser.get("program:two", "user") == "postgres"
    else:
        assert not parser.has_option("program:one", "user") and not parser.has_option("program:two", "user")
    # The service account works in its own home; supervisord's socket is outside its reach.
    assert parser.get("program:one", "directory") == str(tmp_path / "home")
    assert parser.get("unix_http_server", "file") == str(tmp_path / "supervisor" / "supervisor.sock")


def test_environment_values_are_quoted_and_percent_escaped(tmp_path: Path) -> None:
    ctx = Context(Settings(_env_file=None), Paths(repo=REPO_ROOT, var=tmp_path))
    service = _service("env", environment=lambda ctx: {"URL": "spark://local%5B%2A%5D?x=1", "PW": "a=b"})
    line = _parse(render_config([service], ctx)).get("program:env", "environment")
    assert line == f'HOME="{tmp_path / "home"}",URL="spark://local%%5B%%2A%%5D?x=1",PW="a=b"'
