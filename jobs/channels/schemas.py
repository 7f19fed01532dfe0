"""The channel event contract (docs/bank-channels.md) and the table it becomes.

`EVENT` is what a producer sends (`generators/channels.py`); `RAW_LINE` is the lake sink's envelope
around it. The curated table keeps every common field typed, the CPF as the bank's salted hash, and
each channel's own fields (null for the other channels). Partitioned by `(op_date, channel)`.
"""

from __future__ import annotations

from datalake.jobs.hive_tables import struct
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    TimestampType,
)

CHANNELS = ("caixa_agencia", "atm", "mobile", "maquininhas", "internet_banking")

GEO = struct(("lat", DoubleType()), ("lon", DoubleType()))
# field -> type, in the order of the contract table in docs/bank-channels.md
EVENT = struct(
    ("operation_id", StringType()),
    ("channel", StringType()),
    ("client_id", LongType()),
    ("cpf", StringType()),
    ("product", StringType()),
    ("operation", StringType()),
    ("value", DecimalType(14, 2)),
    ("online", BooleanType()),
    ("timestamp", LongType()),  # epoch milliseconds, UTC; also the Kafka record's timestamp
    ("success", BooleanType()),
    # caixa_agencia
    ("agencia", StringType()),
    ("teller_id", StringType()),
    # atm
    ("terminal_id", StringType()),
    ("city", StringType()),
    ("uf", StringType()),
    ("notes_dispensed", IntegerType()),
    # mobile
    ("os", StringType()),
    ("app_version", StringType()),
    ("geo", GEO),
    # maquininhas
    ("merchant_id", StringType()),
    ("mcc", StringType()),
    ("card_brand", StringType()),
    ("installments", IntegerType()),
    # internet_banking
    ("session_id", StringType()),
    ("ip", StringType()),
    ("user_agent", StringType()),
)
REQUIRED = (
    "operation_id",
    "channel",
    "client_id",
    "cpf",
    "product",
    "operation",
    "value",
    "timestamp",
    "success",
)


# One JSON line of the raw zone: the lake sink's envelope; the event is kept as its JSON text and
# parsed by the job (`EVENT_PARSED`, and `EVENT_TEXT` where a value has the wrong type).
RAW_LINE = struct(
    ("topic", StringType()),
    ("partition", IntegerType()),
    ("offset", LongType()),
    ("timestamp", LongType()),  # the Kafka record's: the event's own time, set by the producer
    ("key", StringType()),
    ("value", StringType()),
)


# The event as the job parses it, once. A decimal is read as its JSON text, checked and cast by the
# job: Spark's typed parse would take the string "12,50" (as 1250). Spark's corrupt-record column is
# set when another value does not fit its type (the other fields are still parsed).
CORRUPT = "_corrupt_record"
EVENT_PARSED = struct(
    *((f.name, StringType() if isinstance(f.dataType, DecimalType) else f.dataType) for f in EVENT.fields),
    (CORRUPT, StringType()),
)

# The same fields as text, parsed a second time only for a corrupt record: a value of the wrong JSON
# type is then named (text present, typed null).
EVENT_TEXT = struct(*((f.name, StringType()) for f in EVENT.fields))

CURATED = struct(
    ("operation_id", StringType()),
    ("client_id", LongType()),
    ("cpf_hash", StringType()),
    ("product", StringType()),
    ("operation", StringType()),
    ("value", DecimalType(14, 2)),
    ("online", BooleanType()),
    ("op_timestamp", TimestampType()),
    ("success", BooleanType()),
    *((f.name, f.dataType) for f in EVENT.fields[EVENT.fieldNames().index("agencia") :]),
    ("kafka_partition", IntegerType()),
    ("kafka_offset", LongType()),
    ("ingest_date", DateType()),
    ("op_date", DateType()),  # partition
    ("channel", StringType()),  # partition
)

QUARANTINE = struct(
    ("kafka_partition", IntegerType()),
    ("kafka_offset", LongType()),
    ("operation_id", StringType()),
    ("reasons", ArrayType(StringType())),
    ("event", StringType()),  # the raw event, CPF included: this table lives in the quarantine zone
    ("ingest_date", DateType()),
    ("op_date", DateType()),  # partition: the Kafka record's date
    ("channel", StringType()),  # partition: the event's channel as sent ("unknown" if none)
)
