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


# ---- CDC watermarks ------------------------------------------------------------------------------
# Debezium's committed source offset holds the GTID set *before* the transaction it is reading (its
# restart point), so the last transaction of a batch only shows up in the offset once a later event
# is read. After generating, `write_watermarks` records the binlog position and then commits one
# row per captured database into `<db>.cdc_watermark` (a captured table): once a connector's offset
# GTIDs reach that position, every change before it is in Kafka.
WATERMARK_TABLE = "cdc_watermark"
WATERMARK_DDL = """
CREATE TABLE IF NOT EXISTS {db}.cdc_watermark (
    source     VARCHAR(64)  NOT NULL,
    token      VARCHAR(128) NOT NULL,
    gtid       VARCHAR(255) NOT NULL,
    updated_at DATETIME(3)  NOT NULL,
    PRIMARY KEY (source)
) ENGINE=InnoDB"""


def parse_gtids(text: str | None) -> dict[int, int]:
    """MariaDB GTID position `domain-server-seq[,...]` -> {domain: highest seq} (empty for '')."""
    out: dict[int, int] = {}
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        domain, _server, seq = part.split("-")
        out[int(domain)] = max(out.get(int(domain), -1), int(seq))
    return out


def gtids_reached(current: str | None, target: str | None) -> bool:
    """True when `current` includes every domain's sequence number of `target`."""
    have = parse_gtids(current)
    return all(have.get(domain, -1) >= seq for domain, seq in parse_gtids(target).items())


def ensure_watermark_table(conn: Connection, database: str) -> None:
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {database}")
        cur.execute(WATERMARK_DDL.format(db=database))
    conn.commit()


def binlog_position(conn: Connection) -> str:
    """The server's current GTID position (`@@gtid_binlog_pos`; readable without extra grants)."""
    with conn.cursor() as cur:
        cur.execute("SELECT @@gtid_binlog_pos")
        (pos,) = cur.fetchone() or (None,)
    return pos or ""


def write_watermarks(conn: Connection, databases: list[str], token: str) -> str:
    """Record the binlog position, then commit a watermark row in each database; returns the position."""
    position = binlog_position(conn)
    for database in databases:
        ensure_watermark_table(conn, database)
        with conn.cursor() as cur:
            cur.execute(
                f"INSERT INTO {database}.{WATERMARK_TABLE} (source, token, gtid, updated_at) "
                "VALUES (%s, %s, %s, NOW(3)) "
                "ON DUPLICATE KEY UPDATE token = VALUES(token), gtid = VALUES(gtid), updated_at = NOW(3)",
                ("lake", token, position),
            )
        conn.commit()
    return position


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
