"""The bank's CDC watermarks in MariaDB: how `mysql_ingestion_pipeline` knows Debezium has read
everything generated before a point (datalake.pipelines.bank, steps 1 and 2 of its docstring).

Debezium's committed source offset holds the GTID set *before* the transaction it is reading (its
restart point), so the last transaction of a batch only shows up in the offset once a later event
is read. After generating, `write_watermarks` records the binlog position and then commits one
row per captured database into `<db>.cdc_watermark` (a captured table): once a connector's offset
GTIDs reach that position, every change before it is in Kafka.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pymysql.connections import Connection

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
