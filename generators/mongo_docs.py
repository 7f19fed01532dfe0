"""Seeded documents for the MongoDB sources: `nubank_data` (the acquired Nubank) and
`santander_marketing` (campaign reactions and a public survey). See docs/mongo-lake.md.

The documents look like what a real application leaves in MongoDB, not like rows of a table:

- optional fields are absent on some documents (an e-mail, a comment, a manager);
- a few documents carry a field the others lack (a referral code, an app version);
- numbers come in the BSON type the writing code happened to use: a monthly income stored as an
  Int32 when it was a round figure and as a Double otherwise, money as Decimal128, counters as
  Int32 or Int64;
- `_id` is an ObjectId whose timestamp is the document's own creation time.

Everything is a pure function of (seed, run key, as_of): the same arguments give byte-identical
documents, so a test or a rebuilt database sees the same data. No Mongo connection here: see
`generators/mongo_load.py` for the writes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bson import Decimal128, Int64, ObjectId
from datalake.generators import cpf as cpf_mod
from datalake.generators.bank_domains import derive_seed
from faker import Faker

Document = dict[str, Any]

NUBANK_PRODUCTS = {"conta": 0.55, "cartao_credito": 0.25, "caixinha": 0.12, "emprestimo": 0.08}
NUBANK_AREAS = ("atendimento", "tecnologia", "credito", "risco", "marketing", "operacoes", "juridico")
OPERATION_TYPES = {"pix": 0.62, "cartao": 0.22, "boleto": 0.10, "ted": 0.06}
OPERATION_CHANNELS = {"app": 0.86, "web": 0.09, "api": 0.05}
# median BRL and lognormal sigma per operation type
OPERATION_AMOUNTS = {"pix": (90.0, 1.3), "cartao": (75.0, 1.0), "boleto": (320.0, 1.0), "ted": (1500.0, 1.1)}
OPERATION_STATUS = {"concluida": 0.93, "falhou": 0.04, "pendente": 0.02, "estornada": 0.01}
PIX_KEYS = ("cpf", "email", "telefone", "aleatoria")

CAMPAIGNS = ("black_friday", "cashback_natal", "conta_universitaria", "investe_facil", "pix_parcelado")
REACTIONS = {"like": 0.55, "love": 0.18, "haha": 0.07, "wow": 0.06, "sad": 0.05, "angry": 0.09}
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
UFS = (
    "SP", "RJ", "MG", "BA", "RS", "PR", "PE", "CE", "PA", "SC", "GO", "MA", "AM", "ES", "PB",
    "RN", "MT", "AL", "PI", "DF", "MS", "SE", "RO", "TO", "AC", "AP", "RR",
)  # fmt: skip
UF_WEIGHTS = (
    21,
    8,
    10,
    7,
    5,
    5,
    4.5,
    4.3,
    4,
    3.5,
    3.4,
    3.3,
    2,
    1.9,
    1.9,
    1.6,
    1.7,
    1.5,
    1.5,
    1.5,
    1.3,
    1.1,
    0.8,
    0.7,
    0.4,
    0.4,
    0.3,
)


def _rng(seed: int, what: str, run_key: object) -> random.Random:
    return random.Random(derive_seed(seed, what, run_key))


def _faker(seed: int, what: str, run_key: object) -> Faker:
    fake = Faker("pt_BR")
    fake.seed_instance(derive_seed(seed, f"{what}-faker", run_key))
    return fake


def object_id(at: datetime, rng: random.Random) -> ObjectId:
    """An ObjectId with `at` as its timestamp and 8 seeded bytes (deterministic, sortable by time)."""
    seconds = int(at.replace(tzinfo=UTC).timestamp() if at.tzinfo is None else at.timestamp())
    return ObjectId(seconds.to_bytes(4, "big") + rng.getrandbits(64).to_bytes(8, "big"))


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _income(rng: random.Random) -> int | float:
    """Round incomes were typed in by hand and stored as Int32; computed ones as Double."""
    value = min(max(rng.lognormvariate(8.0, 0.8), 800.0), 250_000.0)
    return int(round(value, -2)) if rng.random() < 0.4 else round(value, 2)


def _when(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A millisecond-precision moment in [start, end) (BSON dates keep milliseconds)."""
    span_ms = max(int((end - start).total_seconds() * 1000), 1)
    return start + timedelta(milliseconds=rng.randrange(span_ms))


# ---- nubank_data ---------------------------------------------------------------------------------
def nubank_clients(
    n: int, *, seed: int, run_key: object, as_of: datetime, taken_cpfs: set[str]
) -> list[Document]:
    rng, fake = _rng(seed, "nu-clients", run_key), _faker(seed, "nu-clients", run_key)
    cpfs = cpf_mod.generate_unique(rng, n, taken_cpfs)
    docs = []
    for i in range(n):
        created_at = _when(rng, as_of - timedelta(days=3 * 365), as_of - timedelta(days=1))
        accounts = []
        for product in sorted(
            set(rng.choices(list(NUBANK_PRODUCTS), list(NUBANK_PRODUCTS.values()), k=rng.randint(1, 3)))
        ):
            account: Document = {"produto": product, "aberta_em": _when(rng, created_at, as_of)}
            if product in ("cartao_credito", "emprestimo"):
                account["limite"] = Decimal128(Decimal(f"{rng.randrange(5, 400) * 100}.00"))
            accounts.append(account)
        doc: Document = {
            "_id": object_id(created_at, rng),
            "nome": f"{fake.first_name()} {fake.last_name()}",
            "cpf": cpfs[i],
            "data_nascimento": datetime.combine(
                as_of.date() - timedelta(days=int(rng.uniform(18, 80) * 365.25) + 2), datetime.min.time()
            ),
            "address": {
                "logradouro": fake.street_name(),
                # Apartments and houses without a number ("s/n") share the field.
                "numero": rng.randint(1, 3000) if rng.random() < 0.93 else "s/n",
                "bairro": fake.bairro(),
                "cidade": fake.city(),
                "uf": rng.choices(UFS, UF_WEIGHTS)[0],
                "cep": fake.postcode(),
            },
            "accounts": accounts,
            "renda_mensal": _income(rng),
            "created_at": created_at,
        }
        if rng.random() < 0.85:
            doc["email"] = fake.free_email()
        if rng.random() < 0.05:
            doc["codigo_indicacao"] = f"NU{rng.getrandbits(32):08X}"  # only clients who came by referral
        docs.append(doc)
    return docs


