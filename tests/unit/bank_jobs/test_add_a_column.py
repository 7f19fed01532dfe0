"""Adding a column to a bank table is one declaration plus the generator's value (issue: one shape).

The test declares a new column on `santander.operations` (a fee, `tarifa DECIMAL(8,2)`) the way a
developer would, in `datalake/contracts/bank_tables.py`, and follows it everywhere the column has
to appear: the MariaDB DDL and INSERT column list, Debezium's row image, the drift check, the
curated schema and the typed value in the curated table, and the reconcile measures. The only other
edit is the generator's value for it: without one the generator fails naming the column.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from datalake.generators import bank_rows as generator
from datalake.jobs.bank import curate_cdc as job
from datalake.jobs.bank.schemas import TABLES, row_image
from datalake.jobs.hive_tables import write_table
from pyspark.sql.types import DecimalType, StringType

from datalake.contracts import bank_tables as contract
from datalake.pipelines import bank_reconcile as reconcile

from .cdc_lines import OPERATION, event, land

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TOPIC = "cdc.santander.operations"
FEE = contract.Column("tarifa", "DECIMAL(8,2) NOT NULL")
# The one schema edit: the column appended to the table's declaration.
WITH_FEE = dataclasses.replace(contract.OPERATIONS, columns=(*contract.OPERATIONS.columns, FEE))


def operation(op_id: int, tarifa: str) -> dict[str, object]:
    return {**OPERATION, "id": op_id, "tarifa": tarifa}


def test_the_source_side_follows_the_declaration() -> None:
    assert "tarifa DECIMAL(8,2) NOT NULL" in " ".join(WITH_FEE.ddl().split())
    assert WITH_FEE.insert_columns == (*contract.OPERATIONS.insert_columns, "tarifa")
    measures = {m.name: m.expression for m in reconcile.column_measures(WITH_FEE)}
    assert measures["sum_tarifa"] == "SUM(tarifa)"


def test_the_generator_needs_only_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    clients = [(1, "123.456.789-09", "conta_corrente")]
    batch = generator.generate_operations(3, clients, seed=1, run_key=0, end=datetime(2024, 5, 2))
    monkeypatch.setattr(contract, "OPERATIONS", WITH_FEE)
    with pytest.raises(KeyError, match=r"santander\.operations column\(s\) \['tarifa'\]"):
        batch.rows()
    values = {name: np.zeros(1) for name in contract.OPERATIONS.insert_columns}
    assert WITH_FEE.ordered({**values, "tarifa": "0.50"})[-1] == "0.50"


def test_the_lake_side_follows_the_declaration(spark: SparkSession, tmp_path: Path) -> None:
    spec = dataclasses.replace(TABLES["operations"], source=WITH_FEE, database="unit_add_column")
    assert row_image(WITH_FEE)["tarifa"].dataType == StringType()  # Debezium: DECIMAL as a string
    assert spec.curated_schema["tarifa"].dataType == DecimalType(8, 2)
    lines = [
        event(TOPIC, 0, "c", after=operation(1, "1.50")),
        event(TOPIC, 1, "c", after=operation(2, "0.25")),
    ]
    folder = str(land(tmp_path, TOPIC, lines))
    before = TABLES["operations"]
    undeclared = job.classify(job.read_raw(spark, folder, before), before.row_fields)
    with pytest.raises(job.CurateError, match=r"\['tarifa'\]"):
        job.check_drift(undeclared, before)  # the column at the source alone fails the run ...
    classified = job.classify(job.read_raw(spark, folder, spec), spec.row_fields)
    job.check_drift(classified, spec)  # ... declared, it flows through
    location = str(tmp_path / "curated" / spec.database / spec.table)
    try:
        curated = job.curate(job.change_events(classified), spec, "salt", date(2024, 5, 2))
        write_table(spark, curated, spec, location)
        stored = {r["id"]: r["tarifa"] for r in spark.table(spec.qualified_name).collect()}
        assert stored == {1: Decimal("1.50"), 2: Decimal("0.25")}
    finally:
        spark.sql(f"DROP DATABASE IF EXISTS {spec.database} CASCADE")


@pytest.mark.parametrize("sql", ["TIMESTAMP NOT NULL", "INT UNSIGNED NOT NULL", "JSON NULL"])
def test_a_type_without_a_known_encoding_is_refused_naming_the_column(sql: str) -> None:
    """Debezium sends TIMESTAMP as an ISO string and UNSIGNED one size larger: declared without a
    mapping they would parse to NULLs the drift check cannot see, so the declaration fails."""
    table = dataclasses.replace(
        contract.OPERATIONS, columns=(*contract.OPERATIONS.columns, contract.Column("x", sql))
    )
    with pytest.raises(ValueError, match="column x"):
        row_image(table)
