"""The bank's five channels as declarative definitions, and the operation events they emit.

A channel is its name, its default rate, the weights of its operation types and of success, and
the fields only it has (a teller's agência, an ATM's terminal, a card machine's merchant, ...),
drawn by a small function. Everything shared (the client, product, amount, timestamp, success)
is drawn once here for every channel, like `santander.operations` rows, so a new channel is one
more definition. The contract of an event is `docs/bank-channels.md` and the schema constant the
Spark job parses with (`jobs/channels/schemas.py`).
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from datalake.generators.bank_domains import CHANNEL_OPERATIONS, CHANNEL_SUCCESS, OPERATION_AMOUNTS, ClientRef

Event = dict[str, Any]

ATM_PLACES = (
    ("São Paulo", "SP"), ("Campinas", "SP"), ("Rio de Janeiro", "RJ"), ("Belo Horizonte", "MG"),
    ("Salvador", "BA"), ("Curitiba", "PR"), ("Porto Alegre", "RS"), ("Recife", "PE"),
    ("Fortaleza", "CE"), ("Brasília", "DF"), ("Manaus", "AM"), ("Goiânia", "GO"),
)  # fmt: skip
# Coarse locations (one decimal: ~10 km) of the mobile app's users, around big cities.
MOBILE_AREAS = (
    (-23.5, -46.6),
    (-22.9, -43.2),
    (-19.9, -43.9),
    (-12.9, -38.5),
    (-25.4, -49.3),
    (-30.0, -51.2),
)
MCC = {"5411": 0.30, "5812": 0.20, "5541": 0.12, "5912": 0.10, "5311": 0.10, "5999": 0.18}
CARD_BRANDS = {"visa": 0.38, "mastercard": 0.40, "elo": 0.17, "amex": 0.03, "hipercard": 0.02}
# RFC 5737 documentation ranges: addresses that can never belong to anyone.
DOC_NETWORKS = ("192.0.2", "198.51.100", "203.0.113")
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
)


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


# ---- each channel's own fields ----------------------------------------------------------------------
def _teller(rng: random.Random, operation: str, value: float) -> Event:
    return {"agencia": f"{rng.randint(1, 4500):04d}", "teller_id": f"T{rng.randint(1, 99_999):05d}"}


def _atm(rng: random.Random, operation: str, value: float) -> Event:
    city, uf = rng.choice(ATM_PLACES)
    # Notes dispensed for a withdrawal: as many R$ 100 as fit, then R$ 50 and R$ 20.
    notes = 0
    if operation == "saque":
        rest = int(value)
        for note in (100, 50, 20, 10):
            notes, rest = notes + rest // note, rest % note
    return {
        "terminal_id": f"ATM-{rng.randint(1, 25_000):05d}",
        "city": city,
        "uf": uf,
        "notes_dispensed": notes,
    }


def _mobile(rng: random.Random, operation: str, value: float) -> Event:
    lat, lon = rng.choice(MOBILE_AREAS)
    return {
        "os": "android" if rng.random() < 0.8 else "ios",
        "app_version": f"{rng.choice((24, 25))}.{rng.randint(0, 12)}.{rng.randint(0, 9)}",
        "geo": {"lat": round(lat + rng.uniform(-0.3, 0.3), 1), "lon": round(lon + rng.uniform(-0.3, 0.3), 1)},
    }


def _card_machine(rng: random.Random, operation: str, value: float) -> Event:
    credit = operation == "compra_credito"
    return {
        "merchant_id": f"M{rng.randint(1, 99_999_999):08d}",
        "mcc": _weighted(rng, MCC),
        "card_brand": _weighted(rng, CARD_BRANDS),
        "installments": rng.choice((1, 1, 1, 2, 3, 4, 6, 10, 12)) if credit and value >= 100 else 1,
    }


def _internet_banking(rng: random.Random, operation: str, value: float) -> Event:
    return {
        "session_id": f"{rng.getrandbits(64):016x}",
        "ip": f"{rng.choice(DOC_NETWORKS)}.{rng.randint(1, 254)}",
        "user_agent": rng.choice(USER_AGENTS),
    }


@dataclass(frozen=True)
class Channel:
    """One bank channel: a name, a default rate, operation and success weights, its own fields."""

    name: str
    default_rate: float  # events per second under the supervisor (a trickle)
    operations: Mapping[str, float]
    success: float
    extras: Callable[[random.Random, str, float], Event]
    online: bool


CHANNELS: dict[str, Channel] = {
    c.name: c
    for c in (
        Channel(
            "caixa_agencia",
            1.0,
            CHANNEL_OPERATIONS["caixa_agencia"],
            CHANNEL_SUCCESS["caixa_agencia"],
            _teller,
            False,
        ),
        Channel("atm", 1.0, CHANNEL_OPERATIONS["atm"], CHANNEL_SUCCESS["atm"], _atm, False),
        Channel("mobile", 1.0, CHANNEL_OPERATIONS["mobile"], CHANNEL_SUCCESS["mobile"], _mobile, True),
        Channel(
            "maquininhas",
            1.0,
            CHANNEL_OPERATIONS["maquininhas"],
            CHANNEL_SUCCESS["maquininhas"],
            _card_machine,
            True,
        ),
        Channel(
            "internet_banking",
            1.0,
            CHANNEL_OPERATIONS["internet_banking"],
            CHANNEL_SUCCESS["internet_banking"],
            _internet_banking,
            True,
        ),
    )
}


def amount(rng: random.Random, operation: str) -> float:
    """Lognormal around the operation's median, clipped; cash withdrawals in multiples of R$ 10."""
    median, sigma, floor, cap = OPERATION_AMOUNTS[operation]
    value = min(max(math.exp(math.log(median) + sigma * rng.gauss(0.0, 1.0)), floor), cap)
    if operation == "saque":
        value = max(round(value / 10.0) * 10.0, 20.0)
    return round(value, 2)


def make_event(channel: Channel, rng: random.Random, client: ClientRef, now_ms: int) -> Event:
    """One operation of `client` through `channel` at `now_ms` (epoch milliseconds, UTC)."""
    operation = _weighted(rng, channel.operations)
    value = amount(rng, operation)
    client_id, cpf, product = client
    return {
        "operation_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "channel": channel.name,
        "client_id": client_id,
        "cpf": cpf,
        "product": product,
        "operation": operation,
        "value": value,
        "online": channel.online,
        "timestamp": now_ms,
        "success": rng.random() < channel.success - (0.03 if value > 5_000 else 0.0),
        **channel.extras(rng, operation, value),
    }


def events(
    channels: Sequence[Channel],
    clients: Callable[[], Sequence[ClientRef]],
    *,
    seed: int | None = None,
    clock: Callable[[], float],
) -> Iterator[Event]:
    """Endless events of `channels`, each drawn in proportion to its default rate.

    `clients` is called for the current client list whenever the source wants it (the caller
    decides how often it re-reads `santander.clients`); `clock` gives epoch seconds.
    """
    rng = random.Random(seed)
    weights = [c.default_rate for c in channels]
    while True:
        pool = clients()
        channel = channels[0] if len(channels) == 1 else rng.choices(channels, weights)[0]
        yield make_event(channel, rng, pool[rng.randrange(len(pool))], int(clock() * 1000))
