"""The Mongo generators: deterministic for a seed, valid CPFs, documents shaped like real Mongo data."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import bson
from bson import Decimal128, Int64, ObjectId
from datalake.generators import cpf, mongo_docs
from datalake.generators.mongo_load import insert_batched, populate
from datalake.generators.volumes import MongoVolumes

AS_OF = datetime(2026, 11, 28, 23, 59, 59)
DAY = datetime(2026, 11, 28)


def _encode(docs: list[dict[str, Any]]) -> list[bytes]:
    return [bson.encode(d) for d in docs]


def test_same_seed_same_documents_other_seed_others() -> None:
    def clients(seed: int) -> list[dict[str, Any]]:
        return mongo_docs.nubank_clients(50, seed=seed, run_key="2026-11-28", as_of=AS_OF, taken_cpfs=set())

    assert _encode(clients(7)) == _encode(clients(7))
    assert _encode(clients(7)) != _encode(clients(8))
    ops = [
        mongo_docs.nubank_operations(200, [ObjectId(b"\x00" * 12)], seed=7, run_key="k", day=DAY)
        for _ in range(2)
    ]
    assert _encode(ops[0]) == _encode(ops[1])


def test_clients_have_valid_unique_cpfs_nested_address_and_accounts() -> None:
    taken = {"722.613.670-82"}
    docs = mongo_docs.nubank_clients(300, seed=1, run_key="x", as_of=AS_OF, taken_cpfs=taken)
    cpfs = [d["cpf"] for d in docs]
    assert all(cpf.is_valid(c, require_format=True) for c in cpfs)
    assert len(set(cpfs)) == 300 and "722.613.670-82" not in cpfs
    assert all(set(d["address"]) == {"logradouro", "numero", "bairro", "cidade", "uf", "cep"} for d in docs)
    assert all(d["accounts"] and all("produto" in a for a in d["accounts"]) for d in docs)
    assert all(
        d["_id"].generation_time.replace(tzinfo=None) == d["created_at"].replace(microsecond=0) for d in docs
    )


def test_documents_look_like_real_mongo_data() -> None:
    clients = mongo_docs.nubank_clients(500, seed=3, run_key="x", as_of=AS_OF, taken_cpfs=set())
    income_types = Counter(type(d["renda_mensal"]) for d in clients)
    assert income_types[int] > 0 and income_types[float] > 0  # Int32 and Double side by side
    assert 0 < sum("email" not in d for d in clients) < 500  # optional field absent on some
    assert 0 < sum("codigo_indicacao" in d for d in clients) < 100  # an extra field on a few
    assert any(d["address"]["numero"] == "s/n" for d in clients)
    ops = mongo_docs.nubank_operations(2000, [d["_id"] for d in clients], seed=3, run_key="x", day=DAY)
    assert all(isinstance(o["valor"], Decimal128) for o in ops)
    assert {o["tipo"] for o in ops} == {"pix", "ted", "boleto", "cartao"}
    assert all(("parcelas" in o) == (o["tipo"] == "cartao") for o in ops)
    assert [o["timestamp"] for o in ops] == sorted(o["timestamp"] for o in ops)
    assert all(o["timestamp"].date() == DAY.date() for o in ops)
    reactions = mongo_docs.facebook_reactions(1000, seed=3, run_key="x", day=DAY)
    assert {type(r["likes"]) for r in reactions} == {int, Int64}
    survey = mongo_docs.public_survey(500, seed=3, run_key="x", day=DAY)
    assert {type(s["nps"]) for s in survey} == {int, float}
    assert all(0 <= s["nps"] <= 10 for s in survey)


class FakeCollection:
    def __init__(self, name: str, db: FakeDatabase) -> None:
        self.name, self.database, self.docs, self.batches = name, db, [], []

    def insert_many(self, docs: list[dict[str, Any]], ordered: bool = True) -> None:
        self.batches.append(len(docs))
        self.docs += docs

    def insert_one(self, doc: dict[str, Any]) -> None:
        self.docs.append(doc)

    def find_one(self, query: dict[str, Any]) -> dict[str, Any] | None:
        return next((d for d in self.docs if all(d.get(k) == v for k, v in query.items())), None)

    def find(self, query: dict[str, Any], projection: dict[str, Any]) -> FakeCursor:
        return FakeCursor(self.docs)


class FakeCursor(list):
    def limit(self, n: int) -> FakeCursor:
        return FakeCursor(self[:n])


class FakeDatabase:
    def __init__(self, name: str) -> None:
        self.name, self.collections = name, {}

    def __getattr__(self, name: str) -> FakeCollection:
        return self[name]

    def __getitem__(self, name: str) -> FakeCollection:
        return self.collections.setdefault(name, FakeCollection(name, self))


def test_insert_in_batches_reports_progress() -> None:
    collection = FakeDatabase("db")["c"]
    lines: list[str] = []
    assert (
        insert_batched(collection, ({"i": i} for i in range(12)), total=12, batch=5, report=lines.append)
        == 12
    )
    assert collection.batches == [5, 5, 2]
    assert lines[-1].startswith("  db.c: 12 documents in")


def test_a_date_is_generated_once() -> None:
    nubank, marketing = FakeDatabase("nubank_data"), FakeDatabase("santander_marketing")
    volumes = MongoVolumes(clients=20, employees=3, operations=50, facebook=10, survey=5)
    first = populate(nubank, marketing, "2026-11-28", volumes, report=lambda _: None)
    assert not first.skipped and first.added["nubank_data.operations"] == 50
    assert populate(nubank, marketing, "2026-11-28", volumes, report=lambda _: None).skipped
    assert len(nubank["operations"].docs) == 50 and len(marketing["facebook"].docs) == 10
