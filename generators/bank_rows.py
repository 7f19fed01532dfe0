"""Rows of the bank's MariaDB tables, generated in memory (pure: no database).

Deterministic for a seed and a run key (`derive_seed`). Each row is built by column name and put
in the declared INSERT order by `SourceTable.ordered` (datalake/contracts/bank_tables.py), so a
column declared there without a value here fails naming it. Hot fields of operations (amounts,
channels, timestamps) are drawn with numpy in bulk; Faker is only used for names and addresses.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from datalake.generators import cpf as cpf_mod
from datalake.generators.bank_domains import (
    AREAS,
    CHANNEL_OPERATIONS,
    CHANNEL_SUCCESS,
    CHANNELS,
    HOUR_WEIGHTS,
    ONLINE_CHANNELS,
    OPERATION_AMOUNTS,
    OPERATIONS,
    PRODUCTS,
    WEEKDAY_WEIGHTS,
    ClientRef,
    derive_seed,
)
from faker import Faker

from datalake.contracts import bank_tables as contract

CHUNK_SIZE = 5_000  # rows materialised, inserted and committed at a time


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _faker(seed: int) -> Faker:
    fake = Faker("pt_BR")
    fake.seed_instance(seed)
    return fake


def _address(fake: Faker) -> str:
    # pt_BR addresses span three lines; one line keeps the column CSV/JSON friendly.
    return fake.address().replace("\n", ", ")


# ---- row generators (pure: no database) ----------------------------------------------------------
def generate_clients(
    n: int,
    *,
    seed: int,
    run_key: object,
    as_of: datetime,
    taken_cpfs: set[str] | None = None,
    history_days: int = 30,
) -> list[tuple[Any, ...]]:
    """`n` client rows in `contract.CLIENTS.insert_columns` order.

    Clients become customers before the operations window (`as_of - history_days`), so no
    operation predates its client. Incomes are lognormal (median ~3 200 BRL); richer clients lean
    towards investment products.
    """
    rng = random.Random(derive_seed(seed, "clients", run_key))
    fake = _faker(derive_seed(seed, "clients-faker", run_key))
    cpfs = cpf_mod.generate_unique(rng, n, taken_cpfs if taken_cpfs is not None else set())
    products, weights = list(PRODUCTS), list(PRODUCTS.values())
    window_start = as_of.replace(microsecond=0) - timedelta(days=history_days)
    rows: list[tuple[Any, ...]] = []
    for i in range(n):
        renda = min(max(rng.lognormvariate(math.log(3_200.0), 0.75), 600.0), 500_000.0)
        produto = rng.choices(products, weights)[0]
        if renda > 12_000.0 and rng.random() < 0.35:
            produto = "investimentos"
        # +2 days: 18 * 365.25 truncated can fall a day short of an 18th birthday.
        age_days = int(min(max(rng.gauss(42.0, 14.0), 18.0), 95.0) * 365.25) + 2
        nascimento = as_of.date() - timedelta(days=age_days + rng.randrange(365))
        created_at = window_start - timedelta(seconds=rng.randrange(5 * 365 * 86_400))
        nome = f"{fake.first_name()} {fake.last_name()}"
        rows.append(
            contract.CLIENTS.ordered(
                {
                    "nome": nome,
                    "cpf": cpfs[i],
                    "tipo_produto": produto,
                    "data_nascimento": nascimento,
                    "address": _address(fake),
                    "renda_mensal": _money(renda),
                    "created_at": created_at,
                }
            )
        )
    return rows


def generate_employees(
    n: int,
    *,
    seed: int,
    run_key: object,
    as_of: datetime,
    taken_cpfs: set[str] | None = None,
) -> list[tuple[Any, ...]]:
    """`n` employee rows in `contract.EMPLOYEES.insert_columns` order; salary lognormal around each area's median."""
    rng = random.Random(derive_seed(seed, "employees", run_key))
    fake = _faker(derive_seed(seed, "employees-faker", run_key))
    cpfs = cpf_mod.generate_unique(rng, n, taken_cpfs if taken_cpfs is not None else set())
    areas = list(AREAS)
    weights = [w for w, _ in AREAS.values()]
    rows: list[tuple[Any, ...]] = []
    for i in range(n):
        area = rng.choices(areas, weights)[0]
        salario = max(rng.lognormvariate(math.log(AREAS[area][1]), 0.35), 1_518.0)  # >= 2025 minimum wage
        # Tenure: exponential (mean 6 years) capped at 35 years; recent hires are the most common.
        tenure_days = int(min(rng.expovariate(1 / (6 * 365.25)), 35 * 365.25))
        inicio = as_of.date() - timedelta(days=tenure_days)
        nome = f"{fake.first_name()} {fake.last_name()}"
        rows.append(
            contract.EMPLOYEES.ordered(
                {
                    "nome": nome,
                    "cpf": cpfs[i],
                    "data_inicio": inicio,
                    "address": _address(fake),
                    "salario": _money(salario),
                    "area": area,
                }
            )
        )
    return rows


