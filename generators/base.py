"""The small interface every event source of the platform implements.

A source is just an iterable of JSON-ready dicts; a producer turns it into `(key, value)` pairs
with `keyed(...)` and hands them to the one engine in `datalake.producers.engine`. Keeping the
contract this small lets the movie-ratings generator and the bank channels share the engine, and
lets tests iterate a source without Kafka.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any, Protocol, runtime_checkable

Event = dict[str, Any]
# Epoch seconds as a float, like time.time(); injectable so tests and e2e runs pick the date.
Clock = Callable[[], float]
SECONDS_PER_DAY = 86_400


@runtime_checkable
class EventSource(Protocol):
    """Anything that yields events (JSON-ready dicts); may be infinite."""

    def __iter__(self) -> Iterator[Event]: ...


def system_clock() -> float:
    """The real wall clock (the default for live generation)."""
    return time.time()


def keyed(events: Iterable[Event], key_field: str) -> Iterator[tuple[bytes, Event]]:
    """Pair each event with its Kafka key: the given field as UTF-8 text, so one key stays in order."""
    for event in events:
        yield str(event[key_field]).encode(), event


def clock_on_date(day: date, base: Clock = system_clock) -> Clock:
    """A clock that keeps the real time of day but always on `day` (UTC).

    Lets an e2e run stream events that fall on a chosen logical date; runs past midnight wrap
    around within that date instead of spilling into the next one.
    """
    start = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
    return lambda: start + base() % SECONDS_PER_DAY
