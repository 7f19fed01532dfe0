"""Every finance mart on crafted data, against hand-computed results, edge cases included."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from datalake.jobs.finances import gates, marts
from datalake.jobs.finances.marts import Thresholds
from datalake.jobs.finances.schemas import MARTS
from pyspark.testing import assertDataFrameEqual

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DAY = date(2026, 11, 28)
UNIFIED = (
    "op_id string, source string, client_id long, cpf_hash string, channel string, product string, "
    "operation string, value decimal(14,2), success boolean, op_ts timestamp, op_date date"
)


def _ops(spark: SparkSession, rows: list[tuple[Any, ...]]) -> DataFrame:
    """Rows of (client, channel, operation, value, success, timestamp); ids and the rest derived."""
    full = [
        (
            f"op-{i}",
            "stream",
            client,
            f"h{client}",
            channel,
            "conta_corrente",
            operation,
            Decimal(str(value)),
            ok,
            ts,
            ts.date(),
        )
        for i, (client, channel, operation, value, ok, ts) in enumerate(rows)
    ]
    return spark.createDataFrame(full, UNIFIED)


def _at(hour: int, minute: int = 0, second: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second)


def test_client_daily_position_sums_only_money_that_moved(spark: SparkSession) -> None:
    ops = _ops(
        spark,
        [
            (1, "atm", "deposito", 100.00, True, _at(9)),
            (1, "atm", "saque", 40.00, True, _at(10)),
            (1, "mobile", "pix", 999.99, False, _at(11)),  # failed: counted, not summed
            (2, "mobile", "pix", 10.50, True, _at(12)),  # only outflows
            (2, "maquininhas", "compra_debito", 5.25, True, _at(13)),
            (3, "atm", "deposito", 70.00, True, _at(9, day=DAY - timedelta(days=1))),  # another day
        ],
    )
    expected = spark.createDataFrame(
        [
            (DAY, 1, "h1", Decimal("100.00"), Decimal("40.00"), Decimal("60.00"), 3, 1),
            (DAY, 2, "h2", Decimal("0.00"), Decimal("15.75"), Decimal("-15.75"), 2, 0),
        ],
        MARTS["client_daily_position"],
    )
    assertDataFrameEqual(marts.client_daily_position(ops, DAY), expected)


def test_a_day_without_operations_has_no_rows(spark: SparkSession) -> None:
    ops = _ops(spark, [(1, "atm", "deposito", 1, True, _at(9, day=DAY - timedelta(days=3)))])
    assert marts.client_daily_position(ops, DAY).count() == 0
    assert marts.channel_product_daily(ops, DAY).count() == 0


def test_channel_product_daily_value_ticket_and_success_rate(spark: SparkSession) -> None:
    ops = _ops(
        spark,
        [
            (1, "atm", "saque", 100.00, True, _at(9)),
            (2, "atm", "saque", 50.00, True, _at(9)),
            (3, "atm", "saque", 80.00, False, _at(9)),
            (1, "mobile", "pix", 10.00, False, _at(9)),  # no success: no ticket, rate 0
        ],
    )
    expected = spark.createDataFrame(
        [
            (DAY, "atm", "conta_corrente", 3, 2, Decimal("150.00"), Decimal("75.00"), 2 / 3),
            (DAY, "mobile", "conta_corrente", 1, 0, Decimal("0.00"), None, 0.0),
        ],
        MARTS["channel_product_daily"],
    )
    assertDataFrameEqual(marts.channel_product_daily(ops, DAY), expected)


def test_value_outlier_uses_the_clients_own_history(spark: SparkSession) -> None:
    history = [
        (1, "atm", "saque", v, True, _at(10, day=DAY - timedelta(days=d)))
        for d, v in enumerate([100, 110, 90, 105, 95, 100], 1)
    ]
    too_old = [(1, "atm", "saque", 1_000_000, True, _at(10, day=DAY - timedelta(days=120)))]
    short = [
        (2, "atm", "saque", 100, True, _at(10, day=DAY - timedelta(days=d))) for d in (1, 2, 3)
    ]  # < 5: not judged
    today = [
        (1, "atm", "saque", 160, True, _at(9)),  # z = 0.6745 * 60 / 5 = 8.094
        (1, "atm", "saque", 104, True, _at(10)),  # z = 0.54: not an outlier
        (2, "atm", "saque", 100_000, True, _at(9)),
    ]
    flags = marts.value_outliers(_ops(spark, history + too_old + short + today), DAY, Thresholds()).collect()
    assert [(r.client_id, r.rule, round(r.score, 3)) for r in flags] == [(1, "value_outlier", 8.094)]
    assert json.loads(flags[0].evidence) == {
        "op_id": "op-10",
        "operation": "saque",
        "value": 160.0,
        "median": 100.0,
        "mad": 5.0,
        "history": 6,
    }


def test_value_outlier_skips_a_history_whose_mad_is_zero(spark: SparkSession) -> None:
    """Six equal past values: MAD 0, no robust z. The rule gives no score (try_divide's null),
    neither a flag nor Spark's division-by-zero error under ANSI mode."""
    history = [(1, "atm", "saque", 100, True, _at(10, day=DAY - timedelta(days=d))) for d in range(1, 7)]
    today = [(1, "atm", "saque", 5_000, True, _at(9))]
    assert marts.value_outliers(_ops(spark, history + today), DAY, Thresholds()).count() == 0


def test_value_outlier_compares_an_operation_with_its_own_kind(spark: SparkSession) -> None:
    small = [(1, "atm", "saque", 100 + d, True, _at(10, day=DAY - timedelta(days=d))) for d in range(1, 8)]
    large = [
        (1, "mobile", "investimento", 5000 + 10 * d, True, _at(11, day=DAY - timedelta(days=d)))
        for d in range(1, 8)
    ]
    today = [(1, "mobile", "investimento", 5030, True, _at(9))]  # huge for a withdrawal, ordinary here
    assert marts.value_outliers(_ops(spark, small + large + today), DAY, Thresholds()).count() == 0


def test_value_outlier_negative_an_ordinary_day(spark: SparkSession) -> None:
    history = [(1, "atm", "saque", 100 + d, True, _at(10, day=DAY - timedelta(days=d))) for d in range(1, 11)]
    assert (
        marts.value_outliers(
            _ops(spark, [*history, (1, "atm", "saque", 108, True, _at(9))]), DAY, Thresholds()
        ).count()
        == 0
    )


def test_failed_burst_positive_negative_and_the_window_edge(spark: SparkSession) -> None:
    rows = [
        (1, "atm", "saque", 10, False, _at(9, 0)),
        (1, "atm", "saque", 10, False, _at(9, 4)),
        (1, "mobile", "pix", 10, False, _at(9, 10)),  # exactly 10 minutes after the first: inside
        (2, "atm", "saque", 10, False, _at(9, 0)),
        (2, "atm", "saque", 10, False, _at(9, 5)),
        (2, "atm", "saque", 10, False, _at(9, 15, 1)),  # outside every 10-minute window with two others
        (3, "atm", "saque", 10, True, _at(9, 1)),  # successes do not count
        (3, "atm", "saque", 10, False, _at(9, 2)),
        (3, "atm", "saque", 10, False, _at(9, 3)),
    ]
    flags = marts.failed_bursts(_ops(spark, rows), DAY, Thresholds()).collect()
    assert [(r.client_id, r.score) for r in flags] == [(1, 3.0)]
    assert json.loads(flags[0].evidence) == {
        "first": "2026-11-28 09:00:00",
        "last": "2026-11-28 09:10:00",
        "failed": 3,
    }


def test_multi_channel_within_five_minutes(spark: SparkSession) -> None:
    rows = [
        (1, "atm", "saque", 10, True, _at(9, 0)),
        (1, "mobile", "pix", 10, True, _at(9, 2)),
        (1, "internet_banking", "pix", 10, False, _at(9, 4, 59)),
        (2, "atm", "saque", 10, True, _at(9, 0)),
        (2, "mobile", "pix", 10, True, _at(9, 3)),
        (2, "maquininhas", "compra_debito", 10, True, _at(9, 5, 1)),  # 5 min 1 s after the first
        (3, "mobile", "pix", 10, True, _at(9, 0)),
        (3, "mobile", "pix", 10, True, _at(9, 1)),
        (3, "atm", "saque", 10, True, _at(9, 2)),  # two channels only
    ]
    flags = marts.channel_hopping(_ops(spark, rows), DAY, Thresholds()).collect()
    assert [(r.client_id, r.score) for r in flags] == [(1, 3.0)]
    assert json.loads(flags[0].evidence)["channels"] == ["atm", "internet_banking", "mobile"]


def test_ibovespa_returns_volatility_and_averages_wait_for_enough_history(spark: SparkSession) -> None:
    start = date(2025, 1, 1)
    prices = [("AAA.SA", start + timedelta(days=i), 10.0 + (i % 2)) for i in range(25)]
    prices += [("NEW.SA", start + timedelta(days=i), 5.0) for i in range(3)]  # fewer than 20 days
    df = spark.createDataFrame(prices, "symbol string, date date, close double")
    out = {(r.symbol, r.date): r for r in marts.ibovespa_daily(df, start + timedelta(days=30)).collect()}
    first, second = out[("AAA.SA", start)], out[("AAA.SA", start + timedelta(days=1))]
    assert first.daily_return is None and second.daily_return == pytest.approx(0.1)
    assert out[("AAA.SA", start + timedelta(days=19))].volatility_20d is None  # 19 returns
    vol = out[("AAA.SA", start + timedelta(days=20))].volatility_20d
    returns = [(10.0 + (i % 2)) / (10.0 + ((i - 1) % 2)) - 1 for i in range(1, 21)]
    mean = sum(returns) / 20
    assert vol == pytest.approx((sum((r - mean) ** 2 for r in returns) / 19) ** 0.5)
    assert out[("AAA.SA", start + timedelta(days=19))].ma_20 == pytest.approx(10.5)
    assert all(r.ma_50 is None for r in out.values())
    assert all(r.volatility_20d is None and r.ma_20 is None for (s, _), r in out.items() if s == "NEW.SA")


def test_gates_pass_on_consistent_marts_and_name_the_failing_check(spark: SparkSession) -> None:
    ops = _ops(spark, [(1, "atm", "deposito", 100, True, _at(9)), (2, "atm", "saque", 30, True, _at(9))])
    built = {
        "client_daily_position": marts.client_daily_position(ops, DAY),
        "channel_product_daily": marts.channel_product_daily(ops, DAY),
        "suspicious_activity": marts.suspicious_activity(ops, DAY, Thresholds()),
        "ibovespa_daily": spark.createDataFrame([], MARTS["ibovespa_daily"]),
    }
    assert all(c.passed for c in gates.run_all(ops, built, DAY))
    doubled = {
        **built,
        "client_daily_position": built["client_daily_position"].unionByName(built["client_daily_position"]),
    }
    failed = [c for c in gates.run_all(ops, doubled, DAY) if not c.passed]
    assert [(c.check, c.expected, c.observed) for c in failed] == [
        ("value_sum curated = client_daily_position", "130.00", "260.00"),
        ("operations curated = client_daily_position", "2", "4"),
        ("client_daily_position: duplicate keys", "0", "2"),
    ]


def test_middle_of_a_sorted_array_is_sparks_exact_median(spark: SparkSession) -> None:
    """The outlier rule takes the median and the MAD from one sorted array per (client, operation)
    instead of two `median` aggregations; both must agree, odd and even counts and ties included."""
    from pyspark.sql import functions as F

    groups = {
        1: [5.0],
        2: [1.0, 4.0],
        3: [3.0, 1.0, 2.0],
        4: [10.01, 10.02, 10.02, 7.5],
        5: [2.0, 2.0, 2.0, 9.0, 0.1],
    }
    df = spark.createDataFrame([(g, v) for g, values in groups.items() for v in values], "g int, v double")
    ours = (
        df.groupBy("g")
        .agg(F.sort_array(F.collect_list("v")).alias("_v"))
        .select("g", marts._middle(F.col("_v"), F.size("_v")).alias("m"))
    )
    assertDataFrameEqual(ours, df.groupBy("g").agg(F.median("v").alias("m")))
