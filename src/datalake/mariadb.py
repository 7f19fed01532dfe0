"""One way to open a MariaDB connection: from the typed settings, never from literals.

The generators and the warehouse loaders all go through `connect()` so that host, port and
credentials come from `get_settings()` (and so from `.env`) in every run target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pymysql

from datalake.settings import Settings, get_settings

if TYPE_CHECKING:
    from pymysql.connections import Connection


def connect(
    database: str | None = None,
    autocommit: bool = False,
    settings: Settings | None = None,
    connect_timeout: int = 10,
) -> Connection:
    """Open a pymysql connection to the platform's MariaDB.

    Autocommit is off by default: the generators commit once per batch, which is both faster and
    what keeps a CDC consumer from seeing half-written chunks as many tiny transactions.
    """
    cfg = settings or get_settings()
    return pymysql.connect(
        host=cfg.mariadb_host,
        port=cfg.mariadb_port,
        user=cfg.mariadb_user,
        password=cfg.mariadb_password,
        database=database,
        autocommit=autocommit,
        charset="utf8mb4",
        connect_timeout=connect_timeout,
    )


# ---- the interactive client -----------------------------------------------------------------------
def client_command(args: list[str], settings: Settings | None = None) -> tuple[list[str], dict[str, str]]:
    """argv and extra environment of the `mariadb` client logged in as the read-only analyst.

    The password travels in `MYSQL_PWD` (read by the client), not on the command line where `ps`
    would show it to every user of the machine.
    """
    s = settings or get_settings()
    if not s.mariadb_analyst_password:
        raise ValueError("MARIADB_ANALYST_PASSWORD is empty: run ./start.sh once to generate .env")
    argv = [
        "mariadb",
        f"--host={s.mariadb_host}",
        f"--port={s.mariadb_port}",
        f"--user={s.mariadb_analyst_user}",
        "--default-character-set=utf8mb4",
        *args,
    ]
    return argv, {"MYSQL_PWD": s.mariadb_analyst_password}
