"""Reconcile the bank's source tables (MariaDB) with their curated copies (Spark Thrift Server).

For every table the same measures are computed on both sides with SQL that MariaDB, Spark SQL and
SQLite (the unit tests' stand-in) all accept unchanged: `COUNT(*)`, `SUM`, `MIN`, `MAX`, `%`,
`CASE WHEN`, `GROUP BY`. Dialect-only functions (CRC32, MD5 over rows, CAST AS BIGINT/SIGNED...) are
avoided on purpose. The measures:

- row count;
- over the key: `SUM(id)`, `SUM((id % 65521) * (id % 65521))` (a second moment, so swapped or
  shifted ids do not cancel out; the modulus keeps the sum inside BIGINT), `MIN(id)`, `MAX(id)`;
- over the typed values, derived from each table's declared columns (`column_measures`): exact sums
  of the DECIMAL and BIGINT columns (`renda_mensal`, `salario`, `valor`, `volume`, ...), the number
  of true flags (`success`, `online`), sums of the DOUBLE columns (floating point, compared with a
  relative tolerance because the summation order differs), and for Ibovespa the row count per symbol
  and the date range.

Values are normalised before comparing (DB-API drivers return DECIMAL as Decimal or str, DATE as date
or str). The check is only meaningful once the CDC pipeline has caught up with the source: the DAG
runs it after `curate_cdc`, while the source is quiet.

    python -m datalake.pipelines.bank_reconcile --table all    # exit 1 and a list of mismatches when they differ

One file (~330 lines): the measures, their comparison and the report are one contract between two
SQL dialects, and the CLI is a few lines over them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Protocol

import typer

from datalake.contracts.bank_tables import CLIENTS, EMPLOYEES, IBOVESPA, OPERATIONS, SourceTable

_MOD = 65521  # largest prime below 2**16: (id % p)^2 < 2**32, so 2**31 rows fit in a BIGINT sum
_FLOAT_REL_TOL = 1e-9


class Connection(Protocol):
    """The part of a PEP 249 connection used here."""

    def cursor(self) -> Any: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Measure:
    """One SQL aggregate; `grouped` measures return (group, value) rows compared group by group."""

    name: str
    expression: str
    group_by: str | None = None
    approximate: bool = False


def _id_measures(key: str = "id") -> list[Measure]:
    return [
        Measure("row_count", "COUNT(*)"),
        Measure(f"sum_{key}", f"SUM({key})"),
        Measure(f"sum_sq_{key}_mod_{_MOD}", f"SUM(({key} % {_MOD}) * ({key} % {_MOD}))"),
        Measure(f"min_{key}", f"MIN({key})"),
        Measure(f"max_{key}", f"MAX({key})"),
    ]


@dataclass(frozen=True)
class TableCheck:
    """A source table, its curated copy and the measures to compare."""

    name: str
    source_table: str
    curated_table: str
    measures: tuple[Measure, ...]


def column_measures(table: SourceTable) -> list[Measure]:
    """The measures a table's declared columns give (datalake/contracts/bank_tables.py), so a new
    column is checked without an edit here: an exact SUM of each DECIMAL and BIGINT, the count of
    true TINYINT(1) flags, a SUM of each DOUBLE compared with a tolerance. Keys have their own
    measures; PII columns are not curated."""
    measures = []
    for col in table.columns:
        if col.pii or col.name in table.key:
            continue
        if col.is_flag:
            measures.append(Measure(f"{col.name}_true", f"SUM(CASE WHEN {col.quoted} THEN 1 ELSE 0 END)"))
        elif col.base_type in ("DECIMAL", "BIGINT"):
            measures.append(Measure(f"sum_{col.name}", f"SUM({col.quoted})"))
        elif col.base_type == "DOUBLE":
            measures.append(Measure(f"sum_{col.name}", f"SUM({col.quoted})", approximate=True))
    return measures


def _check(table: SourceTable, *key_measures: Measure) -> TableCheck:
    measures = (*key_measures, *column_measures(table))
    return TableCheck(table.name, table.qualified_name, table.curated_name, measures)


TABLES: dict[str, TableCheck] = {
    "clients": _check(CLIENTS, *_id_measures()),
    "employees": _check(EMPLOYEES, *_id_measures()),
    "operations": _check(OPERATIONS, *_id_measures()),
    "ibovespa": _check(
        IBOVESPA,
        Measure("row_count", "COUNT(*)"),
        Measure("rows_per_symbol", "COUNT(*)", group_by="symbol"),
        Measure("min_date", "MIN(`date`)"),
        Measure("max_date", "MAX(`date`)"),
    ),
}


class ReconciliationError(Exception):
    """Source and curated differ; `report` holds every table and measure that did not match."""

    def __init__(self, report: ReconciliationReport) -> None:
        self.report = report
        super().__init__("source and curated tables differ:\n" + "\n".join(report.mismatch_lines()))


@dataclass
class TableResult:
    check: TableCheck
    source: dict[str, Any]
    curated: dict[str, Any]
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


@dataclass
class ReconciliationReport:
    results: list[TableResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def mismatch_lines(self) -> list[str]:
        return [
            f"{r.check.source_table} vs {r.check.curated_table}: {m}"
            for r in self.results
            for m in r.mismatches
        ]

    def summary_lines(self) -> list[str]:
        lines = []
        for r in self.results:
            status = "OK" if r.ok else f"MISMATCH ({len(r.mismatches)})"
            lines.append(
                f"{r.check.name}: {status} rows={r.source.get('row_count')}/{r.curated.get('row_count')}"
            )
        return lines


# ---- measuring --------------------------------------------------------------------------------------
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def normalize(value: Any) -> Any:
    """A driver value in a comparable form: Decimal for exact numbers, float, ISO string for dates."""
    if value is None or isinstance(value, float):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        value = value.decode()
    text = str(value).strip()
    if _NUMBER.match(text):
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
            return text
    return text


def _fetch(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    cursor = conn.cursor()
    try:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def measure(conn: Connection, table: str, measures: Sequence[Measure]) -> dict[str, Any]:
    """All measures of one table on one side: the scalar ones in one query, each grouped one alone."""
    values: dict[str, Any] = {}
    scalars = [m for m in measures if m.group_by is None]
    if scalars:
        columns = ", ".join(f"{m.expression} AS m{i}" for i, m in enumerate(scalars))
        (row,) = _fetch(conn, f"SELECT {columns} FROM {table}")
        values.update({m.name: normalize(v) for m, v in zip(scalars, row, strict=True)})
    for m in measures:
        if m.group_by is not None:
            rows = _fetch(conn, f"SELECT {m.group_by}, {m.expression} FROM {table} GROUP BY {m.group_by}")
            values[m.name] = {normalize(g): normalize(v) for g, v in rows}
    return values


def _equal(a: Any, b: Any, approximate: bool) -> bool:
    if a is None or b is None:
        return a is b
    if approximate or isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=_FLOAT_REL_TOL, abs_tol=1e-6)
        except (TypeError, ValueError):
            return False
    return a == b


def compare(m: Measure, source: Any, curated: Any) -> list[str]:
    """Human-readable differences of one measure (empty when equal)."""
    if m.group_by is None:
        return (
            [] if _equal(source, curated, m.approximate) else [f"{m.name}: source={source} curated={curated}"]
        )
    diffs = [
        f"{m.name}[{group}]: source={source.get(group)} curated={curated.get(group)}"
        for group in sorted(set(source) | set(curated), key=str)
        if not _equal(source.get(group), curated.get(group), m.approximate)
    ]
    return diffs[:20] + ([f"{m.name}: ... {len(diffs) - 20} more groups differ"] if len(diffs) > 20 else [])


def reconcile_table(check: TableCheck, source: Connection, curated: Connection) -> TableResult:
    src = measure(source, check.source_table, check.measures)
    cur = measure(curated, check.curated_table, check.measures)
    mismatches = [d for m in check.measures for d in compare(m, src[m.name], cur[m.name])]
    return TableResult(check, src, cur, mismatches)


def reconcile(
    tables: Iterable[TableCheck | str],
    source: Connection,
    curated: Connection,
    *,
    raise_on_mismatch: bool = True,
) -> ReconciliationReport:
    """Compare every table; raise `ReconciliationError` (after checking them all) on any difference.

    Args:
        tables: `TableCheck`s or names from `TABLES`.
        source: DB-API connection to MariaDB (tables named `santander.x`, `stock_market.x`).
        curated: DB-API connection to the Spark Thrift Server (tables `financas.x`, `stock_market.x`).
        raise_on_mismatch: set False to get the report back whatever it says.
    """
    checks = [TABLES[t] if isinstance(t, str) else t for t in tables]
    report = ReconciliationReport([reconcile_table(c, source, curated) for c in checks])
    if raise_on_mismatch and not report.ok:
        raise ReconciliationError(report)
    return report


# ---- connections and CLI --------------------------------------------------------------------------------
def connect_source() -> Connection:
    """MariaDB, with the platform's settings (queries name their database)."""
    import pymysql

    from datalake.settings import get_settings

    s = get_settings()
    return pymysql.connect(
        host=s.mariadb_host, port=s.mariadb_port, user=s.mariadb_user, password=s.mariadb_password
    )


