"""nubank_data (MongoDB) -> Hive `nubank_data.{clients,employees,operations}` through the Spark connector.

    spark-submit jobs/mongo/curate_nubank.py --run-date 2026-11-28 [--collection operations]

Each collection is read whole through the MongoDB Spark connector with an explicit schema: every
contract field as a string, Extended JSON for anything but strings (`jobs/mongo/extjson.py`), so a
document of the wrong shape is seen as such instead of failing the read. Documents that keep their
contract become typed rows (CPF -> the bank's salted hash; no name, e-mail or street address);
the others go to `nubank_data.quarantine` with the reasons, and the run goes on. Every run
rebuilds the tables from the collections' current state, so a re-run of a date changes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from datalake.jobs.bank.curate_cdc import cpf_hash, required_salt
from datalake.jobs.mongo import extjson
from datalake.jobs.mongo.schemas import ACCOUNT, NUBANK, NUBANK_QUARANTINE, CollectionSpec
from datalake.jobs.mongo.tables import write_collections
from pyspark.sql import functions as F

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

DATABASE = "nubank_data"
# mongo-java-server has no $collStats, which the default partitioner needs.
PARTITIONER = "com.mongodb.spark.sql.connector.read.partitioner.SinglePartitionPartitioner"


# ---- extract --------------------------------------------------------------------------------------
def read_collection(spark: SparkSession, uri: str, database: str, spec: CollectionSpec) -> DataFrame:
    return (
        spark.read.format("mongodb")
        .option("connection.uri", uri)
        .option("database", database)
        .option("collection", spec.name)
        .option("outputExtendedJson", "true")
        .option("partitioner", PARTITIONER)
        .schema(extjson.raw_schema(spec.fields))
        .load()
    )


# ---- transform: parsed contract fields -> curated rows ----------------------------------------------
def project_clients(parsed: DataFrame, salt: str, run_date: date) -> DataFrame:
    accounts = extjson.json_array(F.col("accounts"), ACCOUNT)
    return parsed.select(
        F.col("_id").alias("id"),
        cpf_hash(F.col("cpf"), salt).alias("cpf_hash"),
        F.to_date("data_nascimento").alias("data_nascimento"),
        extjson.json_field(F.col("address"), "uf").alias("uf"),
        F.col("renda_mensal"),
        F.transform(
            accounts,
            lambda a: F.struct(
                a["produto"].alias("produto"),
                extjson.as_date(a["aberta_em"]).alias("aberta_em"),
                extjson.as_number(a["limite"]).cast("decimal(14,2)").alias("limite"),
            ),
        ).alias("accounts"),
        F.col("email").isNotNull().alias("has_email"),
        F.col("created_at"),
        F.lit(run_date).alias("ingest_date"),
    )


def project_employees(parsed: DataFrame, salt: str, run_date: date) -> DataFrame:
    return parsed.select(
        F.col("_id").alias("id"),
        cpf_hash(F.col("cpf"), salt).alias("cpf_hash"),
        "area",
        "cargo",
        "salario",
        F.to_date("admissao").alias("admissao"),
        "gestor_id",
        F.lit(run_date).alias("ingest_date"),
    )


def project_operations(parsed: DataFrame, salt: str, run_date: date) -> DataFrame:
    del salt  # no personal data: the client is referenced by id
    return parsed.select(
        F.col("_id").alias("id"),
        "client_id",
        "tipo",
        "valor",
        "canal",
        F.col("timestamp").alias("op_timestamp"),
        "status",
        "parcelas",
        "chave_tipo",
        F.lit(run_date).alias("ingest_date"),
        F.to_date("timestamp").alias("op_date"),  # the session time zone is UTC
    )


PROJECTIONS: dict[str, Callable[[DataFrame, str, date], DataFrame]] = {
    "clients": project_clients,
    "employees": project_employees,
    "operations": project_operations,
}


def broken_accounts() -> tuple[Column, str]:
    """Clients whose accounts (an array: other shapes already break the field's kind) are not
    documents with a product are invalid too."""
    accounts = extjson.json_array(F.col("accounts"), ACCOUNT)
    broken = F.col("accounts").startswith("[") & (
        accounts.isNull() | F.exists(accounts, lambda a: a.isNull() | a["produto"].isNull())
    )
    return broken, "accounts: expected an array of documents with a produto"


def check(raw: DataFrame, spec: CollectionSpec) -> DataFrame:
    """One collection read as Extended JSON strings, typed and checked against its contract."""
    return extjson.parse(raw, spec.fields, rules=[broken_accounts()] if spec.name == "clients" else [])


def split(checked: DataFrame, spec: CollectionSpec, salt: str, run_date: date) -> tuple[DataFrame, DataFrame]:
    """(curated rows, quarantine rows) of checked documents."""
    good = PROJECTIONS[spec.name](extjson.valid(checked), salt, run_date)
    good = good.select(*[F.col(f.name).cast(f.dataType) for f in spec.curated_schema.fields])
    bad = extjson.invalid(checked).select(
        F.lit(spec.name).alias("collection"),
        F.coalesce(F.col("_id"), extjson.json_field(F.col("_raw"), "_id")).alias("id"),
        F.col("_errors").alias("reasons"),
        F.col("_raw").alias("document"),
        F.lit(run_date).alias("ingest_date"),
    )
    return good, bad


def curate(raw: DataFrame, spec: CollectionSpec, salt: str, run_date: date) -> tuple[DataFrame, DataFrame]:
    """(curated rows, quarantine rows) of one collection read as Extended JSON strings."""
    return split(check(raw, spec), spec, salt, run_date)


# ---- job ------------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from datalake.settings import get_settings

    s = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", type=date.fromisoformat, required=True, help="logical date, YYYY-MM-DD")
    parser.add_argument("--collection", choices=[*NUBANK, "all"], default="all")
    parser.add_argument("--mongo-uri", default=s.mongo_uri)
    parser.add_argument("--database", default=DATABASE, help="Mongo database to read")
    parser.add_argument("--hive-database", default=DATABASE, help="Hive database to write")
    parser.add_argument("--curated-root", default=s.lake.curated(DATABASE, "_").rsplit("/", 2)[0])
    parser.add_argument("--quarantine-root", default=s.lake.quarantine(DATABASE, "_").rsplit("/", 2)[0])
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from datalake.spark import build_session

    args = parse_args(argv)
    salt = required_salt()
    spark = build_session(f"curate_nubank_{args.collection}", **{"spark.sql.session.timeZone": "UTC"})
    specs = list(NUBANK.values()) if args.collection == "all" else [NUBANK[args.collection]]
    write_collections(
        spark,
        specs,
        read=lambda spec: read_collection(spark, args.mongo_uri, args.database, spec),
        check=check,
        split=lambda checked, spec: split(checked, spec, salt, args.run_date),
        database=args.hive_database,
        curated_root=args.curated_root,
        quarantine=(args.quarantine_root, NUBANK_QUARANTINE) if args.collection == "all" else None,
        label="curate_nubank",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
