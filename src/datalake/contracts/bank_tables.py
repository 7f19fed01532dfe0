"""The bank's MariaDB source tables, each column declared once.

Everything that handles these columns is derived from the declarations below: the generators' DDL
and INSERT column lists (generators/bank_db.py, generators/stock_market.py), Debezium's row image and
the curated schema (jobs/bank/schemas.py), the curation's typed projection (jobs/bank/curate_cdc.py)
and the measures reconcile compares (datalake/pipelines/bank_reconcile.py). Adding a column to a bank table is one
`Column(...)` line here plus its value in the generator (`generators/bank_rows.py`, or
`generators/price_sources.py` for Ibovespa), which fails naming any declared column it has no value
for (docs/bank-lake.md, "Adding a column").

A column's MariaDB type decides the rest: how Debezium encodes it (`decimal.handling.mode=string`,
`time.precision.mode=connect`), its curated type, and whether reconcile sums it. `pii` marks the
columns that never leave the raw zone ("drop") or leave it only as a salted hash ("hash": the CPF,
curated as `cpf_hash`), BRIEF §4.2.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

_SQL_TYPE = re.compile(r"^\s*([A-Za-z]+)(?:\(([\d,\s]+)\))?")
T = TypeVar("T")
_RESERVED = frozenset({"date", "open", "close"})  # MariaDB keywords used as column names


@dataclass(frozen=True)
class Column:
    """One source column: its name, its MariaDB type with constraints, and its PII handling."""

    name: str
    sql: str  # e.g. "DECIMAL(12,2) NOT NULL"
    pii: Literal["drop", "hash"] | None = None
    auto: bool = False  # AUTO_INCREMENT: MariaDB fills it, the generator does not

    @property
    def base_type(self) -> str:
        """The type's name in upper case: BIGINT, VARCHAR, DECIMAL, TINYINT, DATETIME, ..."""
        match = _SQL_TYPE.match(self.sql)
        if not match:
            raise ValueError(f"column {self.name}: no SQL type in {self.sql!r}")
        return match.group(1).upper()

    @property
    def type_args(self) -> tuple[int, ...]:
        """The type's arguments: (12, 2) for DECIMAL(12,2), (1,) for TINYINT(1), () for DATE."""
        match = _SQL_TYPE.match(self.sql)
        args = match.group(2) if match else None
        return tuple(int(a) for a in args.split(",")) if args else ()

    @property
    def is_flag(self) -> bool:
        """TINYINT(1): a boolean at the source (0/1), curated as a boolean."""
        return self.base_type == "TINYINT" and self.type_args == (1,)

    @property
    def quoted(self) -> str:
        return f"`{self.name}`" if self.name in _RESERVED else self.name


@dataclass(frozen=True)
class SourceTable:
    """A MariaDB table the CDC pipeline captures."""

    database: str
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    indexes: tuple[str, ...] = ()  # further keys and constraints, as DDL lines ({db} is the database)

    @property
    def qualified_name(self) -> str:
        return f"{self.database}.{self.name}"

    @property
    def curated_database(self) -> str:
        """The lake database the table is curated into (`CURATED_DATABASES`)."""
        return CURATED_DATABASES[self.database]

    @property
    def curated_name(self) -> str:
        """`database.table` of the curated copy in the metastore."""
        return f"{self.curated_database}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def insert_columns(self) -> tuple[str, ...]:
        """The columns a generator gives values for, in INSERT order (all but AUTO_INCREMENT)."""
        return tuple(c.name for c in self.columns if not c.auto)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.qualified_name} has no column {name!r}")

    def ddl(self) -> str:
        """CREATE TABLE IF NOT EXISTS: created once, never dropped (the generators add rows only)."""
        width = max(len(c.quoted) for c in self.columns)
        lines = [
            f"    {c.quoted:<{width}} {c.sql}{' AUTO_INCREMENT' if c.auto else ''}" for c in self.columns
        ]
        key = ", ".join(self.column(k).quoted for k in self.key)
        lines.append(f"    PRIMARY KEY ({key})")
        lines.extend(f"    {line.format(db=self.database)}" for line in self.indexes)
        body = ",\n".join(lines)
        return (
            f"\nCREATE TABLE IF NOT EXISTS {self.qualified_name} (\n{body}\n"
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
        )

    def ordered(self, values: Mapping[str, T]) -> tuple[T, ...]:
        """One generated row as a tuple in `insert_columns` order; a declared column without a
        value is an error that names it (the one edit besides the declaration is the generator's)."""
        missing = [c for c in self.insert_columns if c not in values]
        if missing:
            raise KeyError(f"the generator gives no value for {self.qualified_name} column(s) {missing}")
        return tuple(values[c] for c in self.insert_columns)


