"""Reconcile the Mongo collections with their Hive tables (the DAG's last task).

Per collection, on the documents that are not in quarantine: the count, the exact sum of one
numeric field and the smallest and largest `_id` must be equal in Mongo and in Hive, and every
document of the collection must be either a row or a quarantined document. Mongo's side is
computed in Python from the documents themselves (Decimal arithmetic on every BSON number type,
so Int32, Double and Decimal128 values add up exactly as Spark's decimals do).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bson import Decimal128, ObjectId


class MongoReconciliationError(Exception):
    """Mongo and Hive differ; the message lists every measure that did not match."""


@dataclass(frozen=True)
class Check:
    mongo_db: str
    collection: str
    hive_table: str
    field: str  # the numeric field summed on both sides
    scale: int  # its decimal places in Hive
    quarantine: str  # SQL selecting the quarantined ids of this collection


def checks(hive_nubank: str = "nubank_data", hive_marketing: str = "marketing") -> list[Check]:
    from datalake.jobs.mongo.schemas import MARKETING, NUBANK

    out = []
    for spec in NUBANK.values():
        out.append(
            Check(
                "nubank_data", spec.name, f"{hive_nubank}.{spec.table}", spec.sum_field, 2,
                f"SELECT id FROM {hive_nubank}.quarantine WHERE collection = '{spec.name}'",
            )
        )  # fmt: skip
    for spec in MARKETING.values():
        out.append(
            Check(
                "santander_marketing", spec.name, f"{hive_marketing}.{spec.table}", spec.sum_field, 0,
                f"SELECT DISTINCT id FROM {hive_marketing}.quarantine "
                f"WHERE topic = 'mongo.santander_marketing.{spec.name}'",
            )
        )  # fmt: skip
    return out


def as_decimal(value: Any, scale: int) -> Decimal | None:
    """A BSON number as the Hive column would hold it (rounded half up to `scale` places)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    elif isinstance(value, float):
        value = Decimal(repr(value))
    elif isinstance(value, int):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        return None
    return value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)


def key(value: Any) -> str:
    """An `_id` as the curated `id` column holds it: ObjectIds as hex, anything else as text."""
    return value.binary.hex() if isinstance(value, ObjectId) else str(value)


def mongo_measures(
    documents: Iterable[dict[str, Any]], field: str, scale: int, quarantined: set[str]
) -> dict[str, Any]:
    count, total, ids = 0, Decimal(0), []
    every = 0
    for doc in documents:
        every += 1
        ident = key(doc.get("_id"))
        if ident in quarantined:
            continue
        count += 1
        total += as_decimal(doc.get(field), scale) or Decimal(0)
        ids.append(ident)
    return {
        "all": every,
        "rows": count,
        "sum": total,
        "min_id": min(ids, default=None),
        "max_id": max(ids, default=None),
    }


def hive_measures(cursor: Any, check: Check) -> dict[str, Any]:
    cursor.execute(f"SELECT COUNT(*), SUM({check.field}), MIN(id), MAX(id) FROM {check.hive_table}")
    rows, total, low, high = cursor.fetchall()[0]
    return {
        "rows": rows,
        "sum": Decimal(str(total or 0)).quantize(Decimal(1).scaleb(-check.scale)),
        "min_id": low,
        "max_id": high,
    }


def compare(check: Check, mongo: dict[str, Any], hive: dict[str, Any], quarantined: int) -> list[str]:
    name = f"{check.mongo_db}.{check.collection} vs {check.hive_table}"
    problems = [
        f"{name}: {measure} mongo={mongo[measure]} hive={hive[measure]}"
        for measure in ("rows", "sum", "min_id", "max_id")
        if mongo[measure] != hive[measure]
    ]
    if mongo["all"] != hive["rows"] + quarantined:
        problems.append(
            f"{name}: {mongo['all']} documents != {hive['rows']} rows + {quarantined} quarantined"
        )
    return problems


def run(hive_nubank: str = "nubank_data", hive_marketing: str = "marketing") -> list[str]:
    """Every collection; raises MongoReconciliationError listing all differences."""
    from datalake import thrift
    from datalake.generators.mongo_load import client

    lines, problems = [], []
    with client() as mongo, thrift.connect() as sql:
        cursor = sql.cursor()
        for check in checks(hive_nubank, hive_marketing):
            cursor.execute(f"REFRESH TABLE {check.hive_table}")
            cursor.execute(check.quarantine)
            quarantined = {row[0] for row in cursor.fetchall()}
            documents = mongo[check.mongo_db][check.collection].find({}, {"_id": 1, check.field: 1})
            m = mongo_measures(documents, check.field, check.scale, quarantined)
            h = hive_measures(cursor, check)
            found = compare(check, m, h, len(quarantined))
            problems += found
            lines.append(
                f"{check.mongo_db}.{check.collection}: {'OK' if not found else 'MISMATCH'} rows={m['rows']}/{h['rows']} "
                f"quarantined={len(quarantined)} sum({check.field})={m['sum']}/{h['sum']}"
            )
    if problems:
        raise MongoReconciliationError("Mongo and Hive differ:\n" + "\n".join(problems))
    return lines
