"""The finance marts as pure DataFrame -> DataFrame transforms (docs/finance-marts.md).

Inputs are the curated tables: `financas.operations` (CDC of `santander.operations`) and
`financas.channel_operations` (the five channels), made one shape by `unify`, and
`stock_market.ibovespa`. Money: only successful operations move money; a deposit (`deposito`) is
an inflow, every other operation (withdrawals, payments, transfers, pix, purchases, top-ups,
investments, all initiated by the client) an outflow. Failed operations are counted, never summed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from pyspark.sql import Window
from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.window import WindowSpec

INFLOWS = ("deposito",)
MONEY = "decimal(18,2)"


@dataclass(frozen=True)
class Thresholds:
    """The suspicious-activity rules' settings (settings.finance_*; see the docs for each rule)."""

    outlier_z: float = 3.5  # robust z-score above which a value is an outlier
    outlier_history_days: int = 90
    outlier_min_history: int = 5  # operations of the client needed before judging
    failed_burst: int = 3  # failed operations ...
    failed_window_s: int = 600  # ... within 10 minutes
    channels: int = 3  # distinct channels ...
    channels_window_s: int = 300  # ... within 5 minutes


# ---- one shape for both sources -----------------------------------------------------------------------
def unify(operations: DataFrame, channel_operations: DataFrame) -> DataFrame:
    """CDC operations and streamed channel operations as one table.

    Columns: op_id (`cdc-<id>` or the channel's operation id), source, client_id, cpf_hash,
    channel, product, operation, value, success, op_ts, op_date.
    """
    cdc = operations.select(
        F.concat(F.lit("cdc-"), F.col("id").cast("string")).alias("op_id"),
        F.lit("cdc").alias("source"),
        "client_id",
        "cpf_hash",
        F.col("origem").alias("channel"),
        F.col("tipo_produto").alias("product"),
        F.col("operacao").alias("operation"),
        F.col("valor").cast("decimal(14,2)").alias("value"),
        "success",
        F.col("op_timestamp").alias("op_ts"),
        "op_date",
    )
    stream = channel_operations.select(
        F.col("operation_id").alias("op_id"),
        F.lit("stream").alias("source"),
        "client_id",
        "cpf_hash",
        "channel",
        "product",
        "operation",
        F.col("value").cast("decimal(14,2)").alias("value"),
        "success",
        F.col("op_timestamp").alias("op_ts"),
        "op_date",
    )
    return cdc.unionByName(stream)


def on(day: date) -> Column:
    return F.col("op_date") == F.lit(day)


# ---- marts --------------------------------------------------------------------------------------------
def client_daily_position(ops: DataFrame, day: date) -> DataFrame:
    """Per client and date: inflows, outflows, net, operations and failed operations."""
    moved = F.when(F.col("success"), F.col("value"))
    inflow = F.col("operation").isin(*INFLOWS)
    return (
        ops.where(on(day))
        .groupBy("op_date", "client_id")
        .agg(
            F.first("cpf_hash", ignorenulls=True).alias("cpf_hash"),
            F.coalesce(F.sum(F.when(inflow, moved)), F.lit(0)).cast(MONEY).alias("inflows"),
            F.coalesce(F.sum(F.when(~inflow, moved)), F.lit(0)).cast(MONEY).alias("outflows"),
            F.count("*").alias("operations"),
            F.count(F.when(~F.col("success"), 1)).alias("failed"),
        )
        .withColumn("net", (F.col("inflows") - F.col("outflows")).cast(MONEY))
        .select("op_date", "client_id", "cpf_hash", "inflows", "outflows", "net", "operations", "failed")
    )


