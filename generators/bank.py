"""Seeded fake data for the MariaDB `santander` database: clients, employees and operations.

This is the source side of the bank lake (brief 4.2): Debezium reads these tables from the binlog,
so the generator must behave like an OLTP application, not like the seed's loader:

- tables are created once (`CREATE TABLE IF NOT EXISTS`) and each run only ADDS rows; the seed
  dropped and recreated them, which reset the ids and broke incremental ingestion (flaw 2.10.3);
- columns carry real SQL types (DATE, DATETIME(3), DECIMAL) instead of strings (flaw 2.10.4);
- CPFs are valid and unique across runs; operations reference existing clients;
- rows go in with `executemany` in chunks, one commit per chunk (the seed committed per row).

Output is deterministic for a given seed and run key. The default run key is the table's current
maximum id, so a re-run with the same seed adds new, different rows instead of colliding with the
ones already stored, and a test (or a rebuilt database) gets byte-identical rows.

Hot fields of operations (amounts, channels, timestamps) are drawn with numpy in bulk; Faker is
only used for names and addresses of clients and employees.

This module adds rows (`populate`) and is the CLI; beside it `bank_domains.py` (the value domains
and distributions), `bank_rows.py` (the rows, pure) and `bank_db.py` (schema and inserts).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from datalake.generators.bank_db import (
    DATABASE,
    ensure_schema,
    insert_rows,
    load_client_refs,
    load_cpfs,
    max_id,
)
from datalake.generators.bank_rows import (
    CHUNK_SIZE,
    generate_clients,
    generate_employees,
    generate_operations,
)

from datalake.contracts import bank_tables as contract

if TYPE_CHECKING:
    from pymysql.connections import Connection


@dataclass
class RunSummary:
    added: dict[str, int]
    run_keys: dict[str, str]
    seconds: float


def populate(
    conn: Connection,
    *,
    clients: int = 0,
    employees: int = 0,
    operations: int = 0,
    seed: int = 42,
    run_key: str | None = None,
    as_of: datetime | None = None,
    days: int = 30,
    chunk_size: int = CHUNK_SIZE,
    on_chunk: Callable[[str, int], None] | None = None,
) -> RunSummary:
    """Add rows to the three tables; the run key defaults to each table's current max id."""
    started = time.perf_counter()
    as_of = (as_of or datetime.now()).replace(microsecond=0)
    ensure_schema(conn)
    added: dict[str, int] = {}
    keys: dict[str, str] = {}

    def progress(table: str) -> Callable[[int], None] | None:
        return (lambda k: on_chunk(table, k)) if on_chunk else None

    if clients:
        keys["clients"] = run_key or str(max_id(conn, "clients"))
        rows = generate_clients(
            clients,
            seed=seed,
            run_key=keys["clients"],
            as_of=as_of,
            taken_cpfs=load_cpfs(conn, "clients"),
            history_days=days,
        )
        added["clients"] = insert_rows(
            conn, "clients", rows, chunk_size=chunk_size, on_chunk=progress("clients")
        )
    if employees:
        keys["employees"] = run_key or str(max_id(conn, "employees"))
        rows = generate_employees(
            employees,
            seed=seed,
            run_key=keys["employees"],
            as_of=as_of,
            taken_cpfs=load_cpfs(conn, "employees"),
        )
        added["employees"] = insert_rows(
            conn, "employees", rows, chunk_size=chunk_size, on_chunk=progress("employees")
        )
    if operations:
        keys["operations"] = run_key or str(max_id(conn, "operations"))
        refs = load_client_refs(conn)
        if not refs:
            raise ValueError("santander.clients is empty: add clients first (--clients N)")
        batch = generate_operations(
            operations, refs, seed=seed, run_key=keys["operations"], end=as_of, days=days
        )
        added["operations"] = insert_rows(
            conn,
            "operations",
            (row for chunk in batch.chunks(chunk_size) for row in chunk),
            chunk_size=chunk_size,
            on_chunk=progress("operations"),
        )
    return RunSummary(added=added, run_keys=keys, seconds=time.perf_counter() - started)


