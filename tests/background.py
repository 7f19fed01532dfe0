"""Work a fault test keeps going while it kills something: a producer, a generator."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Background:
    """`work()` in a daemon thread; `result(timeout)` fails the test if it is still running or
    raised, and otherwise returns what it returned."""

    def __init__(self, work: Callable[[], Any], name: str) -> None:
        self._outcome: dict[str, Any] = {}
        self._thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            self._outcome["value"] = work()
        except BaseException as exc:  # surfaced in the test's thread by result()
            self._outcome["error"] = exc

    def running(self) -> bool:
        return self._thread.is_alive()

    def result(self, timeout: float) -> Any:
        self._thread.join(timeout=timeout)
        assert not self._thread.is_alive(), f"{self._thread.name} did not finish within {timeout:.0f} s"
        assert "error" not in self._outcome, f"{self._thread.name} failed: {self._outcome['error']!r}"
        return self._outcome["value"]
