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
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from datalake.generators import cpf as cpf_mod
from faker import Faker

from datalake.contracts import bank_tables as contract

if TYPE_CHECKING:
    from pymysql.connections import Connection

log = logging.getLogger(__name__)

DATABASE = contract.SANTANDER
CHUNK_SIZE = 5_000

# ---- schema: declared in datalake/contracts/bank_tables.py, the generator only fills it -----------
CREATE_DATABASE = f"CREATE DATABASE IF NOT EXISTS {DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
DDL: dict[str, str] = {name: table.ddl() for name, table in contract.SANTANDER_TABLES.items()}
CLIENT_COLUMNS = contract.CLIENTS.insert_columns
EMPLOYEE_COLUMNS = contract.EMPLOYEES.insert_columns
OPERATION_COLUMNS = contract.OPERATIONS.insert_columns
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    name: t.insert_columns for name, t in contract.SANTANDER_TABLES.items()
}

# ---- value domains and distributions -------------------------------------------------------------
# The seed's product list, in snake_case ASCII and with its typos fixed ("financiamento_emovel").
PRODUCTS: dict[str, float] = {
    "conta_corrente": 0.38,
    "poupanca": 0.17,
    "cartao_credito": 0.16,
    "investimentos": 0.08,
    "financiamento_carro": 0.05,
    "financiamento_imovel": 0.04,
    "financiamento_rural": 0.02,
    "consorcio": 0.04,
    "seguros": 0.06,
}
AREAS: dict[str, tuple[float, float]] = {  # area -> (weight, median monthly salary in BRL)
    "agencia": (0.40, 4_200.0),
    "atendimento": (0.15, 3_100.0),
    "operacoes": (0.10, 5_500.0),
    "credito": (0.07, 7_500.0),
    "tecnologia": (0.10, 11_000.0),
    "risco": (0.05, 12_000.0),
    "compliance": (0.03, 11_500.0),
    "investimentos": (0.03, 14_000.0),
    "juridico": (0.02, 13_000.0),
    "marketing": (0.03, 8_000.0),
    "recursos_humanos": (0.02, 6_500.0),
}
CHANNELS: dict[str, float] = {
    "mobile": 0.42,
    "maquininhas": 0.22,
    "internet_banking": 0.13,
    "atm": 0.14,
    "caixa_agencia": 0.09,
}
ONLINE_CHANNELS = frozenset({"mobile", "internet_banking", "maquininhas"})
# Branch tellers almost never fail; ATMs (cash out, card reads) and POS terminals fail most.
CHANNEL_SUCCESS: dict[str, float] = {
    "caixa_agencia": 0.990,
    "internet_banking": 0.980,
    "mobile": 0.975,
    "maquininhas": 0.960,
    "atm": 0.955,
}
CHANNEL_OPERATIONS: dict[str, dict[str, float]] = {
    "caixa_agencia": {"deposito": 0.35, "saque": 0.30, "pagamento_boleto": 0.20, "transferencia": 0.15},
    "atm": {"saque": 0.70, "deposito": 0.12, "transferencia": 0.10, "pagamento_boleto": 0.08},
    "mobile": {
        "pix": 0.60,
        "pagamento_boleto": 0.15,
        "transferencia": 0.10,
        "recarga_celular": 0.08,
        "investimento": 0.07,
    },
    "maquininhas": {"compra_debito": 0.45, "compra_credito": 0.55},
    "internet_banking": {"pix": 0.35, "pagamento_boleto": 0.30, "transferencia": 0.25, "investimento": 0.10},
}
# operation -> (median BRL, lognormal sigma, floor, cap)
OPERATION_AMOUNTS: dict[str, tuple[float, float, float, float]] = {
    "deposito": (800.0, 1.0, 10.0, 200_000.0),
    "saque": (200.0, 0.8, 20.0, 5_000.0),
    "pix": (120.0, 1.3, 0.01, 100_000.0),
    "transferencia": (1_000.0, 1.2, 1.0, 500_000.0),
    "pagamento_boleto": (350.0, 1.0, 5.0, 100_000.0),
    "compra_debito": (60.0, 1.0, 1.0, 10_000.0),
    "compra_credito": (110.0, 1.1, 1.0, 30_000.0),
    "recarga_celular": (30.0, 0.4, 10.0, 200.0),
    "investimento": (2_000.0, 1.2, 100.0, 1_000_000.0),
}
OPERATIONS = tuple(OPERATION_AMOUNTS)
# Share of the day's operations per hour (local time): quiet nights, peaks at lunch and evening.
HOUR_WEIGHTS = (
    0.4, 0.25, 0.15, 0.1, 0.1, 0.2, 0.6, 1.5, 3.0, 4.5, 5.5, 6.0,
    6.5, 6.0, 5.5, 5.5, 5.5, 5.5, 6.0, 6.5, 6.0, 4.5, 3.0, 1.5,
)  # fmt: skip
WEEKDAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 1.15, 0.75, 0.5)  # Monday .. Sunday

