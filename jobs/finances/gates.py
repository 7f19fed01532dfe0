"""Quality gates of the finance marts: computed before anything is published.

Each check is one row (check, expected, observed, passed); the run fails, publishing nothing, when
any check fails. Checks compare the staged marts with the curated operations they came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from datalake.jobs.finances.marts import on
from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

KEYS = {
    "client_daily_position": ("op_date", "client_id"),
    "channel_product_daily": ("op_date", "channel", "product"),
    "suspicious_activity": ("op_date", "client_id", "rule"),
    "ibovespa_daily": ("symbol", "date"),
}


@dataclass(frozen=True)
class Check:
    check: str
    expected: str
    observed: str
    passed: bool


def _scalar(df: DataFrame, expression: Any) -> Any:
    row = df.select(expression).first()
    assert row is not None  # an aggregate has one row, even over no rows
    return row[0]


def _equal(name: str, expected: Any, observed: Any) -> Check:
    return Check(name, str(expected), str(observed), expected == observed)


def _zero(name: str, observed: int) -> Check:
    return Check(name, "0", str(observed), observed == 0)


def value_sums(ops: DataFrame, marts: dict[str, DataFrame], day: date) -> list[Check]:
    """The day's money moved (successful operations) is the same in curated and in both marts."""
    moved = _scalar(
        ops.where(on(day) & F.col("success")), F.coalesce(F.sum("value"), F.lit(0)).cast("decimal(18,2)")
    )
    position = marts["client_daily_position"]
    by_client = _scalar(
        position, F.coalesce(F.sum(F.col("inflows") + F.col("outflows")), F.lit(0)).cast("decimal(18,2)")
    )
    by_channel = _scalar(
        marts["channel_product_daily"], F.coalesce(F.sum("total_value"), F.lit(0)).cast("decimal(18,2)")
    )
    count = ops.where(on(day)).count()
    return [
        _equal("value_sum curated = client_daily_position", Decimal(moved), Decimal(by_client)),
        _equal("value_sum curated = channel_product_daily", Decimal(moved), Decimal(by_channel)),
        _equal(
            "operations curated = client_daily_position",
            count,
            _scalar(position, F.coalesce(F.sum("operations"), F.lit(0))),
        ),
    ]


def keys(marts: dict[str, DataFrame]) -> list[Check]:
    """No null key column and one row per key, in every mart."""
    checks = []
    for name, columns in KEYS.items():
        df = marts[name]
        nulls = df.where(F.greatest(*[F.col(c).isNull() for c in columns])).count()
        duplicates = df.groupBy(*columns).count().where(F.col("count") > 1).count()
        checks += [_zero(f"{name}: null keys", nulls), _zero(f"{name}: duplicate keys", duplicates)]
    return checks


def ranges(marts: dict[str, DataFrame]) -> list[Check]:
    """Rates within [0, 1]; volatility never negative."""
    rates = (
        marts["channel_product_daily"]
        .where((F.col("success_rate") < 0) | (F.col("success_rate") > 1))
        .count()
    )
    volatility = marts["ibovespa_daily"].where(F.col("volatility_20d") < 0).count()
    return [
        _zero("channel_product_daily: success_rate outside [0, 1]", rates),
        _zero("ibovespa_daily: negative volatility", volatility),
    ]


def run_all(ops: DataFrame, marts: dict[str, DataFrame], day: date) -> list[Check]:
    return [*value_sums(ops, marts, day), *keys(marts), *ranges(marts)]