def channel_product_daily(ops: DataFrame, day: date) -> DataFrame:
    """Per date, channel and product: operations, successes, total value moved, average ticket
    (value per successful operation) and success rate."""
    return (
        ops.where(on(day))
        .groupBy("op_date", "channel", "product")
        .agg(
            F.count("*").alias("operations"),
            F.count(F.when(F.col("success"), 1)).alias("successes"),
            F.coalesce(F.sum(F.when(F.col("success"), F.col("value"))), F.lit(0))
            .cast(MONEY)
            .alias("total_value"),
        )
        .withColumn(
            "avg_ticket",
            F.when(F.col("successes") > 0, (F.col("total_value") / F.col("successes")).cast(MONEY)),
        )
        .withColumn("success_rate", (F.col("successes") / F.col("operations")).cast("double"))
    )


def _evidence(**fields: Column) -> Column:
    return F.to_json(F.struct(*[col.alias(name) for name, col in fields.items()]))


def _flag(scored: DataFrame, rule: str, evidence: Column) -> DataFrame:
    """One flag per client: its highest `score` of the day (the earliest on a tie)."""
    top = Window.partitionBy("client_id").orderBy(F.desc("score"), "op_ts", "op_id")
    return (
        scored.withColumn("_rank", F.row_number().over(top))
        .where(F.col("_rank") == 1)
        .select(
            "op_date",
            "client_id",
            F.lit(rule).alias("rule"),
            F.col("score").cast("double"),
            evidence.alias("evidence"),
        )
    )


def _middle(ordered: Column, n: Column) -> Column:
    """The median of an ascending array of n doubles, as Spark's exact `median` computes it: the
    middle value, or 0.5 * lower + 0.5 * upper of the two middle ones (the same rounding)."""
    lower = F.element_at(ordered, F.floor((n + 1) / 2).cast("int"))
    upper = F.element_at(ordered, F.floor(n / 2).cast("int") + 1)
    return F.lit(0.5) * lower + F.lit(0.5) * upper


def value_outliers(ops: DataFrame, day: date, t: Thresholds) -> DataFrame:
    """Rule `value_outlier`: an operation of the day whose value is far above the client's own
    history of the same operation type (a withdrawal against withdrawals, an investment against
    investments) over the previous `outlier_history_days` days, by the robust z-score
    0.6745 * (value - median) / MAD (MAD: the median absolute deviation). Needs
    `outlier_min_history` past operations of that type and a MAD above 0. Score: the client's
    highest z of the day."""
    start = F.date_sub(F.lit(day), t.outlier_history_days)
    key = ["client_id", "operation"]
    # Only the (client, operation type) pairs of the day can be flagged: their history alone is
    # worth a median (a small share of 90 days of operations). The pairs are broadcast as one
    # 64-bit hash each: Spark cannot know a day's pairs are few (a sort-merge join shuffled all 90
    # days to find them), and a long key probes faster than a (long, string) one. A hash collision
    # only lets another pair's history through; the join on the real key below drops it.
    pair = F.xxhash64(*key).alias("_pair")
    pairs = ops.where(on(day)).select(pair).distinct()
    history = (
        ops.where((F.col("op_date") >= start) & (F.col("op_date") < F.lit(day)))
        .withColumn("_pair", pair)
        .join(F.broadcast(pairs), "_pair", "left_semi")
    )
    # One shuffle: each pair's history as a sorted array gives the median, and its deviations,
    # sorted again, the MAD (a second groupBy after a join would shuffle the history twice).
    values = history.groupBy(*key).agg(
        F.sort_array(F.collect_list(F.col("value").cast("double"))).alias("_v")
    )
    n = F.size("_v")
    deviations = F.sort_array(F.transform("_v", lambda v: F.abs(v - F.col("median"))))
    stats = (
        values.where(n >= t.outlier_min_history)
        .withColumn("history", n.cast("long"))
        .withColumn("median", _middle(F.col("_v"), n))
        .withColumn("mad", _middle(deviations, n))
        .drop("_v")
    )
    # A MAD of 0 (half the history one value) gives no score: try_divide's null, not a filter on
    # `mad`, which Spark would push below the projection and so sort every pair's deviations twice.
    z = F.try_divide(F.lit(0.6745) * (F.col("value") - F.col("median")), F.col("mad"))
    scored = (
        ops.where(on(day))
        .join(stats, key)
        .withColumn("score", z.cast("double"))
        .where(F.col("score") > t.outlier_z)
    )
    evidence = _evidence(
        op_id=F.col("op_id"),
        operation=F.col("operation"),
        value=F.col("value"),
        median=F.col("median"),
        mad=F.col("mad"),
        history=F.col("history"),
    )
    return _flag(scored, "value_outlier", evidence)