ClientRef = tuple[int, str, str]  # (id, cpf, tipo_produto): what an operation needs of its client


def derive_seed(seed: int, *parts: object) -> int:
    """A 64-bit seed from the user seed and a run key, stable across processes and Python versions.

    `hash()` is salted per process, so it cannot be used; sha256 of the joined parts can.
    """
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _faker(seed: int) -> Faker:
    fake = Faker("pt_BR")
    fake.seed_instance(seed)
    return fake


def _address(fake: Faker) -> str:
    # pt_BR addresses span three lines; one line keeps the column CSV/JSON friendly.
    return fake.address().replace("\n", ", ")


# ---- row generators (pure: no database) ----------------------------------------------------------
def generate_clients(
    n: int,
    *,
    seed: int,
    run_key: object,
    as_of: datetime,
    taken_cpfs: set[str] | None = None,
    history_days: int = 30,
) -> list[tuple[Any, ...]]:
    """`n` client rows in `CLIENT_COLUMNS` order.

    Clients become customers before the operations window (`as_of - history_days`), so no
    operation predates its client. Incomes are lognormal (median ~3 200 BRL); richer clients lean
    towards investment products.
    """
    rng = random.Random(derive_seed(seed, "clients", run_key))
    fake = _faker(derive_seed(seed, "clients-faker", run_key))
    cpfs = cpf_mod.generate_unique(rng, n, taken_cpfs if taken_cpfs is not None else set())
    products, weights = list(PRODUCTS), list(PRODUCTS.values())
    window_start = as_of.replace(microsecond=0) - timedelta(days=history_days)
    rows: list[tuple[Any, ...]] = []
    for i in range(n):
        renda = min(max(rng.lognormvariate(math.log(3_200.0), 0.75), 600.0), 500_000.0)
        produto = rng.choices(products, weights)[0]
        if renda > 12_000.0 and rng.random() < 0.35:
            produto = "investimentos"
        # +2 days: 18 * 365.25 truncated can fall a day short of an 18th birthday.
        age_days = int(min(max(rng.gauss(42.0, 14.0), 18.0), 95.0) * 365.25) + 2
        nascimento = as_of.date() - timedelta(days=age_days + rng.randrange(365))
        created_at = window_start - timedelta(seconds=rng.randrange(5 * 365 * 86_400))
        nome = f"{fake.first_name()} {fake.last_name()}"
        rows.append(
            contract.CLIENTS.ordered(
                {
                    "nome": nome,
                    "cpf": cpfs[i],
                    "tipo_produto": produto,
                    "data_nascimento": nascimento,
                    "address": _address(fake),
                    "renda_mensal": _money(renda),
                    "created_at": created_at,
                }
            )
        )
    return rows