def nubank_employees(
    n: int,
    *,
    seed: int,
    run_key: object,
    as_of: datetime,
    taken_cpfs: set[str],
    managers: Sequence[ObjectId] = (),
) -> list[Document]:
    rng, fake = _rng(seed, "nu-employees", run_key), _faker(seed, "nu-employees", run_key)
    cpfs = cpf_mod.generate_unique(rng, n, taken_cpfs)
    docs = []
    for i in range(n):
        hired = _when(rng, as_of - timedelta(days=10 * 365), as_of - timedelta(days=1))
        salary = max(rng.lognormvariate(9.1, 0.45), 1518.0)
        doc: Document = {
            "_id": object_id(hired, rng),
            "nome": f"{fake.first_name()} {fake.last_name()}",
            "cpf": cpfs[i],
            "area": rng.choice(NUBANK_AREAS),
            "cargo": fake.job()[:60],
            "salario": int(salary) if rng.random() < 0.5 else round(salary, 2),
            "admissao": hired,
        }
        if managers and rng.random() < 0.9:  # the top of the tree has no manager
            doc["gestor_id"] = rng.choice(managers)
        docs.append(doc)
    return docs


def nubank_operations(
    n: int, client_ids: Sequence[ObjectId], *, seed: int, run_key: object, day: datetime
) -> list[Document]:
    """`n` operations of existing clients, timestamps within `day` (UTC), in time order."""
    if n and not client_ids:
        raise ValueError("operations need at least one client in nubank_data.clients")
    rng = _rng(seed, "nu-operations", run_key)
    start = day.replace(hour=0, minute=0, second=0, microsecond=0)
    moments = sorted(_when(rng, start, start + timedelta(days=1)) for _ in range(n))
    docs = []
    for at in moments:
        kind = _pick(rng, OPERATION_TYPES)
        median, sigma = OPERATION_AMOUNTS[kind]
        value = min(max(rng.lognormvariate(0, sigma) * median, 0.01), 50_000.0)
        doc: Document = {
            "_id": object_id(at, rng),
            "client_id": rng.choice(client_ids),
            "tipo": kind,
            "valor": Decimal128(Decimal(f"{value:.2f}")),
            "canal": _pick(rng, OPERATION_CHANNELS),
            "timestamp": at,
            "status": _pick(rng, OPERATION_STATUS),
        }
        if kind == "cartao":
            doc["parcelas"] = rng.choice((1, 1, 1, 2, 3, 6, 10, 12))
        if kind == "pix":
            doc["chave_tipo"] = rng.choice(PIX_KEYS)
        if rng.random() < 0.02:
            doc["app_version"] = f"7.{rng.randint(80, 99)}.{rng.randint(0, 9)}"  # newer clients log it
        docs.append(doc)
    return docs


# ---- santander_marketing -------------------------------------------------------------------------
def facebook_reactions(n: int, *, seed: int, run_key: object, day: datetime) -> list[Document]:
    rng, fake = _rng(seed, "facebook", run_key), _faker(seed, "facebook", run_key)
    start = day.replace(hour=0, minute=0, second=0, microsecond=0)
    docs = []
    for _ in range(n):
        at = _when(rng, start, start + timedelta(days=1))
        campaign = rng.choice(CAMPAIGNS)
        doc: Document = {
            "_id": object_id(at, rng),
            "campaign": campaign,
            "ad_id": f"{campaign}-{rng.randint(1, 12):02d}",
            "reaction": _pick(rng, REACTIONS),
            "timestamp": at,
            # Counters: the page API returns small ones as Int32 and big ones as Int64.
            "likes": rng.randint(0, 500) if rng.random() < 0.9 else Int64(rng.randint(10_000, 5_000_000)),
        }
        if rng.random() < 0.35:
            doc["comment"] = fake.sentence(nb_words=rng.randint(4, 16))
        docs.append(doc)
    return docs


def public_survey(n: int, *, seed: int, run_key: object, day: datetime) -> list[Document]:
    rng, fake = _rng(seed, "survey", run_key), _faker(seed, "survey", run_key)
    start = day.replace(hour=0, minute=0, second=0, microsecond=0)
    docs = []
    for _ in range(n):
        at = _when(rng, start, start + timedelta(days=1))
        nps = min(10, max(0, round(rng.gauss(7.6, 2.2))))
        doc: Document = {
            "_id": object_id(at, rng),
            # The web form stored the score as a Double, the app as an Int32.
            "nps": float(nps) if rng.random() < 0.3 else nps,
            "age_band": rng.choice(AGE_BANDS),
            "uf": rng.choices(UFS, UF_WEIGHTS)[0],
            "submitted_at": at,
        }
        if rng.random() < 0.6:
            doc["answer"] = fake.paragraph(nb_sentences=rng.randint(1, 3))
        if rng.random() < 0.1:
            doc["channel"] = rng.choice(("email", "app", "sms"))
        docs.append(doc)
    return docs
