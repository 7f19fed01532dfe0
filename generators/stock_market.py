"""Daily Ibovespa prices into MariaDB `stock_market.ibovespa`, from Yahoo or an offline snapshot.

The prices come from `price_sources.py` (Yahoo through yahooquery, falling back to the snapshot
shipped beside the repository); this module creates the table and writes them, and is the CLI.

The seed appended the whole history on every run with no key, duplicating rows (flaw 2.10.3), and
stored the date as an int (2.10.4). Here `(symbol, date)` is the primary key and the load is an
UPSERT, so re-running a day or a year leaves one row per symbol and date.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from datalake.generators.price_sources import (
    DEFAULT_TICKERS,
    SNAPSHOT_PATH,
    SnapshotSource,
    YahooSource,
    fetch_prices,
)

from datalake.contracts.bank_tables import IBOVESPA

if TYPE_CHECKING:
    from pymysql.connections import Connection

log = logging.getLogger(__name__)

DATABASE = IBOVESPA.database
TABLE = IBOVESPA.name
CHUNK_SIZE = 5_000
COLUMNS = IBOVESPA.insert_columns

CREATE_DATABASE = f"CREATE DATABASE IF NOT EXISTS {DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
DDL = IBOVESPA.ddl()  # declared in datalake/contracts/bank_tables.py

_QUOTED = [IBOVESPA.column(c).quoted for c in COLUMNS]

# VALUES(col) rather than MySQL 8's `AS new` alias: MariaDB does not support the alias form.
UPSERT_SQL = (
    f"INSERT INTO {DATABASE}.{TABLE} ({', '.join(_QUOTED)}) "
    f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
    "ON DUPLICATE KEY UPDATE "
    + ", ".join(f"{q} = VALUES({q})" for c, q in zip(COLUMNS, _QUOTED, strict=True) if c not in IBOVESPA.key)
)


# ---- database side -------------------------------------------------------------------------------
def ensure_schema(conn: Connection) -> None:
    """Create `stock_market.ibovespa` if missing (the database too, when the user may)."""
    import pymysql

    with conn.cursor() as cur:
        try:
            cur.execute(CREATE_DATABASE)
        except pymysql.err.OperationalError as exc:
            log.info("CREATE DATABASE %s skipped (%s); assuming it exists", DATABASE, exc.args[-1])
        cur.execute(DDL)
    conn.commit()


def upsert(conn: Connection, rows: Iterable[Sequence[Any]], chunk_size: int = CHUNK_SIZE) -> int:
    """UPSERT `rows` in chunks, one commit per chunk; returns the number of rows sent."""
    batch: list[Sequence[Any]] = []
    total = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk_size:
            total += _flush(conn, batch)
            batch = []
    if batch:
        total += _flush(conn, batch)
    return total


def _flush(conn: Connection, batch: list[Sequence[Any]]) -> int:
    with conn.cursor() as cur:
        cur.executemany(UPSERT_SQL, batch)
    conn.commit()
    return len(batch)


# ---- CLI -----------------------------------------------------------------------------------------
app = typer.Typer(add_completion=False, help=__doc__.split("\n\n")[0])


def _split_tickers(values: list[str] | None) -> list[str]:
    if not values:
        return list(DEFAULT_TICKERS)
    out = [t.strip().upper() for v in values for t in v.split(",") if t.strip()]
    return list(dict.fromkeys(out))


@app.command()
def main(
    tickers: Annotated[
        list[str] | None,
        typer.Option(help="tickers, repeatable or comma-separated (default: seed's + snapshot's)"),
    ] = None,
    period: Annotated[str, typer.Option(help="yahooquery period: 5d, 1mo, 6mo, 1y, ytd, max")] = "1y",
    offline: Annotated[bool, typer.Option(help="skip Yahoo and read the snapshot")] = False,
    snapshot: Annotated[Path | None, typer.Option(help="snapshot CSV (default: ../shared/...)")] = None,
    timeout: Annotated[int, typer.Option(min=1, help="Yahoo request timeout, seconds")] = 5,
    dry_run: Annotated[bool, typer.Option(help="fetch and print, do not write to MariaDB")] = False,
) -> None:
    """Fetch daily prices and UPSERT them into MariaDB `stock_market.ibovespa`."""
    from rich.console import Console

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    console = Console()
    result = fetch_prices(
        _split_tickers(tickers),
        period,
        offline=offline,
        real=YahooSource(timeout=timeout),
        snapshot=SnapshotSource(snapshot or SNAPSHOT_PATH),
    )
    if result.used_fallback:
        console.print(f"[yellow]source: offline snapshot[/] (Yahoo not used: {result.fallback_reason})")
    else:
        console.print("source: Yahoo Finance (yahooquery)")
    for symbol, n in sorted(result.symbols.items()):
        console.print(f"  {symbol:<10} {n:>5} rows")
    if dry_run:
        console.print(f"dry run: {len(result.rows)} rows not written")
        return
    import pymysql

    from datalake.mariadb import connect

    try:
        with connect() as conn:
            ensure_schema(conn)
            n = upsert(conn, result.rows)
    except pymysql.err.MySQLError as exc:
        console.print(f"[red]MariaDB error:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"upserted {n} rows into {DATABASE}.{TABLE}")


if __name__ == "__main__":
    app()