@dataclass
class OperationBatch:
    """`n` operations held column-wise in numpy; rows are materialised one chunk at a time.

    Keeping tuples for a million rows alive costs ~0.5 GB; the arrays cost ~60 bytes per row. The
    chunking only changes how rows are cut, never their values, so output does not depend on the
    chunk size.
    """

    client_ids: np.ndarray
    client_cpfs: list[str]
    client_products: list[str]
    client_idx: np.ndarray
    channel_idx: np.ndarray
    op_idx: np.ndarray
    valor: np.ndarray
    success: np.ndarray
    ts_ms: np.ndarray
    channels: tuple[str, ...] = field(default=tuple(CHANNELS))
    operations: tuple[str, ...] = field(default=OPERATIONS)

    def __len__(self) -> int:
        return len(self.client_idx)

    def rows(self, start: int = 0, stop: int | None = None) -> list[tuple[Any, ...]]:
        """Rows `start:stop` in `contract.OPERATIONS.insert_columns` order, with Python/SQL-friendly types."""
        sl = slice(start, stop)
        idx = self.client_idx[sl].tolist()
        ch = self.channel_idx[sl]
        online_lut = np.array([c in ONLINE_CHANNELS for c in self.channels], dtype=np.int8)
        channel_names = np.array(self.channels, dtype=object)[ch].tolist()
        op_names = np.array(self.operations, dtype=object)[self.op_idx[sl]].tolist()
        timestamps = self.ts_ms[sl].astype("datetime64[ms]").tolist()
        values = {
            "client_id": self.client_ids[idx].tolist(),
            "cpf": [self.client_cpfs[i] for i in idx],
            "tipo_produto": [self.client_products[i] for i in idx],
            "origem": channel_names,
            "operacao": op_names,
            "valor": [Decimal(f"{v:.2f}") for v in self.valor[sl].tolist()],
            "online": online_lut[ch].tolist(),
            "op_timestamp": timestamps,
            "success": self.success[sl].tolist(),
        }
        # Column-wise here (a million rows as dicts would be slow): `ordered` orders the columns.
        return list(zip(*contract.OPERATIONS.ordered(values), strict=True))

    def chunks(self, size: int = CHUNK_SIZE) -> Iterator[list[tuple[Any, ...]]]:
        for start in range(0, len(self), size):
            yield self.rows(start, start + size)


def _cumulative(rows: Sequence[Sequence[float]]) -> np.ndarray:
    probs = np.asarray(rows, dtype=float)
    probs = probs / probs.sum(axis=1, keepdims=True)
    cum = np.cumsum(probs, axis=1)
    cum[:, -1] = 1.0  # guard against float round-off leaving a gap at the top
    return cum


def generate_operations(
    n: int,
    clients: Sequence[ClientRef],
    *,
    seed: int,
    run_key: object,
    end: datetime,
    days: int = 30,
) -> OperationBatch:
    """`n` operations of `clients`, timestamps in `[end - days, end)` and ascending like an OLTP log.

    Client activity is lognormal (a few clients do most operations); channel, then operation given
    the channel, follow the tables above; amounts are lognormal per operation (cash withdrawals in
    multiples of 10 BRL); success depends on the channel and drops a little for large amounts.
    """
    if n and not clients:
        raise ValueError("operations need at least one existing client")
    g = np.random.default_rng(derive_seed(seed, "operations", run_key))
    channels, operations = tuple(CHANNELS), OPERATIONS

    activity = g.lognormal(0.0, 1.0, size=len(clients)) if clients else np.ones(0)
    client_idx = g.choice(len(clients), size=n, p=activity / activity.sum()) if n else np.zeros(0, np.int64)

    channel_p = np.array([CHANNELS[c] for c in channels])
    channel_idx = g.choice(len(channels), size=n, p=channel_p / channel_p.sum())

    # Operation given channel by inverse CDF on one row of cumulative probabilities per channel.
    cum = _cumulative([[CHANNEL_OPERATIONS[c].get(op, 0.0) for op in operations] for c in channels])
    u = g.random(n)
    op_idx = (u[:, None] >= cum[channel_idx]).sum(axis=1)

    median, sigma, floor, cap = (np.array(col) for col in zip(*OPERATION_AMOUNTS.values(), strict=True))
    valor = np.exp(np.log(median[op_idx]) + sigma[op_idx] * g.standard_normal(n))
    valor = np.clip(valor, floor[op_idx], cap[op_idx])
    cash = op_idx == operations.index("saque")
    valor = np.where(cash, np.maximum(np.round(valor / 10.0) * 10.0, 20.0), valor)
    valor = np.round(valor, 2)

    success_p = np.array([CHANNEL_SUCCESS[c] for c in channels])[channel_idx]
    success_p = success_p - 0.03 * (valor > 5_000.0)
    success = (g.random(n) < success_p).astype(np.int8)

    start = end - timedelta(days=days)
    first_day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    day_w = np.array([WEEKDAY_WEIGHTS[(first_day + timedelta(days=d)).weekday()] for d in range(days + 1)])
    day = g.choice(days + 1, size=n, p=day_w / day_w.sum())
    hour_p = np.array(HOUR_WEIGHTS) / sum(HOUR_WEIGHTS)
    hour = g.choice(24, size=n, p=hour_p)
    ts_ms = _naive_ms(first_day) + day * 86_400_000 + hour * 3_600_000 + g.integers(0, 3_600_000, size=n)
    lo, hi = _naive_ms(start), _naive_ms(end) - 1
    # Draws outside the window (first/last partial day) are folded back inside it.
    ts_ms = np.where((ts_ms < lo) | (ts_ms > hi), lo + (ts_ms - lo) % max(hi - lo, 1), ts_ms)
    ts_ms.sort()

    return OperationBatch(
        client_ids=np.array([c[0] for c in clients], dtype=np.int64),
        client_cpfs=[c[1] for c in clients],
        client_products=[c[2] for c in clients],
        client_idx=client_idx,
        channel_idx=channel_idx,
        op_idx=op_idx,
        valor=valor,
        success=success,
        ts_ms=ts_ms.astype(np.int64),
        channels=channels,
        operations=operations,
    )


def _naive_ms(moment: datetime) -> int:
    """Milliseconds since 1970-01-01 of a naive datetime taken as wall-clock (no timezone maths)."""
    return int((moment.replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds() * 1000)
