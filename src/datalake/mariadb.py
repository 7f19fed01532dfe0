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
