"""nubank_data documents (as the Spark connector hands them over) -> curated rows and quarantine."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from datalake.jobs.mongo import curate_nubank as job
from datalake.jobs.mongo.extjson import raw_schema
from datalake.jobs.mongo.schemas import NUBANK
from pyspark.testing import assertDataFrameEqual

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

RUN = date(2026, 11, 28)
SALT = "pepper"
OID = "69570a8114c0fba88cec5272"
CLIENT = "6955b90091b7584a2265b1f5"


def _date(dt: datetime) -> str:
    return f'{{"$date": {{"$numberLong": "{int(dt.replace(tzinfo=UTC).timestamp() * 1000)}"}}}}'


def _raw(spark: SparkSession, collection: str, *docs: dict[str, str]):
    fields = NUBANK[collection].fields
    return spark.createDataFrame([tuple(d.get(f.name) for f in fields) for d in docs], raw_schema(fields))


def _hash(cpf: str) -> str:
    return hashlib.sha256((SALT + cpf.replace(".", "").replace("-", "")).encode()).hexdigest()


def test_operations_of_every_number_type_become_rows_partitioned_by_day(spark: SparkSession) -> None:
    ts = datetime(2026, 11, 28, 23, 59, 59)
    docs = [
        {
            "_id": f'{{"$oid": "{OID}"}}',
            "client_id": f'{{"$oid": "{CLIENT}"}}',
            "tipo": "cartao",
            "valor": '{"$numberDecimal": "404.23"}',
            "canal": "app",
            "timestamp": _date(ts),
            "status": "concluida",
            "parcelas": '{"$numberInt": "3"}',
        },
        {  # a Double amount, no parcelas (optional), a pix key type
            "_id": f'{{"$oid": "{OID[:-1]}3"}}',
            "client_id": f'{{"$oid": "{CLIENT}"}}',
            "tipo": "pix",
            "valor": '{"$numberDouble": "10.5"}',
            "canal": "web",
            "timestamp": _date(datetime(2026, 11, 27, 0, 0, 0)),
            "status": "falhou",
            "chave_tipo": "email",
        },
    ]
    good, bad = job.curate(_raw(spark, "operations", *docs), NUBANK["operations"], SALT, RUN)
    expected = spark.createDataFrame(
        [
            (
                OID,
                CLIENT,
                "cartao",
                Decimal("404.23"),
                "app",
                ts,
                "concluida",
                3,
                None,
                RUN,
                date(2026, 11, 28),
            ),
            (
                f"{OID[:-1]}3",
                CLIENT,
                "pix",
                Decimal("10.50"),
                "web",
                datetime(2026, 11, 27),
                "falhou",
                None,
                "email",
                RUN,
                date(2026, 11, 27),
            ),
        ],
        NUBANK["operations"].curated_schema,
    )
    assertDataFrameEqual(good, expected)
    assert bad.count() == 0


def test_clients_keep_no_pii_and_broken_documents_are_quarantined_with_reasons(spark: SparkSession) -> None:
    created = datetime(2025, 3, 1, 12, 0, 0)
    good_doc = {
        "_id": f'{{"$oid": "{CLIENT}"}}',
        "nome": "Ana Souza",
        "cpf": "722.613.670-82",
        "data_nascimento": _date(datetime(1990, 5, 17)),
        "address": '{"logradouro": "Rua A", "numero": {"$numberInt": "12"}, "uf": "SP"}',
        "accounts": '[{"produto": "cartao_credito", "aberta_em": '
        + _date(created)
        + ', "limite": {"$numberDecimal": "1500.00"}}]',
        "renda_mensal": '{"$numberInt": "3200"}',  # a round income stored as Int32
        "created_at": _date(created),
    }
    broken = [
        {**good_doc, "_id": '{"$oid": "000000000000000000000001"}', "renda_mensal": "3.200,00"},
        {**good_doc, "_id": '{"$oid": "000000000000000000000002"}', "address": "Rua A, 12 - SP"},
        {**good_doc, "_id": '{"$oid": "000000000000000000000003"}', "accounts": '[{"tipo": "conta"}]'},
        {k: v for k, v in good_doc.items() if k != "cpf"} | {"_id": '{"$oid": "000000000000000000000004"}'},
    ]
    good, bad = job.curate(_raw(spark, "clients", good_doc, *broken), NUBANK["clients"], SALT, RUN)
    expected = spark.createDataFrame(
        [
            (
                CLIENT,
                _hash("722.613.670-82"),
                date(1990, 5, 17),
                "SP",
                Decimal("3200.00"),
                [("cartao_credito", created, Decimal("1500.00"))],
                False,
                created,
                RUN,
            )
        ],
        NUBANK["clients"].curated_schema,
    )
    assertDataFrameEqual(good, expected)
    reasons = {r.id: r.reasons for r in bad.collect()}
    assert reasons == {
        "000000000000000000000001": ["renda_mensal: expected a number, got a string 3.200,00"],
        "000000000000000000000002": ["address: expected a document, got a string Rua A, 12 - SP"],
        "000000000000000000000003": ["accounts: expected an array of documents with a produto"],
        "000000000000000000000004": ["cpf: missing"],
    }
    documents = " ".join(r.document for r in bad.collect())
    assert "Ana Souza" not in documents and "722.613.670-82" not in documents and "Rua A" not in documents


def test_employee_without_a_manager_is_valid_and_a_string_id_is_not(spark: SparkSession) -> None:
    doc = {
        "_id": f'{{"$oid": "{OID}"}}',
        "nome": "Bia",
        "cpf": "722.613.670-82",
        "area": "risco",
        "salario": '{"$numberDouble": "8123.45"}',
        "admissao": _date(datetime(2020, 1, 2)),
    }
    good, bad = job.curate(
        _raw(spark, "employees", doc, {**doc, "_id": "emp-7"}), NUBANK["employees"], SALT, RUN
    )
    assert [(r.id, r.salario, r.gestor_id, r.cargo) for r in good.collect()] == [
        (OID, Decimal("8123.45"), None, None)
    ]
    assert [(r.id, r.reasons) for r in bad.collect()] == [
        ("emp-7", ["_id: expected an ObjectId, got a string emp-7"])
    ]
