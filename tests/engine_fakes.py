"""Fakes of the producer engine's collaborators (clock, stop event, librdkafka producer), for the
unit tests of every producer: the engine itself, the movie ratings and the bank channels."""

from __future__ import annotations

import threading
from typing import Any

from datalake.producers import engine
from rich.console import Console


class FakeClock:
    """Monotonic time that advances only when the engine sleeps (through stop.wait) or we tick."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeStop(threading.Event):
    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.waited: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waited.append(timeout or 0.0)
        self.clock.now += timeout or 0.0
        return self.is_set()


class FakeProducer:
    def __init__(self, fail_every: int = 0, buffer_full_once: bool = False, leftover: int = 0) -> None:
        self.messages: list[tuple[str, Any, bytes]] = []
        self.pending: list[Any] = []
        self.fail_every = fail_every
        self.buffer_full_once = buffer_full_once
        self.leftover = leftover
        self.acked = 0
        self.timestamps: list[int] = []
        self.polls = 0

    def produce(
        self, topic: str, value: bytes, key: Any = None, on_delivery: Any = None, timestamp: int = 0
    ) -> None:
        if self.buffer_full_once:
            self.buffer_full_once = False
            raise BufferError("queue full")
        self.messages.append((topic, key, value))
        self.timestamps.append(timestamp)
        self.pending.append(on_delivery)

    def _deliver(self) -> int:
        """Settle every queued message; like `delivery.report.only.error`, report only failures."""
        for callback in self.pending:
            self.acked += 1
            if self.fail_every and self.acked % self.fail_every == 0:
                callback("broker down", None)
        settled = len(self.pending)
        self.pending.clear()
        return settled

    def __len__(self) -> int:
        return len(self.pending)

    def poll(self, timeout: float = 0) -> int:
        self.polls += 1
        return self._deliver()

    def flush(self, timeout: float = 0) -> int:
        self._deliver()
        return self.leftover


def quiet() -> Console:
    return Console(file=open("/dev/null", "w"), force_terminal=False)


def run(events: Any, producer: FakeProducer, **kwargs: Any) -> engine.ProduceStats:
    kwargs.setdefault("console", quiet())
    return engine.run(events, "t", {"bootstrap.servers": "x"}, producer_factory=lambda _: producer, **kwargs)
