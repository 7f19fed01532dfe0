"""The poll-loop fix of datalake.platform.supervisord_main, on real pipes (no supervisord)."""

from __future__ import annotations

import os
from types import SimpleNamespace

from supervisor.poller import PollPoller

import datalake.platform.supervisord_main  # noqa: F401 - applies the fix


def _poller() -> PollPoller:
    return PollPoller(SimpleNamespace(logger=SimpleNamespace(blather=lambda *a, **k: None)))


def test_a_stale_readable_fd_on_a_pipe_without_reader_is_dropped_not_spun_on() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the child closed its stdin: POLLERR on the write end, forever
    try:
        poller = _poller()
        poller.register_readable(write_end)  # the stale registration of a reused fd number
        assert poller.poll(0) == ([], [])
        assert write_end not in poller.readables
        assert poller._poller.poll(0) == []  # unregistered: the next poll waits instead of spinning
    finally:
        os.close(write_end)


def test_a_readable_pipe_is_still_reported() -> None:
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, b"log line\n")
        poller = _poller()
        poller.register_readable(read_end)
        assert poller.poll(0) == ([read_end], [])
    finally:
        os.close(read_end)
        os.close(write_end)