def generate_employees(
    n: int,
    *,
    seed: int,
    run_key: object,
    as_of: datetime,
    taken_cpfs: set[str] | None = None,
) -> list[tuple[Any, ...]]:
    """`n` employee rows in `EMPLOYEE_COLUMNS` order; salary lognormal around each area's median."""
    rng = random.Random(derive_seed(seed, "employees", run_key))
    fake = _faker(derive_seed(seed, "employees-faker", run_key))
    cpfs = cpf_mod.generate_unique(rng, n, taken_cpfs if taken_cpfs is not None else set())
    areas = list(AREAS)
    weights = [w for w, _ in AREAS.values()]
    rows: list[tuple[Any, ...]] = []
    for i in range(n):
        area = rng.choices(areas, weights)[0]
        salario = max(rng.lognormvariate(math.log(AREAS[area][1]), 0.35), 1_518.0)  # >= 2025 minimum wage
        # Tenure: exponential (mean 6 years) capped at 35 years; recent hires are the most common.
        tenure_days = int(min(rng.expovariate(1 / (6 * 365.25)), 35 * 365.25))
        inicio = as_of.date() - timedelta(days=tenure_days)
        nome = f"{fake.first_name()} {fake.last_name()}"
        rows.append(
            contract.EMPLOYEES.ordered(
                {
                    "nome": nome,
                    "cpf": cpfs[i],
                    "data_inicio": inicio,
                    "address": _address(fake),
                    "salario": _money(salario),
                    "area": area,
                }
            )
        )
    return rows


@dataclass
class OperationBatch:
    """`n` operations held column-wise in numpy; rows are materialised one chunk at a time.

    Keeping tuples for a million rows alive costs ~0.5 GB; the arrays cost ~60 bytes per row. The
    chunking only changes how rows are cut, never their values, so output does not depend on the
    chunk size.
    """

    client_ids: np.ndarray
    client_cpfs: list[str]
    client_products: list[str]
    client_idx: np.ndarray
    channel_idx: np.ndarray
    op_idx: np.ndarray
    valor: np.ndarray
    success: np.ndarray
    ts_ms: np.ndarray
    channels: tuple[str, ...] = field(default=tuple(CHANNELS))
    operations: tuple[str, ...] = field(default=OPERATIONS)

    def __len__(self) -> int:
        return len(self.client_idx)

    def rows(self, start: int = 0, stop: int | None = None) -> list[tuple[Any, ...]]:
        """Rows `start:stop` in `OPERATION_COLUMNS` order, with Python/SQL-friendly types."""
        sl = slice(start, stop)
        idx = self.client_idx[sl].tolist()
        ch = self.channel_idx[sl]
        online_lut = np.array([c in ONLINE_CHANNELS for c in self.channels], dtype=np.int8)
        channel_names = np.array(self.channels, dtype=object)[ch].tolist()
        op_names = np.array(self.operations, dtype=object)[self.op_idx[sl]].tolist()
        timestamps = self.ts_ms[sl].astype("datetime64[ms]").tolist()
        values = {
            "client_id": self.client_ids[idx].tolist(),
            "cpf": [self.client_cpfs[i] for i in idx],
            "tipo_produto": [self.client_products[i] for i in idx],
            "origem": channel_names,
            "operacao": op_names,
            "valor": [Decimal(f"{v:.2f}") for v in self.valor[sl].tolist()],
            "online": online_lut[ch].tolist(),
            "op_timestamp": timestamps,
            "success": self.success[sl].tolist(),
        }
        # Column-wise here (a million rows as dicts would be slow): `ordered` orders the columns.
        return list(zip(*contract.OPERATIONS.ordered(values), strict=True))

    def chunks(self, size: int = CHUNK_SIZE) -> Iterator[list[tuple[Any, ...]]]:
        for start in range(0, len(self), size):
            yield self.rows(start, start + size)


def _cumulative(rows: Sequence[Sequence[float]]) -> np.ndarray:
    probs = np.asarray(rows, dtype=float)
    probs = probs / probs.sum(axis=1, keepdims=True)
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0  # guard against float round-off leaving a gap at the top
    return cum


