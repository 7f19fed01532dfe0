"""Helpers of the process_finances end-to-end tests: SQL on both sides, and the scratch databases a
test module builds its marts into (nothing a user looks at)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pymysql

from datalake import thrift
from datalake.hdfs import webhdfs
from datalake.mariadb import connect
from datalake.platform.configs import mariadb_socket
from datalake.platform.paths import get_paths
from datalake.settings import get_settings

DAG_ID = "process_finances"
MARTS = ("client_daily_position", "channel_product_daily", "suspicious_activity", "ibovespa_daily")
KEYS = {
    "client_daily_position": "op_date, client_id",
    "channel_product_daily": "op_date, channel, product",
    "suspicious_activity": "op_date, client_id, rule",
    "ibovespa_daily": "symbol, date",
}


sql = thrift.rows  # one statement on the Spark Thrift server; its rows, if it returns any


def root() -> pymysql.connections.Connection:
    s = get_settings()
    return pymysql.connect(
        unix_socket=str(mariadb_socket(get_paths())), user="root", password=s.mariadb_root_password
    )


@dataclass
class Scratch:
    """One test module's databases: Hive `gold`, `source`, `snapshot`, MariaDB `mariadb`; and the
    runs it triggered, whose staging folders (gold/_staging/<run>/) it deletes at the end."""

    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    run_ids: list[str] = field(default_factory=list)

    @property
    def gold(self) -> str:
        return f"e2e_gold_{self.tag}"

    @property
    def mariadb(self) -> str:
        return f"e2e_marts_{self.tag}"

    @property
    def source(self) -> str:
        return f"e2e_src_{self.tag}"

    @property
    def snapshot(self) -> str:
        return f"e2e_snap_{self.tag}"

    def conf(self, day: str, source: str) -> dict[str, str]:
        """A run's conf: the date, built from `source`, into this module's gold and MariaDB."""
        return {
            "date": day,
            "source_database": source,
            "gold_database": self.gold,
            "mariadb_database": self.mariadb,
        }

    def create(self) -> None:
        """The MariaDB database (root creates it for the platform user)."""
        s = get_settings()
        with root() as conn, conn.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {self.mariadb}")
            cursor.execute(f"GRANT ALL PRIVILEGES ON `{self.mariadb}`.* TO %s@'127.0.0.1'", (s.mariadb_user,))

    def drop(self) -> None:
        s = get_settings()
        with root() as conn, conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {self.mariadb}")
            cursor.execute(
                f"REVOKE ALL PRIVILEGES ON `{self.mariadb}`.* FROM %s@'127.0.0.1'", (s.mariadb_user,)
            )
        for database in (self.gold, self.source, self.snapshot):
            sql(f"DROP DATABASE IF EXISTS {database} CASCADE")
        gold_root = s.lake.gold("", "").removeprefix(s.hdfs_uri).rstrip("/")
        folders = [f"{gold_root}/{self.gold}"]
        # The job's own naming of a run's staging folder (jobs/finances/process_finances.py).
        folders += [f"{gold_root}/_staging/{re.sub(r'[^A-Za-z0-9_.-]', '_', r)}" for r in self.run_ids]
        for folder in folders:
            webhdfs("DELETE", folder, "DELETE", recursive="true")

    def trigger(self, airflow: Any, conf: dict[str, Any]) -> str:
        """A manual run with `conf`, waited for; its id (the run's state is the caller's to check)."""
        run_id = f"e2e__finances_{self.tag}_{uuid.uuid4().hex[:4]}"
        self.run_ids.append(run_id)
        airflow.trigger(DAG_ID, datetime.now(UTC).isoformat(), run_id=run_id, conf=conf)
        airflow.wait_for_run(DAG_ID, run_id, timeout_s=1200)
        return run_id


def normalise(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows of either side in one comparable shape: floats rounded, decimals and dates as text."""
    out = []
    for row in rows:
        values = []
        for v in row:
            if isinstance(v, float):
                v = round(v, 9)
            elif isinstance(v, Decimal):
                v = str(v)
            values.append(str(v) if v is not None and not isinstance(v, float | int) else v)
        out.append(tuple(values))
    return out


def mart(scratch: Scratch, name: str, day: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(gold rows, MariaDB rows) of one mart for the date, ordered by key."""
    where = "" if name == "ibovespa_daily" else f"WHERE op_date = '{day}'"
    gold = sql(f"SELECT * FROM {scratch.gold}.{name} {where} ORDER BY {KEYS[name]}")
    with connect(database=scratch.mariadb) as conn, conn.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {name} {where} ORDER BY {KEYS[name]}")
        maria = list(cursor.fetchall())
    return normalise(gold), normalise(maria)
