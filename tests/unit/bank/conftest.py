"""Fakes shared by the bank tests: a DB-API connection that records what it was asked to run."""

from __future__ import annotations

from typing import Any

import pytest


class FakeCursor:
    def __init__(self, conn: FakeConnection) -> None:
        self.conn = conn
        self._result: list[tuple[Any, ...]] = []

    def __enter__(self) -> FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute(self, sql: str, args: Any = None) -> None:
        self.conn.log.append(("execute", " ".join(sql.split()), args))
        self._result = self.conn.answer(sql)

    def executemany(self, sql: str, rows: list[Any]) -> None:
        self.conn.log.append(("executemany", sql, list(rows)))

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._result[0] if self._result else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._result)


class FakeConnection:
    """Records execute/executemany/commit in order; `answers` maps an SQL prefix to rows."""

    def __init__(self, answers: dict[str, list[tuple[Any, ...]]] | None = None) -> None:
        self.log: list[tuple[str, Any, Any]] = []
        self.answers = answers or {}

    def answer(self, sql: str) -> list[tuple[Any, ...]]:
        flat = " ".join(sql.split())
        for prefix, rows in self.answers.items():
            if flat.startswith(prefix):
                return rows
        return []

    def cursor(self) -> FakeCursor:
        return FakeCursor(self)

    def commit(self) -> None:
        self.log.append(("commit", None, None))

    def calls(self, kind: str) -> list[tuple[str, Any, Any]]:
        return [c for c in self.log if c[0] == kind]


@pytest.fixture
def fake_conn() -> FakeConnection:
    return FakeConnection()
