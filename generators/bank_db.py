"""The bank generator's database side: the `santander` schema, chunked inserts and what is stored.

Each function takes a PEP 249 connection, so unit tests pass a fake. The schema is declared in
datalake/contracts/bank_tables.py; this module only creates it (`CREATE TABLE IF NOT EXISTS`:
tables are created once and never dropped, so ids keep growing across runs).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from datalake.generators.bank_domains import ClientRef
from datalake.generators.bank_rows import CHUNK_SIZE

from datalake.contracts import bank_tables as contract

if TYPE_CHECKING:
    from pymysql.connections import Connection

log = logging.getLogger(__name__)

DATABASE = contract.SANTANDER
# ---- schema: declared in datalake/contracts/bank_tables.py, the generator only fills it -----------
CREATE_DATABASE = f"CREATE DATABASE IF NOT EXISTS {DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
DDL: dict[str, str] = {name: table.ddl() for name, table in contract.SANTANDER_TABLES.items()}


def ensure_schema(conn: Connection) -> None:
    """Create the database (when allowed) and the three tables if missing; never drops anything."""
    import pymysql

    with conn.cursor() as cur:
        try:
            cur.execute(CREATE_DATABASE)
        except pymysql.err.OperationalError as exc:  # 1044: no CREATE on *.*; the platform made it
            log.info("CREATE DATABASE %s skipped (%s); assuming it exists", DATABASE, exc.args[-1])
        for ddl in DDL.values():  # in the declaration's order, clients first: operations reference them
            cur.execute(ddl)
    conn.commit()


def insert_sql(table: str) -> str:
    columns = contract.SANTANDER_TABLES[table].insert_columns
    placeholders = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {DATABASE}.{table} ({', '.join(columns)}) VALUES ({placeholders})"


def insert_rows(
    conn: Connection,
    table: str,
    rows: Iterable[Sequence[Any]],
    *,
    chunk_size: int = CHUNK_SIZE,
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Insert `rows` with one `executemany` and one commit per chunk; returns the row count.

    pymysql turns `executemany` of a plain INSERT into multi-row INSERT statements, so a chunk of
    5 000 rows is a handful of round trips and one binlog transaction.
    """
    sql = insert_sql(table)
    it = iter(rows)
    total = 0
    while chunk := list(islice(it, chunk_size)):
        with conn.cursor() as cur:
            cur.executemany(sql, chunk)
        conn.commit()
        total += len(chunk)
        if on_chunk:
            on_chunk(len(chunk))
    return total


def max_id(conn: Connection, table: str) -> int:
    with conn.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {DATABASE}.{table}")
        row = cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0


def load_cpfs(conn: Connection, table: str) -> set[str]:
    """CPFs already stored in `table`, so that new ones never collide with the UNIQUE key."""
    with conn.cursor() as cur:
        cur.execute(f"SELECT cpf FROM {DATABASE}.{table}")
        return {row[0] for row in cur.fetchall()}


def load_client_refs(conn: Connection) -> list[ClientRef]:
    """(id, cpf, tipo_produto) of every client, in id order: the population operations draw from."""
    with conn.cursor() as cur:
        cur.execute(f"SELECT id, cpf, tipo_produto FROM {DATABASE}.clients ORDER BY id")
        return [(int(r[0]), r[1], r[2]) for r in cur.fetchall()]
