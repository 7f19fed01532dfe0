"""Reading a consumed record's position and headers (kafka_inspect.position / headers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from datalake.kafka_inspect import headers, position


@dataclass
class Record:
    """The accessors of confluent_kafka.Message these helpers call."""

    _topic: str | None = "cdc.santander.operations"
    _partition: int | None = 0
    _offset: int | None = 41
    _headers: Any = None
    _error: str | None = None

    def topic(self) -> str | None:
        return self._topic

    def partition(self) -> int | None:
        return self._partition

    def offset(self) -> int | None:
        return self._offset

    def headers(self) -> Any:
        return self._headers

    def error(self) -> str | None:
        return self._error


def test_position_of_a_record() -> None:
    assert position(Record()) == ("cdc.santander.operations", 0, 41)  # type: ignore[arg-type]


def test_an_error_event_has_no_position() -> None:
    event = Record(_topic=None, _partition=None, _offset=None, _error="_PARTITION_EOF")
    with pytest.raises(ValueError, match="not a record: _PARTITION_EOF"):
        position(event)  # type: ignore[arg-type]


def test_headers_as_text_from_either_shape() -> None:
    pairs = [("__connect.errors.topic", b"cdc.x"), ("empty", None), ("text", "t")]
    assert headers(Record(_headers=pairs)) == {"__connect.errors.topic": "cdc.x", "empty": "", "text": "t"}  # type: ignore[arg-type]
    assert headers(Record(_headers=dict(pairs))) == headers(Record(_headers=pairs))  # type: ignore[arg-type]
    assert headers(Record()) == {}  # type: ignore[arg-type]
