"""Contracts of the Mongo collections and the Hive tables they become (docs/mongo-lake.md).

A contract lists the top-level fields a job reads, each with its BSON kind, whether it is required
and, for numbers, the Spark type and range. Fields outside the contract (the extra field some
documents carry) are not read. Curated tables carry no name, CPF, e-mail or street address: a
salted `cpf_hash` replaces the CPF and only the state (`uf`) of the address is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from datalake.jobs.hive_tables import struct
from datalake.jobs.mongo.extjson import Field
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DataType,
    DateType,
    DecimalType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)


@dataclass(frozen=True)
class CollectionSpec:
    """One Mongo collection, its contract and the curated Hive table it feeds."""

    name: str  # collection
    fields: tuple[Field, ...]
    database: str  # Hive database
    table: str
    curated_schema: StructType
    partition_cols: tuple[str, ...] = ()
    sum_field: str = ""  # the numeric field reconciliation sums (Mongo vs Hive)

    @property
    def qualified_name(self) -> str:
        return f"{self.database}.{self.table}"


ACCOUNT = struct(("produto", StringType()), ("aberta_em", StringType()), ("limite", StringType()))
CURATED_ACCOUNT = struct(
    ("produto", StringType()), ("aberta_em", TimestampType()), ("limite", DecimalType(14, 2))
)

# ---- nubank_data (Spark connector, batch) --------------------------------------------------------
NUBANK_CLIENTS = CollectionSpec(
    "clients",
    (
        Field("_id", "objectId"),
        Field("nome", "string", pii=True),
        Field("cpf", "string", pii=True),
        Field("email", "string", required=False, pii=True),
        Field("data_nascimento", "date"),
        Field("address", "document", pii=True),
        Field("accounts", "array"),
        Field("renda_mensal", "decimal", type=DecimalType(12, 2), bounds=(0, 10_000_000)),
        Field("created_at", "date"),
    ),
    "nubank_data",
    "clients",
    struct(
        ("id", StringType()),
        ("cpf_hash", StringType()),
        ("data_nascimento", DateType()),
        ("uf", StringType()),
        ("renda_mensal", DecimalType(12, 2)),
        ("accounts", ArrayType(CURATED_ACCOUNT)),
        ("has_email", BooleanType()),
        ("created_at", TimestampType()),
        ("ingest_date", DateType()),
    ),
    sum_field="renda_mensal",
)

NUBANK_EMPLOYEES = CollectionSpec(
    "employees",
    (
        Field("_id", "objectId"),
        Field("nome", "string", pii=True),
        Field("cpf", "string", pii=True),
        Field("area", "string"),
        Field("cargo", "string", required=False),
        Field("salario", "decimal", type=DecimalType(12, 2), bounds=(0, 10_000_000)),
        Field("admissao", "date"),
        Field("gestor_id", "objectId", required=False),
    ),
    "nubank_data",
    "employees",
    struct(
        ("id", StringType()),
        ("cpf_hash", StringType()),
        ("area", StringType()),
        ("cargo", StringType()),
        ("salario", DecimalType(12, 2)),
        ("admissao", DateType()),
        ("gestor_id", StringType()),
        ("ingest_date", DateType()),
    ),
    sum_field="salario",
)

NUBANK_OPERATIONS = CollectionSpec(
    "operations",
    (
        Field("_id", "objectId"),
        Field("client_id", "objectId"),
        Field("tipo", "string"),
        Field("valor", "decimal", type=DecimalType(14, 2), bounds=(0, 100_000_000)),
        Field("canal", "string"),
        Field("timestamp", "date"),
        Field("status", "string"),
        Field("parcelas", "integer", required=False, bounds=(1, 48)),
        Field("chave_tipo", "string", required=False),
    ),
    "nubank_data",
    "operations",
    struct(
        ("id", StringType()),
        ("client_id", StringType()),
        ("tipo", StringType()),
        ("valor", DecimalType(14, 2)),
        ("canal", StringType()),
        ("op_timestamp", TimestampType()),
        ("status", StringType()),
        ("parcelas", IntegerType()),
        ("chave_tipo", StringType()),
        ("ingest_date", DateType()),
        ("op_date", DateType()),  # partition: UTC date of op_timestamp
    ),
    partition_cols=("op_date",),
    sum_field="valor",
)

NUBANK: dict[str, CollectionSpec] = {s.name: s for s in (NUBANK_CLIENTS, NUBANK_EMPLOYEES, NUBANK_OPERATIONS)}

NUBANK_QUARANTINE = struct(
    ("collection", StringType()),
    ("id", StringType()),
    ("reasons", ArrayType(StringType())),
    ("document", StringType()),  # the contract's fields as Extended JSON, PII fields left out
    ("ingest_date", DateType()),
)

# ---- santander_marketing -> marketing (Kafka source connector, lake sink, raw zone) ---------------
_CDC_LINEAGE: tuple[tuple[str, DataType], ...] = (
    ("cdc_op", StringType()),  # the operationType of the event that produced the row
    ("cdc_ts", TimestampType()),  # its wallTime
    ("ingest_date", DateType()),
)

FACEBOOK = CollectionSpec(
    "facebook",
    (
        Field("_id", "objectId"),
        Field("campaign", "string"),
        Field("ad_id", "string"),
        Field("reaction", "string"),
        Field("comment", "string", required=False),
        Field("likes", "integer", type=LongType(), bounds=(0, 1e12)),
        Field("timestamp", "date"),
    ),
    "marketing",
    "facebook",
    struct(
        ("id", StringType()),
        ("campaign", StringType()),
        ("ad_id", StringType()),
        ("reaction", StringType()),
        ("comment", StringType()),
        ("likes", LongType()),
        ("event_ts", TimestampType()),
        *_CDC_LINEAGE,
    ),
    sum_field="likes",
)

PUBLIC_SURVEY = CollectionSpec(
    "public_survey",
    (
        Field("_id", "objectId"),
        Field("nps", "integer", bounds=(0, 10)),
        Field("answer", "string", required=False),
        Field("age_band", "string"),
        Field("uf", "string"),
        Field("channel", "string", required=False),
        Field("submitted_at", "date"),
    ),
    "marketing",
    "public_survey",
    struct(
        ("id", StringType()),
        ("nps", IntegerType()),
        ("answer", StringType()),
        ("age_band", StringType()),
        ("uf", StringType()),
        ("channel", StringType()),
        ("submitted_at", TimestampType()),
        *_CDC_LINEAGE,
    ),
    sum_field="nps",
)

MARKETING: dict[str, CollectionSpec] = {s.name: s for s in (FACEBOOK, PUBLIC_SURVEY)}

MARKETING_QUARANTINE = struct(
    ("topic", StringType()),
    ("partition", IntegerType()),
    ("offset", LongType()),
    ("id", StringType()),
    ("reasons", ArrayType(StringType())),
    ("event", StringType()),
    ("ingest_date", DateType()),
)


def change_event_line(spec: CollectionSpec) -> StructType:
    """One raw-zone line of a `mongo.santander_marketing.<collection>` topic (the lake sink's
    envelope around the connector's change event); leaves stay Extended JSON strings."""
    return struct(
        ("topic", StringType()),
        ("partition", IntegerType()),
        ("offset", LongType()),
        ("timestamp", LongType()),
        ("key", StringType()),
        (
            "value",
            struct(
                ("operationType", StringType()),
                ("documentKey", StringType()),
                ("wallTime", StringType()),
                ("fullDocument", StructType([StructField(f.name, StringType()) for f in spec.fields])),
            ),
        ),
    )
