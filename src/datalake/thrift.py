"""One way to open a connection to the Spark Thrift server (HiveServer2 protocol) from Python.

The server authenticates users against its password file (CUSTOM authentication, SASL PLAIN on
the wire); the platform's SQL user is `settings.thrift_user` with `THRIFT_PASSWORD` from `.env`.
Health checks, reconciliation, tests and benchmarks all connect through here.
"""

from __future__ import annotations

from typing import Any

from datalake.settings import Settings, get_settings


def connect(settings: Settings | None = None, *, user: str | None = None, password: str | None = None) -> Any:
    """A PyHive connection (PEP 249) as the platform's SQL user, or as `user`/`password`."""
    import logging

    from pyhive import hive

    logging.getLogger("pyhive").setLevel(logging.ERROR)  # it logs every refused connect while starting
    s = settings or get_settings()
    return hive.connect(
        host=s.thrift_host,
        port=s.thrift_port,
        username=user if user is not None else s.thrift_user,
        password=password if password is not None else s.thrift_password,
        auth="CUSTOM",
    )


def rows(query: str, settings: Settings | None = None) -> list[tuple[Any, ...]]:
    """One statement on its own connection, as the platform's SQL user; its rows (none for DDL)."""
    with connect(settings) as conn:
        cursor = conn.cursor()
        cursor.execute(query)
        return list(cursor.fetchall()) if cursor.description else []


def error_message(exc: BaseException) -> str:
    """The server's own message of a failed statement, without the Java stack PyHive carries along
    (its exception holds the whole Thrift response)."""
    response = exc.args[0] if exc.args else None
    message = getattr(getattr(response, "status", None), "errorMessage", None)
    if not message:
        return str(exc)
    return str(message).removeprefix("Error running query: ").split("\n")[0]
