"""The one set of test fakes: the producer engine's collaborators (clock, stop event, librdkafka
producer), the Kafka Connect REST session, and a DB-API connection. Fakes stand in for pure logic's
collaborators only; integration and e2e tests use the real services."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
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


# ---- Kafka Connect's REST API ---------------------------------------------------------------------
class FakeResponse:
    def __init__(self, status_code: int, body: Any = None) -> None:
        self.status_code = status_code
        self._body = body
        self.text = json.dumps(body) if body is not None else ""

    def json(self) -> Any:
        return self._body


class FakeSession:
    """Answers (METHOD, path) from queues; the last answer of a queue repeats; an exception in a
    queue is raised. Unknown routes answer 404 as Connect does."""

    def __init__(self, routes: dict[tuple[str, str], list[Any]]) -> None:
        self.routes = routes
        self.calls: list[dict[str, Any]] = []
        self.served: dict[tuple[str, str], int] = defaultdict(int)

    @classmethod
    def serving(cls, payloads: dict[str, Any]) -> FakeSession:
        """GET path -> the JSON a 200 carries."""
        return cls({("GET", path): [FakeResponse(200, body)] for path, body in payloads.items()})

    def request(self, method: str, url: str, timeout: float | None = None, **kwargs: Any) -> FakeResponse:
        path = "/" + url.split("://", 1)[-1].split("/", 1)[1] if "://" in url else url
        self.calls.append({"method": method, "path": path, "timeout": timeout, **kwargs})
        queue = self.routes.get((method, path))
        if queue is None:
            return FakeResponse(404, {"error_code": 404, "message": "not found"})
        i = min(self.served[(method, path)], len(queue) - 1)
        self.served[(method, path)] += 1
        answer = queue[i]
        if isinstance(answer, Exception):
            raise answer
        return answer


# ---- DB-API (pymysql) -----------------------------------------------------------------------------
def flat(sql: str) -> str:
    """SQL with its whitespace runs as single spaces, as `FakeConnection` logs it."""
    return " ".join(sql.split())


class FakeCursor:
    def __init__(self, conn: FakeConnection) -> None:
        self.conn = conn
        self._result: list[tuple[Any, ...]] = []

    def __enter__(self) -> FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute(self, sql: str, args: Any = None) -> None:
        if self.conn.fail_on and flat(sql).startswith(self.conn.fail_on):
            raise RuntimeError("boom")
        self.conn.log.append(("execute", flat(sql), args))
        self._result = self.conn.answer(sql)

    def executemany(self, sql: str, rows: list[Any]) -> None:
        self.conn.log.append(("executemany", flat(sql), list(rows)))

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._result[0] if self._result else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._result)


class FakeConnection:
    """Records what it is asked to do, in order: ("execute", sql, args), ("executemany", sql,
    rows), ("begin" | "commit" | "rollback" | "close", None, None), SQL with flattened whitespace.
    `answers` maps an SQL prefix to the rows a query returns; `fail_on`, an SQL prefix whose
    execute raises RuntimeError("boom")."""

    def __init__(
        self, answers: dict[str, list[tuple[Any, ...]]] | None = None, fail_on: str | None = None
    ) -> None:
        self.log: list[tuple[str, Any, Any]] = []
        self.answers = answers or {}
        self.fail_on = fail_on

    def answer(self, sql: str) -> list[tuple[Any, ...]]:
        for prefix, rows in self.answers.items():
            if flat(sql).startswith(prefix):
                return rows
        return []

    def cursor(self) -> FakeCursor:
        return FakeCursor(self)

    def _note(self, kind: str) -> None:
        self.log.append((kind, None, None))

    def begin(self) -> None:
        self._note("begin")

    def commit(self) -> None:
        self._note("commit")

    def rollback(self) -> None:
        self._note("rollback")

    def close(self) -> None:
        self._note("close")

    def calls(self, kind: str) -> list[tuple[str, Any, Any]]:
        return [c for c in self.log if c[0] == kind]

    def kinds(self) -> list[str]:
        return [c[0] for c in self.log]