SANTANDER = "santander"
# Where each captured source database's tables are curated in the lake (BRIEF §4.2).
CURATED_DATABASES = {SANTANDER: "financas", "stock_market": "stock_market"}

CLIENTS = SourceTable(
    SANTANDER,
    "clients",
    (
        Column("id", "BIGINT NOT NULL", auto=True),
        Column("nome", "VARCHAR(200) NOT NULL", pii="drop"),
        Column("cpf", "CHAR(14) NOT NULL", pii="hash"),
        Column("tipo_produto", "VARCHAR(32) NOT NULL"),
        Column("data_nascimento", "DATE NOT NULL"),
        Column("address", "VARCHAR(255) NOT NULL", pii="drop"),
        Column("renda_mensal", "DECIMAL(12,2) NOT NULL"),
        Column("created_at", "DATETIME NOT NULL"),
    ),
    key=("id",),
    indexes=("UNIQUE KEY uq_clients_cpf (cpf)",),
)

EMPLOYEES = SourceTable(
    SANTANDER,
    "employees",
    (
        Column("id", "BIGINT NOT NULL", auto=True),
        Column("nome", "VARCHAR(200) NOT NULL", pii="drop"),
        Column("cpf", "CHAR(14) NOT NULL", pii="hash"),
        Column("data_inicio", "DATE NOT NULL"),
        Column("address", "VARCHAR(255) NOT NULL", pii="drop"),
        Column("salario", "DECIMAL(12,2) NOT NULL"),
        Column("area", "VARCHAR(32) NOT NULL"),
    ),
    key=("id",),
    indexes=("UNIQUE KEY uq_employees_cpf (cpf)",),
)

OPERATIONS = SourceTable(
    SANTANDER,
    "operations",
    (
        Column("id", "BIGINT NOT NULL", auto=True),
        Column("client_id", "BIGINT NOT NULL"),
        Column("cpf", "CHAR(14) NOT NULL", pii="hash"),
        Column("tipo_produto", "VARCHAR(32) NOT NULL"),
        Column("origem", "VARCHAR(32) NOT NULL"),
        Column("operacao", "VARCHAR(32) NOT NULL"),
        Column("valor", "DECIMAL(14,2) NOT NULL"),
        Column("online", "TINYINT(1) NOT NULL"),
        Column("op_timestamp", "DATETIME(3) NOT NULL"),
        Column("success", "TINYINT(1) NOT NULL"),
    ),
    key=("id",),
    indexes=(
        "KEY idx_operations_ts (op_timestamp)",
        "CONSTRAINT fk_operations_client FOREIGN KEY (client_id) REFERENCES {db}.clients (id)",
    ),
)

IBOVESPA = SourceTable(
    "stock_market",
    "ibovespa",
    (
        Column("symbol", "VARCHAR(16) NOT NULL"),
        Column("date", "DATE NOT NULL"),
        Column("open", "DOUBLE NULL"),
        Column("high", "DOUBLE NULL"),
        Column("low", "DOUBLE NULL"),
        Column("close", "DOUBLE NULL"),
        Column("adjclose", "DOUBLE NULL"),
        Column("volume", "BIGINT NULL"),
        Column("dividends", "DOUBLE NOT NULL DEFAULT 0"),
    ),
    key=("symbol", "date"),
)

# Clients first: operations reference them.
SANTANDER_TABLES: dict[str, SourceTable] = {t.name: t for t in (CLIENTS, EMPLOYEES, OPERATIONS)}
# Every captured table, in the order the pipeline curates and reconciles them.
BANK_TABLES: tuple[SourceTable, ...] = (CLIENTS, EMPLOYEES, OPERATIONS, IBOVESPA)
