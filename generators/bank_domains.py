"""The bank generator's value domains and distributions: products, salary bands, channels, the
operations each channel offers, amounts, success rates and the shape of a day and a week.

Shared by the MariaDB generator (generators/bank_rows.py), the five streamed channels
(generators/channels.py) and the Mongo documents (generators/mongo_docs.py), so that every source
of the bank draws from the same world. `derive_seed` gives each of them its reproducible stream.
"""

from __future__ import annotations

import hashlib

# ---- value domains and distributions -------------------------------------------------------------
# The seed's product list, in snake_case ASCII and with its typos fixed ("financiamento_emovel").
PRODUCTS: dict[str, float] = {
    "conta_corrente": 0.38,
    "poupanca": 0.17,
    "cartao_credito": 0.16,
    "investimentos": 0.08,
    "financiamento_carro": 0.05,
    "financiamento_imovel": 0.04,
    "financiamento_rural": 0.02,
    "consorcio": 0.04,
    "seguros": 0.06,
}
AREAS: dict[str, tuple[float, float]] = {  # area -> (weight, median monthly salary in BRL)
    "agencia": (0.40, 4_200.0),
    "atendimento": (0.15, 3_100.0),
    "operacoes": (0.10, 5_500.0),
    "credito": (0.07, 7_500.0),
    "tecnologia": (0.10, 11_000.0),
    "risco": (0.05, 12_000.0),
    "compliance": (0.03, 11_500.0),
    "investimentos": (0.03, 14_000.0),
    "juridico": (0.02, 13_000.0),
    "marketing": (0.03, 8_000.0),
    "recursos_humanos": (0.02, 6_500.0),
}
CHANNELS: dict[str, float] = {
    "mobile": 0.42,
    "maquininhas": 0.22,
    "internet_banking": 0.13,
    "atm": 0.14,
    "caixa_agencia": 0.09,
}
ONLINE_CHANNELS = frozenset({"mobile", "internet_banking", "maquininhas"})
# Branch tellers almost never fail; ATMs (cash out, card reads) and POS terminals fail most.
CHANNEL_SUCCESS: dict[str, float] = {
    "caixa_agencia": 0.990,
    "internet_banking": 0.980,
    "mobile": 0.975,
    "maquininhas": 0.960,
    "atm": 0.955,
}
CHANNEL_OPERATIONS: dict[str, dict[str, float]] = {
    "caixa_agencia": {"deposito": 0.35, "saque": 0.30, "pagamento_boleto": 0.20, "transferencia": 0.15},
    "atm": {"saque": 0.70, "deposito": 0.12, "transferencia": 0.10, "pagamento_boleto": 0.08},
    "mobile": {
        "pix": 0.60,
        "pagamento_boleto": 0.15,
        "transferencia": 0.10,
        "recarga_celular": 0.08,
        "investimento": 0.07,
    },
    "maquininhas": {"compra_debito": 0.45, "compra_credito": 0.55},
    "internet_banking": {"pix": 0.35, "pagamento_boleto": 0.30, "transferencia": 0.25, "investimento": 0.10},
}
# operation -> (median BRL, lognormal sigma, floor, cap)
OPERATION_AMOUNTS: dict[str, tuple[float, float, float, float]] = {
    "deposito": (800.0, 1.0, 10.0, 200_000.0),
    "saque": (200.0, 0.8, 20.0, 5_000.0),
    "pix": (120.0, 1.3, 0.01, 100_000.0),
    "transferencia": (1_000.0, 1.2, 1.0, 500_000.0),
    "pagamento_boleto": (350.0, 1.0, 5.0, 100_000.0),
    "compra_debito": (60.0, 1.0, 1.0, 10_000.0),
    "compra_credito": (110.0, 1.1, 1.0, 30_000.0),
    "recarga_celular": (30.0, 0.4, 10.0, 200.0),
    "investimento": (2_000.0, 1.2, 100.0, 1_000_000.0),
}
OPERATIONS = tuple(OPERATION_AMOUNTS)
# Share of the day's operations per hour (local time): quiet nights, peaks at lunch and evening.
HOUR_WEIGHTS = (
    0.4, 0.25, 0.15, 0.1, 0.1, 0.2, 0.6, 1.5, 3.0, 4.5, 5.5, 6.0,
    6.5, 6.0, 5.5, 5.5, 5.5, 5.5, 6.0, 6.5, 6.0, 4.5, 3.0, 1.5,
)  # fmt: skip
WEEKDAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 1.15, 0.75, 0.5)  # Monday .. Sunday

ClientRef = tuple[int, str, str]  # (id, cpf, tipo_produto): what an operation needs of its client


def derive_seed(seed: int, *parts: object) -> int:
    """A 64-bit seed from the user seed and a run key, stable across processes and Python versions.

    `hash()` is salted per process, so it cannot be used; sha256 of the joined parts can.
    """
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")
