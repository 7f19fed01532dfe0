"""A stop leaves no process of a service behind: the LocalExecutor worker case, with real processes.

The parent stands for Airflow's scheduler (exits on SIGTERM), the child for an idle LocalExecutor
worker in its process group (ignores SIGTERM): once the parent is gone, the child is an orphan
nothing else would stop."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from datalake.platform.supervisor import process_trees, reap, session_members

PARENT = textwrap.dedent(
    """
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(300)"],
        stdout=subprocess.PIPE, text=True)
    child.stdout.readline()
    print(child.pid, flush=True)
    time.sleep(300)
    """
)


def test_an_orphan_that_ignores_sigterm_is_found_before_the_stop_and_killed_after() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    child_pid = int(parent.stdout.readline())  # type: ignore[union-attr]
    try:
        trees = process_trees([parent.pid])
        assert {p.pid for p in trees} >= {parent.pid, child_pid}

        parent.send_signal(signal.SIGTERM)  # what supervisord's stop does to the program
        parent.wait(timeout=10)
        time.sleep(0.5)
        assert psutil.pid_exists(child_pid), "the child should have outlived its parent's stop"

        stopped = reap(trees, grace_s=2.0)
        assert stopped and all("python" in name for name in stopped)
        assert not psutil.pid_exists(child_pid) or psutil.Process(child_pid).status() == psutil.STATUS_ZOMBIE
    finally:
        for pid in (parent.pid, child_pid):
            try:
                psutil.Process(pid).kill()
            except psutil.Error:
                pass


def test_reap_spares_what_already_ended() -> None:
    done = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5)"], start_new_session=True)
    trees = process_trees([done.pid])
    assert [p.pid for p in trees] == [done.pid]
    done.wait(timeout=10)
    assert reap(trees, grace_s=1.0) == []


def test_a_process_in_its_callers_group_does_not_bring_the_group_in() -> None:
    """Only a group leader's group is taken: a pid sharing this test's group must not make
    `reap` stop the test runner (supervisord's programs lead their own groups)."""
    same_group = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert [p.pid for p in process_trees([same_group.pid])] == [same_group.pid]
    finally:
        same_group.kill()
        same_group.wait(timeout=10)


LEADER = textwrap.dedent(
    """
    import os, subprocess, sys
    orphan = subprocess.Popen([sys.executable, "-c",
        "import os, signal, time; os.setpgrp(); signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(300)"], stdout=subprocess.PIPE, text=True)
    orphan.stdout.readline()
    print(orphan.pid, flush=True)
    os._exit(0)  # as if killed with -9: the orphan keeps the session, loses its parent and group
    """
)


def test_an_orphan_of_a_killed_program_is_found_by_its_session_after_the_stop() -> None:
    """supervisord's programs share its session: a worker whose scheduler was killed (not in any
    tree or group the stop can see) is still found there, and nothing outside the session is."""
    leader = subprocess.Popen(
        [sys.executable, "-c", LEADER], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    orphan_pid = int(leader.stdout.readline())  # type: ignore[union-attr]
    leader_process = psutil.Process(leader.pid)  # taken while it runs, as the stop does
    try:
        leader.wait(timeout=10)
        members = session_members(leader_process)  # the session keeps its leader's id
        assert [p.pid for p in members] == [orphan_pid]
        assert all(os.getsid(p.pid) != os.getsid(0) for p in members)

        assert reap(members, grace_s=1.0) and not _alive(orphan_pid)
    finally:
        with contextlib.suppress(psutil.Error):
            psutil.Process(orphan_pid).kill()


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_session_id_whose_leader_pid_was_reused_is_not_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pid exists, but not as the leader the stop saw (another start time): the id may lead
    another session now, and nothing of it is taken."""
    me = psutil.Process(os.getpid())
    monkeypatch.setattr(me, "is_running", lambda: False)
    assert session_members(me) == []
