"""The finance marts' columns, in the gold zone (Delta, `financas_gold.*`) and in MariaDB.

One StructType per mart is the contract: the job casts to it, the gates read staging with it, and
the MariaDB DDL below declares the same columns with the mart's key as primary key.
"""

from __future__ import annotations

from datalake.jobs.hive_tables import struct
from pyspark.sql.types import (
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    LongType,
    StringType,
    StructType,
)

DATABASE = "financas_gold"


MONEY = DecimalType(18, 2)
MARTS: dict[str, StructType] = {
    "client_daily_position": struct(
        ("op_date", DateType()),
        ("client_id", LongType()),
        ("cpf_hash", StringType()),
        ("inflows", MONEY),
        ("outflows", MONEY),
        ("net", MONEY),
        ("operations", LongType()),
        ("failed", LongType()),
    ),
    "channel_product_daily": struct(
        ("op_date", DateType()),
        ("channel", StringType()),
        ("product", StringType()),
        ("operations", LongType()),
        ("successes", LongType()),
        ("total_value", MONEY),
        ("avg_ticket", MONEY),
        ("success_rate", DoubleType()),
    ),
    "suspicious_activity": struct(
        ("op_date", DateType()),
        ("client_id", LongType()),
        ("rule", StringType()),
        ("score", DoubleType()),
        ("evidence", StringType()),
    ),
    "ibovespa_daily": struct(
        ("symbol", StringType()),
        ("date", DateType()),
        ("close", DoubleType()),
        ("daily_return", DoubleType()),
        ("volatility_20d", DoubleType()),
        ("ma_20", DoubleType()),
        ("ma_50", DoubleType()),
    ),
}

QUALITY_CHECKS = struct(
    ("run_id", StringType()),
    ("op_date", DateType()),
    ("check_name", StringType()),
    ("expected", StringType()),
    ("observed", StringType()),
    ("passed", BooleanType()),
)


def date_column(mart: str) -> str:
    """The date a mart is partitioned (and replaced) by."""
    return "date" if mart == "ibovespa_daily" else "op_date"


MARIADB_DDL: dict[str, str] = {
    "client_daily_position": """CREATE TABLE IF NOT EXISTS client_daily_position (
        op_date DATE NOT NULL, client_id BIGINT NOT NULL, cpf_hash CHAR(64), inflows DECIMAL(18,2) NOT NULL,
        outflows DECIMAL(18,2) NOT NULL, net DECIMAL(18,2) NOT NULL, operations BIGINT NOT NULL,
        failed BIGINT NOT NULL, PRIMARY KEY (op_date, client_id)) ENGINE=InnoDB""",
    "channel_product_daily": """CREATE TABLE IF NOT EXISTS channel_product_daily (
        op_date DATE NOT NULL, channel VARCHAR(32) NOT NULL, product VARCHAR(32) NOT NULL,
        operations BIGINT NOT NULL, successes BIGINT NOT NULL, total_value DECIMAL(18,2) NOT NULL,
        avg_ticket DECIMAL(18,2), success_rate DOUBLE NOT NULL, PRIMARY KEY (op_date, channel, product)) ENGINE=InnoDB""",
    "suspicious_activity": """CREATE TABLE IF NOT EXISTS suspicious_activity (
        op_date DATE NOT NULL, client_id BIGINT NOT NULL, rule VARCHAR(32) NOT NULL, score DOUBLE NOT NULL,
        evidence TEXT NOT NULL, PRIMARY KEY (op_date, client_id, rule)) ENGINE=InnoDB""",
    "ibovespa_daily": """CREATE TABLE IF NOT EXISTS ibovespa_daily (
        symbol VARCHAR(16) NOT NULL, date DATE NOT NULL, close DOUBLE, daily_return DOUBLE,
        volatility_20d DOUBLE, ma_20 DOUBLE, ma_50 DOUBLE, PRIMARY KEY (symbol, date)) ENGINE=InnoDB""",
    "quality_checks": """CREATE TABLE IF NOT EXISTS quality_checks (
        run_id VARCHAR(250) NOT NULL, op_date DATE NOT NULL, check_name VARCHAR(200) NOT NULL,
        expected TEXT NOT NULL, observed TEXT NOT NULL, passed BOOLEAN NOT NULL,
        PRIMARY KEY (run_id, check_name)) ENGINE=InnoDB""",
}