def generate_operations(
    n: int,
    clients: Sequence[ClientRef],
    *,
    seed: int,
    run_key: object,
    end: datetime,
    days: int = 30,
) -> OperationBatch:
    """`n` operations of `clients`, timestamps in `[end - days, end)` and ascending like an OLTP log.

    Client activity is lognormal (a few clients do most operations); channel, then operation given
    the channel, follow the tables above; amounts are lognormal per operation (cash withdrawals in
    multiples of 10 BRL); success depends on the channel and drops a little for large amounts.
    """
    if n and not clients:
        raise ValueError("operations need at least one existing client")
    g = np.random.default_rng(derive_seed(seed, "operations", run_key))
    channels, operations = tuple(CHANNELS), OPERATIONS

    activity = g.lognormal(0.0, 1.0, size=len(clients)) if clients else np.ones(0)
    client_idx = g.choice(len(clients), size=n, p=activity / activity.sum()) if n else np.zeros(0, np.int64)

    channel_p = np.array([CHANNELS[c] for c in channels])
    channel_idx = g.choice(len(channels), size=n, p=channel_p / channel_p.sum())

    # Operation given channel by inverse CDF on one row of cumulative probabilities per channel.
    cum = _cumulative([[CHANNEL_OPERATIONS[c].get(op, 0.0) for op in operations] for c in channels])
    u = g.random(n)
    op_idx = (u[:, None] >= cum[channel_idx]).sum(axis=1)

    median, sigma, floor, cap = (np.array(col) for col in zip(*OPERATION_AMOUNTS.values(), strict=True))
    valor = np.exp(np.log(median[op_idx]) + sigma[op_idx] * g.standard_normal(n))
    valor = np.clip(valor, floor[op_idx], cap[op_idx])
    cash = op_idx == operations.index("saque")
    valor = np.where(cash, np.maximum(np.round(valor / 10.0) * 10.0, 20.0), valor)
    valor = np.round(valor, 2)

    success_p = np.array([CHANNEL_SUCCESS[c] for c in channels])[channel_idx]
    success_p = success_p - 0.03 * (valor > 5_000.0)
    success = (g.random(n) < success_p).astype(np.int8)

    start = end - timedelta(days=days)
    first_day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    day_w = np.array([WEEKDAY_WEIGHTS[(first_day + timedelta(days=d)).weekday()] for d in range(days + 1)])
    day = g.choice(days + 1, size=n, p=day_w / day_w.sum())
    hour_p = np.array(HOUR_WEIGHTS) / sum(HOUR_WEIGHTS)
    hour = g.choice(24, size=n, p=hour_p)
    ts_ms = _naive_ms(first_day) + day * 86_400_000 + hour * 3_600_000 + g.integers(0, 3_600_000, size=n)
    lo, hi = _naive_ms(start), _naive_ms(end) - 1
    # Draws outside the window (first/last partial day) are folded back inside it.
    ts_ms = np.where((ts_ms < lo) | (ts_ms > hi), lo + (ts_ms - lo) % max(hi - lo, 1), ts_ms)
    ts_ms.sort()

    return OperationBatch(
        client_ids=np.array([c[0] for c in clients], dtype=np.int64),
        client_cpfs=[c[1] for c in clients],
        client_products=[c[2] for c in clients],
        client_idx=client_idx,
        channel_idx=channel_idx,
        op_idx=op_idx,
        valor=valor,
        success=success,
        ts_ms=ts_ms.astype(np.int64),
        channels=channels,
        operations=operations,
    )


def _naive_ms(moment: datetime) -> int:
    """Milliseconds since 1970-01-01 of a naive datetime taken as wall-clock (no timezone maths)."""
    return int((moment.replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds() * 1000)


# ---- database side (each takes a connection so tests can pass a fake) -----------------------------
def ensure_schema(conn: Connection) -> None:
    """Create the database (when allowed) and the three tables if missing; never drops anything."""
    import pymysql

    with conn.cursor() as cur:
        try:
            cur.execute(CREATE_DATABASE)
        except pymysql.err.OperationalError as exc:  # 1044: no CREATE on *.*; the platform made it
            log.info("CREATE DATABASE %s skipped (%s); assuming it exists", DATABASE, exc.args[-1])
        for table in ("clients", "employees", "operations"):  # clients first: operations reference it
            cur.execute(DDL[table])
    conn.commit()


def insert_sql(table: str) -> str:
    columns = TABLE_COLUMNS[table]
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
    refs = [(i + 1, r[1], r[2]) for i, r in enumerate(client_rows)]
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
