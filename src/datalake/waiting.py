"""Polling until something is true, on tenacity.

Everything that asks "is it there yet?" every few seconds goes through `wait_until`; where a
caller retries on errors or keeps the last result instead of failing (the Connect client's REST
retries in `connect/client.py`, `runner.settled_status`), it builds its own tenacity `Retrying`. Loops that consume a topic until
a deadline (the Kafka probes) read rather than wait, and stay loops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_result, stop_after_delay, wait_fixed

T = TypeVar("T")


def wait_until(
    probe: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout_s: float,
    every_s: float,
    timeout_error: Callable[[T], BaseException],
) -> T:
    """Call `probe` every `every_s` seconds until `done(result)`, and return that result. After
    `timeout_s`, raise `timeout_error(last result)`. An exception from `probe` is not retried: it
    propagates at once (a probe that can fail transiently catches that itself)."""

    def give_up(state: RetryCallState) -> T:
        assert state.outcome is not None  # set by the attempt that exhausted the deadline
        raise timeout_error(state.outcome.result())

    retrying = Retrying(
        stop=stop_after_delay(timeout_s),
        wait=wait_fixed(every_s),
        retry=retry_if_result(lambda result: not done(result)),
        retry_error_callback=give_up,
    )
    return retrying(probe)