# ---- CLI -----------------------------------------------------------------------------------------
app = typer.Typer(add_completion=False, help=__doc__.split("\n\n")[0])


@app.command()
def main(
    clients: Annotated[int, typer.Option(min=0, help="clients to add")] = 0,
    employees: Annotated[int, typer.Option(min=0, help="employees to add")] = 0,
    operations: Annotated[int, typer.Option(min=0, help="operations to add")] = 0,
    seed: Annotated[int, typer.Option(help="base seed; combined with the run key")] = 42,
    run_key: Annotated[str | None, typer.Option(help="override the run key (default: max id)")] = None,
    as_of: Annotated[
        datetime | None, typer.Option(help="the run's 'now' (operations end here); default now")
    ] = None,
    days: Annotated[int, typer.Option(min=1, help="operations span the last N days")] = 30,
    chunk_size: Annotated[int, typer.Option(min=1, help="rows per executemany/commit")] = CHUNK_SIZE,
    dry_run: Annotated[bool, typer.Option(help="generate in memory only, no database; print speed")] = False,
) -> None:
    """Add seeded clients, employees and operations to MariaDB `santander`."""
    from rich.console import Console

    console = Console()
    if dry_run:
        _dry_run(console, clients, employees, operations, seed, run_key or "dry-run", as_of, days)
        return

    import pymysql

    from datalake.mariadb import connect

    try:
        _populate_with_progress(
            console, connect, clients, employees, operations, seed, run_key, as_of, days, chunk_size
        )
    except pymysql.err.MySQLError as exc:
        console.print(f"[red]MariaDB error:[/] {exc}")
        raise typer.Exit(1) from exc


def _populate_with_progress(
    console: Any,
    connect: Callable[[], Any],
    clients: int,
    employees: int,
    operations: int,
    seed: int,
    run_key: str | None,
    as_of: datetime | None,
    days: int,
    chunk_size: int,
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    totals = {"clients": clients, "employees": employees, "operations": operations}
    show_bar = sum(totals.values()) >= 20_000
    with (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not show_bar,
        ) as bar,
        connect() as conn,
    ):
        tasks = {t: bar.add_task(f"santander.{t}", total=n) for t, n in totals.items() if n}
        summary = populate(
            conn,
            clients=clients,
            employees=employees,
            operations=operations,
            seed=seed,
            run_key=run_key,
            as_of=as_of,
            days=days,
            chunk_size=chunk_size,
            on_chunk=lambda table, k: bar.advance(tasks[table], k),
        )
    for table, n in summary.added.items():
        console.print(f"added {n:>9,} rows to {DATABASE}.{table} (run key {summary.run_keys[table]})")
    if not summary.added:
        console.print("nothing to add: pass --clients/--employees/--operations")
    console.print(f"done in {summary.seconds:.1f}s")


def _dry_run(
    console: Any,
    clients: int,
    employees: int,
    operations: int,
    seed: int,
    run_key: str,
    as_of: datetime | None,
    days: int,
) -> None:
    as_of = (as_of or datetime.now()).replace(microsecond=0)
    t0 = time.perf_counter()
    client_rows = generate_clients(
        max(clients, 1_000 if operations else 0), seed=seed, run_key=run_key, as_of=as_of
    )
    t1 = time.perf_counter()
    generate_employees(employees, seed=seed, run_key=run_key, as_of=as_of)
    t2 = time.perf_counter()
    columns = contract.CLIENTS.insert_columns
    cpf, produto = columns.index("cpf"), columns.index("tipo_produto")
    refs = [(i + 1, r[cpf], r[produto]) for i, r in enumerate(client_rows)]
    batch = generate_operations(operations, refs, seed=seed, run_key=run_key, end=as_of, days=days)
    n_rows = sum(len(chunk) for chunk in batch.chunks())
    t3 = time.perf_counter()
    for label, n, secs in (
        ("clients", len(client_rows), t1 - t0),
        ("employees", employees, t2 - t1),
        ("operations", n_rows, t3 - t2),
    ):
        if n:
            console.print(f"{label:>10}: {n:>9,} rows in {secs:6.2f}s ({n / max(secs, 1e-9):,.0f} rows/s)")


if __name__ == "__main__":
    app()
