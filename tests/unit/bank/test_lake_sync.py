"""The pieces the DAG's sensors use: GTID comparison, Connect offsets, sink lag with dead letters."""

from __future__ import annotations

from typing import Any

import pytest

from datalake.connect import probes
from datalake.connect.client import ConnectClient
from datalake.connect.errors import ConnectUnreachable
from datalake.pipelines.bank_watermarks import gtids_reached, parse_gtids
from tests.fakes import FakeSession


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        (None, {}),
        ("0-1-147", {0: 147}),
        ("0-1-147,1-2-9", {0: 147, 1: 9}),
        ("0-1-5, 0-2-7", {0: 7}),
    ],
)
def test_parse_gtids(text: str | None, expected: dict[int, int]) -> None:
    assert parse_gtids(text) == expected


@pytest.mark.parametrize(
    ("current", "target", "reached"),
    [
        ("0-1-148", "0-1-147", True),
        ("0-1-147", "0-1-147", True),
        ("0-1-146", "0-1-147", False),
        ("", "0-1-1", False),
        ("0-1-10", "", True),
        ("0-1-10", "0-1-5,1-1-1", False),
        ("0-1-10,1-1-3", "0-1-5,1-1-1", True),
    ],
)
def test_gtids_reached(current: str, target: str, reached: bool) -> None:
    assert gtids_reached(current, target) is reached


def _client(routes: dict[str, Any]) -> ConnectClient:
    return ConnectClient(url="http://connect:8083", session=FakeSession.serving(routes))


def test_source_gtids_and_sink_offsets() -> None:
    client = _client(
        {
            "/connectors/src/offsets": {
                "offsets": [
                    {"partition": {"server": "x"}, "offset": {"gtids": "0-1-9", "file": "b.1", "pos": 4}}
                ]
            },
            "/connectors/sink/offsets": {
                "offsets": [
                    {
                        "partition": {"kafka_topic": "cdc.a", "kafka_partition": 0},
                        "offset": {"kafka_offset": 12},
                    },
                    {
                        "partition": {"kafka_topic": "cdc.b", "kafka_partition": 1},
                        "offset": {"kafka_offset": 3},
                    },
                ]
            },
        }
    )
    assert probes.source_gtids(client, "src") == "0-1-9"
    assert probes.sink_offsets(client, "sink") == {("cdc.a", 0): 12, ("cdc.b", 1): 3}


def test_sink_lag_counts_only_records_not_dead_lettered(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(
        {
            "/connectors/sink/offsets": {
                "offsets": [
                    {
                        "partition": {"kafka_topic": "cdc.a", "kafka_partition": 0},
                        "offset": {"kafka_offset": 10},
                    },
                    {
                        "partition": {"kafka_topic": "cdc.b", "kafka_partition": 0},
                        "offset": {"kafka_offset": 5},
                    },
                ]
            }
        }
    )
    targets = {("cdc.a", 0): 10, ("cdc.b", 0): 7, ("cdc.c", 0): 2, ("cdc.empty", 0): 0}
    monkeypatch.setattr(probes, "dead_letters", lambda topic: {("cdc.b", 0, 5), ("cdc.b", 0, 6)})
    # cdc.b's tail is two dead letters (never written to a file): not lag. cdc.c was never committed.
    assert probes.sink_lag(client, "sink", r"cdc\..*", "dlq", targets) == {("cdc.c", 0): (0, 2)}
    monkeypatch.setattr(probes, "dead_letters", lambda topic: {("cdc.b", 0, 5)})
    assert probes.sink_lag(client, "sink", r"cdc\..*", "dlq", targets) == {
        ("cdc.b", 0): (5, 7),
        ("cdc.c", 0): (0, 2),
    }
    # Without a DLQ topic, every uncommitted offset is lag.
    assert ("cdc.b", 0) in probes.sink_lag(client, "sink", r"cdc\..*", None, targets)


def test_bank_pipeline_is_registered() -> None:
    from datalake.pipelines import bank, registry

    assert bank.PIPELINE in registry()
    assert bank.PIPELINE.dags == ("mysql_ingestion_pipeline",)
    assert bank.parse_targets({"cdc.a.b:0": 4, "x:y:2": 1}) == {("cdc.a.b", 0): 4, ("x:y", 2): 1}


def test_sensor_pokes_treat_an_unreachable_worker_as_not_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    from datalake.pipelines import bank
    from datalake.pipelines.lake_feed import LakeFeed

    def down(*_: Any, **__: Any) -> Any:
        raise ConnectUnreachable("GET http://127.0.0.1:8083/connectors: ConnectionError")

    monkeypatch.setattr(bank, "source_reached", down)
    monkeypatch.setattr(LakeFeed, "lag", down)
    done, ends, message = bank.poke_source("0-1-5")
    assert (done, ends) == (False, None) and "not answering" in message
    done, message = bank.poke_lake({"cdc.a:0": 3})
    assert not done and "not answering" in message

    monkeypatch.setattr(bank, "source_reached", lambda target: (True, {"s": "0-1-9"}))
    monkeypatch.setattr(bank, "end_offsets", lambda: {"cdc.a:0": 3})
    assert bank.poke_source("0-1-5")[:2] == (True, {"cdc.a:0": 3})
    monkeypatch.setattr(LakeFeed, "lag", lambda self, targets: {})
    assert bank.poke_lake({"cdc.a:0": 3})[0] is True
