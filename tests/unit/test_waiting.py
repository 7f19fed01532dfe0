"""`wait_until`: the result once done, the last result in the timeout error, probe errors at once."""

from __future__ import annotations

import pytest

from datalake.waiting import wait_until


def test_returns_the_first_result_that_is_done() -> None:
    results = iter([1, 2, 3, 4])
    assert (
        wait_until(lambda: next(results), lambda r: r >= 3, timeout_s=5, every_s=0, timeout_error=ValueError)
        == 3
    )


def test_times_out_with_the_last_result() -> None:
    with pytest.raises(TimeoutError, match="still queued"):
        wait_until(
            lambda: "queued",
            lambda r: r == "success",
            timeout_s=0.05,
            every_s=0.01,
            timeout_error=lambda last: TimeoutError(f"still {last}"),
        )


def test_a_probe_error_is_not_retried() -> None:
    calls = []

    def probe() -> int:
        calls.append(1)
        raise ConnectionError("refused")

    with pytest.raises(ConnectionError):
        wait_until(probe, lambda r: True, timeout_s=5, every_s=0, timeout_error=ValueError)
    assert len(calls) == 1
