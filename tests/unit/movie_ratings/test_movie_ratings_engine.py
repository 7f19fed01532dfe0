"""The producer engine without a broker: pacing math, limits, stats, failures, serialization."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import pytest
from datalake.producers import engine
from datalake.producers.engine import DeliveryError, Pacer, json_bytes, producer_config

from tests.fakes import FakeClock, FakeProducer, FakeStop, quiet, run


def pairs(n: int) -> list[tuple[bytes, dict]]:
    return [(str(i).encode(), {"i": i, "r": 4.5}) for i in range(n)]


def test_pacer_unlimited_never_waits() -> None:
    pacer = Pacer(0)
    assert all(pacer.delay(n, 0.0) == 0.0 for n in range(1000))


def test_pacer_trickle_waits_the_full_interval() -> None:
    pacer = Pacer(0.5)
    assert pacer.delay(0, 10.0) == 0.0
    assert pacer.delay(1, 10.0) == pytest.approx(2.0)
    assert pacer.delay(1, 11.5) == pytest.approx(0.5)
    assert pacer.delay(1, 12.0) == 0.0


def test_pacer_high_rate_sleeps_only_when_ahead_by_min_sleep() -> None:
    pacer = Pacer(100_000, min_sleep=0.005)
    assert pacer.delay(0, 0.0) == 0.0
    # 499 messages due within 4.99 ms: still under min_sleep, so no sleep at all.
    assert all(pacer.delay(n, 0.0) == 0.0 for n in range(1, 500))
    assert pacer.delay(500, 0.0) == pytest.approx(0.005)


def test_pacer_caps_catch_up_bursts() -> None:
    pacer = Pacer(10, burst_seconds=1.0)
    assert pacer.delay(0, 0.0) == 0.0
    # 100 s late: only burst_seconds * rate = 10 messages go back to back, then pacing resumes.
    assert all(pacer.delay(n, 100.0) == 0.0 for n in range(1, 12))
    assert pacer.delay(12, 100.0) == pytest.approx(0.1)


def test_run_paces_a_trickle_and_counts() -> None:
    clock = FakeClock()
    stop = FakeStop(clock)
    producer = FakeProducer()
    stats = run(pairs(100), producer, rate=2.0, max_events=5, clock=clock, stop=stop)
    assert (stats.sent, stats.delivered, stats.failed, stats.stopped_by) == (5, 5, 0, "max_events")
    assert sum(stop.waited) == pytest.approx(2.0)  # 4 gaps of 0.5 s
    assert stats.elapsed == pytest.approx(2.0) and stats.rate == pytest.approx(2.5)
    assert [k for _, k, _ in producer.messages] == [b"0", b"1", b"2", b"3", b"4"]


def test_run_stops_on_duration_and_waits_in_short_slices() -> None:
    clock = FakeClock()
    stop = FakeStop(clock)
    stats = run(pairs(100), FakeProducer(), rate=0.1, duration=25.0, clock=clock, stop=stop)
    assert stats.stopped_by == "duration" and stats.sent == 3  # t=0, 10, 20
    assert max(stop.waited) <= 0.5


def test_run_flat_out_until_exhausted_serializes_compact_json() -> None:
    producer = FakeProducer(buffer_full_once=True)
    stats = run(pairs(1000), producer, rate=0)
    assert (stats.sent, stats.delivered, stats.stopped_by) == (1000, 1000, "exhausted")
    assert producer.messages[0] == ("t", b"0", b'{"i":0,"r":4.5}')


def test_flat_out_polls_librdkafka_every_poll_every_messages_not_each() -> None:
    producer = FakeProducer()
    run(pairs(2 * engine.POLL_EVERY + 5), producer, rate=0)
    assert producer.polls == 2


def test_run_stops_on_stop_event() -> None:
    stop = threading.Event()
    stop.set()
    stats = run(pairs(10), FakeProducer(), stop=stop)
    assert (stats.sent, stats.stopped_by) == (0, "signal")


def test_delivery_failures_raise_with_stats() -> None:
    with pytest.raises(
        DeliveryError, match=r"3 of 10 messages to topic 't' were not delivered: broker down"
    ) as err:
        run(pairs(10), FakeProducer(fail_every=3))
    assert (err.value.stats.sent, err.value.stats.delivered, err.value.stats.failed) == (10, 7, 3)


def test_undelivered_after_flush_counts_as_failed() -> None:
    with pytest.raises(DeliveryError, match="still queued"):
        run(pairs(3), FakeProducer(leftover=2))


def test_json_keeps_numeric_types_and_config_defaults() -> None:
    event = {"userId": 1, "movieId": 296, "rating": 5.0, "timestamp": 1147880044}
    assert json_bytes(event) == b'{"userId":1,"movieId":296,"rating":5.0,"timestamp":1147880044}'
    assert json.loads(json_bytes(event)) == event
    config = producer_config("broker:9092", **{"linger.ms": 5})
    assert config["enable.idempotence"] is True and config["acks"] == "all"
    assert config["compression.type"] == "lz4" and config["linger.ms"] == 5
    assert config["bootstrap.servers"] == "broker:9092"
    assert config["delivery.report.only.error"] is True


def test_real_producer_against_librdkafka_mock_cluster() -> None:
    config: Mapping[str, Any] = producer_config("", **{"test.mock.num.brokers": 1})
    stats = engine.run(pairs(500), "movieRatings", config, rate=0, console=quiet(), flush_timeout=30)
    assert (stats.sent, stats.delivered, stats.failed) == (500, 500, 0)


def test_cli_produces_synthetic_events_on_the_event_date(monkeypatch: pytest.MonkeyPatch) -> None:
    from datalake.producers import movie_ratings
    from typer.testing import CliRunner

    seen: list[tuple[Any, ...]] = []
    real_config = engine.producer_config

    def mock_cluster(bootstrap: str, **overrides: Any) -> dict[str, Any]:
        seen.append((bootstrap, overrides))
        return real_config(bootstrap, **overrides, **{"test.mock.num.brokers": 1})

    monkeypatch.setattr(engine, "producer_config", mock_cluster)
    args = ["--rate", "0", "--count", "300", "--seed", "3", "--event-date", "2024-06-01"]
    result = CliRunner().invoke(movie_ratings.app, [*args, "--bootstrap", "b:1"])
    assert result.exit_code == 0, result.output
    assert "sent 300, delivered 300, failed 0" in result.output
    assert seen == [("b:1", {"client.id": "movie-ratings-producer"})]


def test_cli_rejects_csv_source_without_a_path() -> None:
    from datalake.producers import movie_ratings
    from typer.testing import CliRunner

    result = CliRunner().invoke(movie_ratings.app, ["--source", "csv", "--count", "1"])
    assert result.exit_code != 0 and "--csv" in result.output


def test_real_producer_still_reports_failures_when_only_errors_are_reported() -> None:
    """Nothing listens on the bootstrap: every message times out and the run must say so."""
    config = producer_config("127.0.0.1:9", **{"delivery.timeout.ms": 1_500, "linger.ms": 0})
    with pytest.raises(DeliveryError, match="20 of 20 messages") as err:
        engine.run(pairs(20), "movieRatings", config, rate=0, console=quiet(), flush_timeout=10)
    assert (err.value.stats.delivered, err.value.stats.failed) == (0, 20)