def connect_curated() -> Connection:
    """The Spark Thrift Server (HiveServer2 protocol), as the platform's SQL user."""
    from datalake import thrift

    return thrift.connect()


def refresh_curated(conn: Connection, checks: Iterable[TableCheck]) -> None:
    """Drop the Thrift Server's cached file listings, so it sees the latest overwrite (Spark SQL only)."""
    for check in checks:
        _fetch_none(conn, f"REFRESH TABLE {check.curated_table}")


def _fetch_none(conn: Connection, sql: str) -> None:
    cursor = conn.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


app = typer.Typer(add_completion=False, help=__doc__.splitlines()[0] if __doc__ else None)


@app.command()
def main(
    table: Annotated[list[str], typer.Option("--table", help=f"one of {[*TABLES, 'all']}; repeatable")] = [  # noqa: B006
        "all"
    ],
) -> None:
    """Reconcile source and curated tables; exit 1 when any measure differs."""
    unknown = sorted(set(table) - {*TABLES, "all"})
    if unknown:
        raise typer.BadParameter(f"unknown table(s) {unknown}; choose from {[*TABLES, 'all']}")
    checks = list(TABLES.values()) if "all" in table else [TABLES[t] for t in dict.fromkeys(table)]
    source, curated = connect_source(), connect_curated()
    try:
        refresh_curated(curated, checks)
        report = reconcile(checks, source, curated, raise_on_mismatch=False)
    finally:
        source.close()
        curated.close()
    for line in report.summary_lines():
        typer.echo(line)
    if not report.ok:
        typer.echo("\n".join(report.mismatch_lines()), err=True)
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