def _timed(ops: DataFrame, day: date) -> DataFrame:
    """The day's operations with `_t`, epoch seconds, for time-range windows per client."""
    return ops.where(on(day)).withColumn("_t", F.col("op_ts").cast("long"))


def failed_bursts(ops: DataFrame, day: date, t: Thresholds) -> DataFrame:
    """Rule `failed_burst`: at least `failed_burst` failed operations of a client within
    `failed_window_s` seconds. Score: the most failures in one window."""
    ahead = Window.partitionBy("client_id").orderBy("_t").rangeBetween(0, t.failed_window_s)
    counted = (
        _timed(ops, day)
        .where(~F.col("success"))
        .withColumn("score", F.count("*").over(ahead))
        .withColumn("_last", F.max("op_ts").over(ahead))
        .where(F.col("score") >= t.failed_burst)
    )
    evidence = _evidence(
        first=F.col("op_ts").cast("string"), last=F.col("_last").cast("string"), failed=F.col("score")
    )
    return _flag(counted, "failed_burst", evidence)


def channel_hopping(ops: DataFrame, day: date, t: Thresholds) -> DataFrame:
    """Rule `multi_channel`: operations of a client from at least `channels` distinct channels
    within `channels_window_s` seconds. Score: the most channels in one window."""
    behind = Window.partitionBy("client_id").orderBy("_t").rangeBetween(-t.channels_window_s, 0)
    seen = (
        _timed(ops, day)
        .withColumn("_channels", F.array_sort(F.collect_set("channel").over(behind)))
        .withColumn("score", F.size("_channels"))
        .where(F.col("score") >= t.channels)
    )
    return _flag(
        seen, "multi_channel", _evidence(channels=F.col("_channels"), at=F.col("op_ts").cast("string"))
    )


def suspicious_activity(ops: DataFrame, day: date, t: Thresholds) -> DataFrame:
    """Every rule's flags of the day: one row per client and rule, with score and evidence."""
    return (
        value_outliers(ops, day, t)
        .unionByName(failed_bursts(ops, day, t))
        .unionByName(channel_hopping(ops, day, t))
    )


def ibovespa_daily(prices: DataFrame, day: date) -> DataFrame:
    """Per symbol and trading date up to `day`: close, daily return, 20-day volatility (sample
    standard deviation of the last 20 daily returns) and 20- and 50-day moving averages of the
    close; each is null until the symbol has enough history."""
    by_date = Window.partitionBy("symbol").orderBy("date")

    def last(n: int) -> WindowSpec:
        return by_date.rowsBetween(-(n - 1), 0)

    daily = (
        prices.where(F.col("date") <= F.lit(day))
        .select("symbol", "date", F.col("close").cast("double").alias("close"))
        .withColumn("daily_return", F.col("close") / F.lag("close").over(by_date) - 1)
    )
    return daily.select(
        "symbol",
        "date",
        "close",
        "daily_return",
        F.when(
            F.count("daily_return").over(last(20)) == 20, F.stddev_samp("daily_return").over(last(20))
        ).alias("volatility_20d"),
        F.when(F.count("close").over(last(20)) == 20, F.avg("close").over(last(20))).alias("ma_20"),
        F.when(F.count("close").over(last(50)) == 50, F.avg("close").over(last(50))).alias("ma_50"),
    )
