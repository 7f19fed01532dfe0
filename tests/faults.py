"""kill -9 of one supervised program, for the restart tier's fault tests.

The test does not start the program again: supervisord does (autorestart). `kill_and_wait` returns
once the new process answers the service's own health check, not merely once it has a pid: a
restarted MariaDB recovers InnoDB before it listens, and a test that queried it at the new pid
met a refused connection (CI, test_05_mariadb_crash). A check that another service answers for
its program says less: the API server reports a killed scheduler healthy until its heartbeat is
older than `scheduler_health_check_threshold` (30 s), so `healthy_s` means nothing there.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from datalake.platform.health import Unhealthy
from datalake.platform.paths import get_paths
from datalake.platform.services import build_registry
from datalake.platform.supervisor import Supervisor
from datalake.settings import get_settings
from datalake.waiting import wait_until

T = TypeVar("T")


def wait_for(
    what: str,
    probe: Callable[[], T],
    timeout_s: float,
    every_s: float = 1.0,
    *,
    done: Callable[[T], bool] = bool,
) -> T:
    """`probe()` once `done` with it (truthy, by default); after `timeout_s`, fails naming `what`
    and the last value. The one wait of the tests (the e2e folders' helpers delegate to it)."""
    return wait_until(
        probe,
        done,
        timeout_s=timeout_s,
        every_s=every_s,
        timeout_error=lambda last: AssertionError(
            f"timed out after {timeout_s:.0f}s waiting for {what}; last: {str(last)[:1500]}"
        ),
    )


@dataclass(frozen=True)
class Restart:
    program: str
    pid: int  # the process killed
    new_pid: int
    killed_at: float  # time.monotonic()
    restarted_s: float  # until supervisord had a new process
    healthy_s: float  # until that process answered its health check


def _healthy(program: str) -> Callable[[], bool]:
    service = next((s for s in build_registry() if s.name == program), None)
    assert service is not None, f"{program} is not a service of the platform"
    settings = get_settings()

    def probe() -> bool:
        if service.check is None:
            return True  # a RUNNING process is its only sign of life
        try:
            service.check(settings)
        except Unhealthy:
            return False
        return True

    return probe


def kill_and_wait(program: str, timeout_s: float = 180) -> Restart:
    """SIGKILL `program`'s process, wait for supervisord's new one and for its health check."""
    supervisor = Supervisor(get_paths())
    healthy = _healthy(program)
    pid = supervisor.pid(program)  # 0 while it is not running
    assert pid, f"{program} is not running"
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    new_pid = wait_for(
        f"supervisord to restart {program}",
        lambda: (p := supervisor.pid(program)) not in (0, pid) and p,
        timeout_s,
        0.5,
    )
    restarted_s = time.monotonic() - killed_at
    wait_for(f"{program} to answer its health check", healthy, timeout_s, 0.5)
    return Restart(program, pid, new_pid, killed_at, restarted_s, time.monotonic() - killed_at)
