"""The five channel definitions, their events, the client pool and the engine's pacing at --freq."""

from __future__ import annotations

import ipaddress
import json
import random
import uuid
from collections import Counter
from itertools import islice

import pytest
from datalake.generators import cpf
from datalake.generators.bank_domains import CHANNEL_OPERATIONS
from datalake.generators.channels import CHANNELS, events, make_event
from datalake.producers.channels import ClientPool, counted

from tests.fakes import FakeClock, FakeProducer, FakeStop, run

CLIENTS = [(i, cpf.generate(random.Random(i)), "conta_corrente") for i in range(1, 51)]
OWN_FIELDS = {
    "caixa_agencia": {"agencia", "teller_id"},
    "atm": {"terminal_id", "city", "uf", "notes_dispensed"},
    "mobile": {"os", "app_version", "geo"},
    "maquininhas": {"merchant_id", "mcc", "card_brand", "installments"},
    "internet_banking": {"session_id", "ip", "user_agent"},
}
COMMON = {
    "operation_id",
    "channel",
    "client_id",
    "cpf",
    "product",
    "operation",
    "value",
    "online",
    "timestamp",
    "success",
}


def _take(channel: str, n: int, seed: int = 7) -> list[dict]:
    return list(
        islice(events([CHANNELS[channel]], lambda: CLIENTS, seed=seed, clock=lambda: 1_795_000_000.5), n)
    )


@pytest.mark.parametrize("name", list(CHANNELS))
def test_each_channel_has_the_operation_fields_and_its_own(name: str) -> None:
    batch = _take(name, 2000)
    assert all(set(e) == COMMON | OWN_FIELDS[name] for e in batch)
    assert {e["operation"] for e in batch} == set(CHANNEL_OPERATIONS[name])
    assert all(e["channel"] == name and e["value"] > 0 and e["timestamp"] == 1_795_000_000_500 for e in batch)
    assert all(uuid.UUID(e["operation_id"]).version == 4 for e in batch)
    assert all((e["client_id"], e["cpf"], e["product"]) in CLIENTS for e in batch)
    assert len({e["operation_id"] for e in batch}) == len(batch)
    assert 0.9 < sum(e["success"] for e in batch) / len(batch) < 1.0
    json.dumps(batch)  # JSON-ready


def test_channel_fields_stay_in_their_ranges() -> None:
    atm = _take("atm", 3000)
    assert all(e["notes_dispensed"] > 0 for e in atm if e["operation"] == "saque")
    assert all(e["notes_dispensed"] == 0 for e in atm if e["operation"] != "saque")
    assert all(e["value"] % 10 == 0 for e in atm if e["operation"] == "saque")
    cards = _take("maquininhas", 3000)
    assert all(1 <= e["installments"] <= 12 for e in cards)
    assert all(e["installments"] == 1 for e in cards if e["operation"] == "compra_debito")
    assert {e["card_brand"] for e in cards} == {"visa", "mastercard", "elo", "amex", "hipercard"}
    docs = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
    assert all(any(ipaddress.ip_address(e["ip"]) in n for n in docs) for e in _take("internet_banking", 500))
    mobile = _take("mobile", 500)
    assert all(round(e["geo"]["lat"], 1) == e["geo"]["lat"] and -35 < e["geo"]["lat"] < 0 for e in mobile)
    assert {e["os"] for e in mobile} == {"android", "ios"}
    teller = _take("caixa_agencia", 100)
    assert all(len(e["agencia"]) == 4 and e["agencia"].isdigit() for e in teller)


def test_same_seed_same_events() -> None:
    assert _take("mobile", 200, seed=3) == _take("mobile", 200, seed=3)
    assert _take("mobile", 200, seed=3) != _take("mobile", 200, seed=4)
    assert make_event(CHANNELS["atm"], random.Random(1), CLIENTS[0], 5) == make_event(
        CHANNELS["atm"], random.Random(1), CLIENTS[0], 5
    )


def test_all_channels_share_one_stream_in_proportion_to_their_rates() -> None:
    mixed = list(islice(events(list(CHANNELS.values()), lambda: CLIENTS, seed=1, clock=lambda: 0.0), 5000))
    counts = Counter(e["channel"] for e in mixed)
    assert set(counts) == set(CHANNELS) and all(800 < n < 1200 for n in counts.values())


def test_client_pool_rereads_when_stale_and_waits_while_empty() -> None:
    now, loads, answers = [0.0], [], [[], [], CLIENTS[:2], CLIENTS]
    sleeps: list[float] = []

    def load() -> list:
        loads.append(now[0])
        return answers[min(len(loads) - 1, len(answers) - 1)]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    pool = ClientPool(load, refresh_s=60, clock=lambda: now[0], sleep=sleep)
    assert pool() == CLIENTS[:2] and len(sleeps) == 2  # empty twice: waited, then read again
    now[0] += 30
    assert pool() == CLIENTS[:2] and len(loads) == 3  # fresh enough: not read again
    now[0] += 31
    assert pool() == CLIENTS and len(loads) == 4


def test_engine_holds_the_frequency_within_ten_percent_over_30_simulated_seconds() -> None:
    clock = FakeClock()
    stop = FakeStop(clock)
    producer = FakeProducer()
    source = events([CHANNELS["atm"]], lambda: CLIENTS, seed=1, clock=clock)
    counts: Counter[str] = Counter()
    stats = run(
        counted(source, counts),
        producer,
        rate=20.0,
        duration=30.0,
        clock=clock,
        stop=stop,
        timestamp=lambda e: e["timestamp"],
    )
    assert abs(stats.sent - 600) <= 60 and counts["atm"] == stats.sent
    assert [json.loads(v)["client_id"] for _, _, v in producer.messages[:5]] == [
        int(k) for _, k, _ in producer.messages[:5]
    ]
    assert producer.timestamps[:5] == [json.loads(v)["timestamp"] for _, _, v in producer.messages[:5]]
