"""The platform's one Kafka producer engine: every channel feeds it `(key, value)` pairs.

Why one engine: the seed's producer swallowed errors, sent Python reprs instead of JSON and paced
itself with a fixed `sleep(10)`. Here, once, for every producer of the platform:

- an idempotent producer (`enable.idempotence`, `acks=all`), so broker retries never duplicate or
  reorder a partition, with lz4 batches (`linger.ms`, `batch.size`) for throughput;
- compact JSON that keeps numeric types (`{"rating":4.5}`, never `"4.5"`);
- pacing from a trickle (0.5/s) to flat out (rate <= 0): a token bucket that sleeps only when it
  is ahead of schedule by a few milliseconds, so high rates never pay a sleep per message;
- a stop after `max_events` and/or `duration`, and on SIGINT/SIGTERM, always followed by a flush;
- a delivery callback counting failures: the run raises `DeliveryError` at the end if any message
  was not acknowledged, instead of reporting success with lost data;
- no Python call per acknowledged message: librdkafka reports only failures
  (`delivery.report.only.error`) and is polled every `POLL_EVERY` messages, not after each one.
  A callback and a poll per message had cost more than half of the sender's time (issue 14:
  0.3 of Kafka's own ProducerPerformance with the same settings). Acknowledged is then what is
  neither failed nor still queued.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import orjson
from rich.console import Console

Key = bytes | str | None

DEFAULT_CONFIG: dict[str, Any] = {
    "enable.idempotence": True,
    "acks": "all",
    "compression.type": "lz4",
    "linger.ms": 20,
    "batch.size": 262_144,
    "queue.buffering.max.messages": 500_000,
    "delivery.timeout.ms": 120_000,
    "delivery.report.only.error": True,
}

# Messages produced between two polls of librdkafka's event queue (error reports only, see above).
POLL_EVERY = 1_000


class ProducerLike(Protocol):
    """The part of `confluent_kafka.Producer` the engine uses (so tests can pass a fake)."""

    def produce(
        self, topic: str, value: bytes, key: Key = ..., on_delivery: Any = ..., timestamp: int = ...
    ) -> None: ...
    def poll(self, timeout: float = ...) -> int: ...
    def flush(self, timeout: float = ...) -> int: ...
    def __len__(self) -> int: ...


class DeliveryError(RuntimeError):
    """Raised after the flush when at least one message was not acknowledged by the broker."""

    def __init__(self, message: str, stats: ProduceStats) -> None:
        super().__init__(message)
        self.stats = stats


@dataclass(frozen=True)
class ProduceStats:
    """What a run did: messages handed to the producer, acknowledged, failed, and how fast."""

    topic: str
    sent: int
    delivered: int
    failed: int
    elapsed: float
    stopped_by: str  # "exhausted" | "max_events" | "duration" | "signal"

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed if self.elapsed > 0 else 0.0


def producer_config(bootstrap: str, **overrides: Any) -> dict[str, Any]:
    """The librdkafka configuration: platform defaults, the bootstrap, then any override."""
    return {**DEFAULT_CONFIG, "bootstrap.servers": bootstrap, **overrides}


def json_bytes(value: Any) -> bytes:
    """Compact JSON as UTF-8; ints stay ints and floats stay floats (orjson: several times the
    stdlib's speed, which matters to a producer sending flat out)."""
    return orjson.dumps(value)


class Pacer:
    """Token-bucket pacing at `rate` messages/s (rate <= 0: unlimited).

    Message n is due at `t0 + n / rate`. The caller sleeps only when it is at least `min_sleep`
    ahead, so at 100k/s it sleeps every few hundred messages rather than every message. When the
    sender falls behind (slow source, full queue) the schedule is rebased so that at most
    `burst_seconds` worth of messages are sent back to back to catch up.
    """

    def __init__(self, rate: float, *, min_sleep: float = 0.005, burst_seconds: float = 1.0) -> None:
        self.rate = rate
        self.min_sleep = min_sleep
        self.burst_seconds = burst_seconds
        self._t0: float | None = None

    def delay(self, sent: int, now: float) -> float:
        """Seconds to wait before sending message number `sent` (0-based) at time `now`."""
        if self.rate <= 0:
            return 0.0
        if self._t0 is None:
            self._t0 = now - sent / self.rate
        due = self._t0 + sent / self.rate
        if now - due > self.burst_seconds:
            self._t0 = now - self.burst_seconds - sent / self.rate
            due = now - self.burst_seconds
        ahead = due - now
        return ahead if ahead >= self.min_sleep else 0.0


@dataclass
class _Failures:
    """The delivery callback: with `delivery.report.only.error` librdkafka calls it for failures only."""

    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def __call__(self, err: Any, msg: Any) -> None:
        if err is None:  # a producer configured to report every delivery
            return
        self.failed += 1
        if len(self.errors) < 5:
            self.errors.append(str(err))


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT/SIGTERM set `stop` (the loop then flushes); handlers work only in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _make_producer(config: Mapping[str, Any]) -> ProducerLike:
    from confluent_kafka import Producer

    return cast(ProducerLike, Producer(dict(config)))


def run(
    events: Iterable[tuple[Key, Any]],
    topic: str,
    config: Mapping[str, Any],
    *,
    rate: float = 0.0,
    max_events: int | None = None,
    duration: float | None = None,
    serializer: Callable[[Any], bytes] = json_bytes,
    producer_factory: Callable[[Mapping[str, Any]], ProducerLike] = _make_producer,
    progress_every: float = 5.0,
    console: Console | None = None,
    flush_timeout: float = 60.0,
    clock: Callable[[], float] = time.monotonic,
    stop: threading.Event | None = None,
    timestamp: Callable[[Any], int] | None = None,
) -> ProduceStats:
    """Send `(key, value)` pairs to `topic` until the source ends, a limit is hit or a signal arrives.

    Args:
        events: pairs of Kafka key (bytes/str/None) and a JSON-serialisable value.
        topic: the target topic.
        config: the librdkafka configuration (see `producer_config`).
        rate: messages per second; <= 0 sends as fast as the producer accepts.
        max_events: stop after this many messages (None: no limit).
        duration: stop after this many seconds (None: no limit).
        stop: an event another thread may set to stop the run (signals also set it).
        timestamp: the Kafka record timestamp (epoch ms) of a value, e.g. its own event time, so
            that the record's CreateTime and the event agree; None: the producer's clock.

    Returns:
        The run's `ProduceStats`.

    Raises:
        DeliveryError: if any message was not acknowledged after the final flush.
    """
    console = console or Console(stderr=True)
    stop = stop or threading.Event()
    producer = producer_factory(config)
    failures = _Failures()
    pacer = Pacer(rate)
    sent = 0
    stopped_by = "exhausted"
    source = iter(events)
    start = last_report = clock()
    last_sent = 0

    with _stop_on_signals(stop):
        while True:
            if stop.is_set():
                stopped_by = "signal"
                break
            if max_events is not None and sent >= max_events:
                stopped_by = "max_events"
                break
            now = clock()
            if duration is not None and now - start >= duration:
                stopped_by = "duration"
                break
            wait = pacer.delay(sent, now)
            if wait > 0:
                producer.poll(0)
                # Sleep in short slices: a trickle must still honour the duration and signals.
                stop.wait(min(wait, 0.5))
                continue
            try:
                key, value = next(source)
            except StopIteration:
                break
            _produce(producer, topic, key, serializer(value), failures, timestamp(value) if timestamp else 0)
            sent += 1
            if sent % POLL_EVERY == 0:
                producer.poll(0)
            if now - last_report >= progress_every:
                interval_rate = (sent - last_sent) / (now - last_report)
                console.print(
                    f"[bold]{topic}[/]: sent {sent:,}  delivered {sent - len(producer) - failures.failed:,}  "
                    f"failed {failures.failed:,}  {interval_rate:,.0f} ev/s"
                )
                last_report, last_sent = now, sent

        console.print(f"{topic}: stopping ({stopped_by}), flushing {len(producer):,} in flight")
        undelivered = producer.flush(flush_timeout)

    elapsed = clock() - start
    failed = failures.failed + undelivered
    stats = ProduceStats(topic, sent, sent - failed, failed, elapsed, stopped_by)
    console.print(
        f"{topic}: sent {stats.sent:,}, delivered {stats.delivered:,}, failed {stats.failed:,} "
        f"in {stats.elapsed:,.1f} s ({stats.rate:,.0f} ev/s)"
    )
    if failed:
        detail = "; ".join(failures.errors) or f"{undelivered} still queued after {flush_timeout} s flush"
        raise DeliveryError(
            f"{failed} of {sent} messages to topic {topic!r} were not delivered: {detail}", stats
        )
    return stats


def _produce(
    producer: ProducerLike, topic: str, key: Key, payload: bytes, callback: _Failures, timestamp_ms: int = 0
) -> None:
    """Produce one message, waiting for room while librdkafka's local queue is full.

    A timestamp of 0 lets librdkafka stamp the record with its own clock.
    """
    while True:
        try:
            producer.produce(topic, value=payload, key=key, on_delivery=callback, timestamp=timestamp_ms)
            return
        except BufferError:
            producer.poll(0.05)
