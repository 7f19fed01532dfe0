"""Fixtures and helpers of the movie ratings end-to-end tests (the running native platform).

Every test run draws a random run id; the events it produces carry userIds in a range of their
own (`UserIds`), one userId per event, so counts stay exact while the trickle generator and
earlier runs keep writing to the same topic and tables.

One file over 300 lines: the tier's fixtures and the live-table bookkeeping they share
(test user ids, cleanup in `finally`, the mart restored) belong together.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import time
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_fixed

from datalake.platform.paths import get_paths
from datalake.platform.supervisor import Supervisor
from datalake.settings import REPO_ROOT, get_settings
from tests import faults
from tests.background import Background

TOPIC = "movieRatings"
STREAM_PROGRAM = "movie-ratings-stream"
GENERATOR_PROGRAM = "movie-ratings-generator"
DAG_ID = "movie_ratings_daily"
HADOOP_CLASSPATH = f"{REPO_ROOT}/var/conf/hadoop:{REPO_ROOT}/var/jars/hadoop/*"
USER_ID_BASE = 1_000_000_000  # far above MovieLens and generator userIds (< 1e6)


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session", autouse=True)
def platform_up() -> None:
    """Fail (with the reason) when the native platform is not running: a skipped e2e tier would
    read as green."""
    s = get_settings()
    needed = {
        "kafka": ("127.0.0.1", s.kafka_port),
        "spark-thrift": (s.thrift_host, s.thrift_port),
        "mariadb": (s.mariadb_host, s.mariadb_port),
        "airflow": ("127.0.0.1", s.airflow_port),
    }
    down = [name for name, (host, port) in needed.items() if not _reachable(host, port)]
    if down:
        pytest.fail(f"platform not running ({', '.join(down)} unreachable): run ./start.sh first")


def wait_for(condition: Callable[[], Any], timeout: float, what: str, every: float = 3.0) -> Any:
    """`faults.wait_for` in this folder's argument order (the tests call it as `e2e.wait_for`)."""
    return faults.wait_for(what, condition, timeout, every)


@dataclass(frozen=True)
class UserIds:
    """The userId range of one test run: `first .. first + size - 1`."""

    first: int
    size: int

    def __getitem__(self, i: int) -> int:
        if not 0 <= i < self.size:
            raise IndexError(i)
        return self.first + i

    @property
    def last(self) -> int:
        return self.first + self.size - 1


@pytest.fixture(scope="session")
def run_id() -> int:
    return random.SystemRandom().randrange(1_000)


@pytest.fixture(scope="session")
def user_ids(run_id: int) -> Callable[[int, int], UserIds]:
    """`user_ids(slot, size)`: a per-run, per-test range of userIds (slots keep tests apart)."""

    def make(slot: int, size: int) -> UserIds:
        assert size <= 100_000 and 0 <= slot < 10
        # At most 1e9 + 999e6 + 1e6 - 1 < 2^31 - 1: userId is an INT column.
        first = USER_ID_BASE + run_id * 1_000_000 + slot * 100_000
        return UserIds(first, size)

    return make


def produce(
    events: Iterable[dict[str, Any] | bytes],
    *,
    rate: float = 0.0,
    keys: Iterable[bytes] | None = None,
    topic: str = TOPIC,
) -> int:
    """Send events (dicts as JSON, bytes as they are) through the platform's producer engine."""
    from datalake.producers import engine

    def serialize(value: dict[str, Any] | bytes) -> bytes:
        return value if isinstance(value, bytes) else engine.json_bytes(value)

    materialized = list(events)
    key_list = list(keys) if keys is not None else [None] * len(materialized)
    config = engine.producer_config(get_settings().kafka_bootstrap, **{"client.id": "movie-ratings-e2e"})
    stats = engine.run(
        zip(key_list, materialized, strict=True), topic, config, rate=rate, serializer=serialize
    )
    assert stats.delivered == len(materialized), f"only {stats.delivered} of {len(materialized)} delivered"
    return stats.delivered


@pytest.fixture(scope="module")
def sql() -> Iterator[Callable[[str], list[tuple[Any, ...]]]]:
    """Run a query on the Spark Thrift server (the platform's SQL endpoint) and fetch all rows.

    Module-scoped: closed before the stop/start test (ordered last) restarts the Thrift server.
    """
    from datalake import thrift

    conn = thrift.connect()

    def run(query: str) -> list[tuple[Any, ...]]:
        cursor = conn.cursor()
        try:
            cursor.execute(query)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    yield run
    conn.close()


def flow_started(sql: Callable[[str], list[tuple[Any, ...]]], ids: UserIds, rate: float) -> Background:
    """One rating per userId of `ids` produced at `rate` events/s in the background, returned once
    the first of them is queryable in Delta: a fault test kills something while they flow."""
    now = int(time.time())
    events = [
        {"userId": ids[i], "movieId": 1 + i % 500, "rating": 0.5 + (i % 10) / 2, "timestamp": now}
        for i in range(ids.size)
    ]
    keys = [str(ids[i]).encode() for i in range(ids.size)]
    sender = Background(lambda: produce(events, rate=rate, keys=keys), "the producer")
    wait_for(lambda: range_counts(sql, ids)[0], 120, "the first events of this run in Delta", every=1.0)
    return sender


def range_counts(sql: Callable[[str], list[tuple[Any, ...]]], ids: UserIds) -> tuple[int, int, int]:
    """(rows, distinct userIds, distinct Kafka offsets) of the streamed ratings in the id range."""
    ((rows, users, offsets),) = sql(
        "SELECT count(*), count(DISTINCT userId), count(DISTINCT kafka_partition, kafka_offset) "
        f"FROM movie_ratings.ratings WHERE source = 'stream' AND userId BETWEEN {ids.first} AND {ids.last}"
    )
    return int(rows), int(users), int(offsets)


def assert_landed_once(sql: Callable[[str], list[tuple[Any, ...]]], ids: UserIds, n: int, after: str) -> None:
    """Wait (up to 420 s) until `n` events of `ids` are in Delta, then check each is there once:
    rows = distinct userIds = distinct Kafka offsets = n."""
    counts = wait_for(
        lambda: (c := range_counts(sql, ids))[0] >= n and c,
        420,
        f"{n} events of this run in movie_ratings.ratings after {after}",
    )
    assert counts == (n, n, n), (
        f"after {after}: rows, distinct userIds, distinct offsets = {counts}, expected {n} each"
    )


# ---- the supervised stream program -------------------------------------------------------------


def stream_state() -> tuple[str, int]:
    """(supervisor state, pid) of the stream program, e.g. ("RUNNING", 1234) or ("EXITED", 0)."""
    supervisor = Supervisor(get_paths())
    state = supervisor.state(STREAM_PROGRAM)
    return state, supervisor.pid(STREAM_PROGRAM) if state == "RUNNING" else 0


def ensure_stream_running(not_pid: int = 0) -> int:
    """Start the stream program unless supervisor runs (or restarts) it; returns its new pid.

    `not_pid`: a pid just killed, which supervisor may still report for a moment.
    """

    def running() -> int:
        state, pid = stream_state()
        if state in {"STOPPED", "EXITED", "FATAL"}:
            Supervisor(get_paths()).start(STREAM_PROGRAM)
        return pid if pid and pid != not_pid else 0

    return wait_for(running, 120, f"{STREAM_PROGRAM} to be RUNNING (again)", every=1.0)


def restarted_by_supervisor(not_pid: int) -> int:
    """The stream's new pid once supervisord has restarted it by itself after `not_pid` died.

    Never starts the program: a test of recovery must see the supervisor do it (`autorestart`)."""

    def back() -> int:
        state, pid = stream_state()
        # EXITED is the moment between the death and supervisord's autorestart (its next tick, read
        # at once over XML-RPC): wait on it; a program left EXITED times this wait out. STOPPED or
        # FATAL mean supervisord gave up or was told to stop: fail at once.
        assert state not in {"STOPPED", "FATAL"}, f"supervisord did not restart {STREAM_PROGRAM}: {state}"
        return pid if pid and pid != not_pid else 0

    return wait_for(back, 120, f"supervisord to restart {STREAM_PROGRAM}", every=1.0)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def kill_stream_hard(pid: int) -> None:
    """SIGKILL the stream's JVM and its Python driver: no shutdown hook, no checkpoint commit."""
    for victim in [pid, *children(pid)]:
        try:
            os.kill(victim, 9)
        except ProcessLookupError:
            pass


# ---- the lake, read independently of Spark ------------------------------------------------------


def hdfs(*args: str) -> subprocess.CompletedProcess[str]:
    """`hdfs dfs <args>` through the Hadoop jars (no `hdfs` script is installed), as the lake's owner."""
    from datalake.platform.launch import context, spark_environment

    return subprocess.run(
        ["java", "-cp", HADOOP_CLASSPATH, "org.apache.hadoop.fs.FsShell", *args],
        env={**os.environ, "HADOOP_USER_NAME": spark_environment(context())["HADOOP_USER_NAME"]},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def hdfs_get(hdfs_path: str, local_dir: Path) -> None:
    """Copy an HDFS folder locally with the Hadoop CLI (pyarrow cannot open hdfs:// here)."""
    local_dir.parent.mkdir(parents=True, exist_ok=True)
    result = hdfs("-get", hdfs_path, str(local_dir))
    assert result.returncode == 0, f"hdfs -get {hdfs_path} failed:\n{result.stderr[-2000:]}"


def copy_delta_table(hdfs_path: str, local_dir: Path) -> Path:
    """A consistent local copy of a Delta table while writers append: log first, then the data.

    Every file the copied log references was written before its commit, so it exists when the
    data folders are copied afterwards (compaction only drops files from the log; VACUUM deletes
    them a week later).
    """
    local_dir.mkdir(parents=True)
    hdfs_get(f"{hdfs_path}/_delta_log", local_dir / "_delta_log")
    # `_last_checkpoint` is a hint, rewritten in place after each checkpoint: the copy can hold a
    # newer hint than the listing it was taken from (a checkpoint the copy lacks). Without it,
    # readers find the newest checkpoint among the copied files themselves.
    (local_dir / "_delta_log" / "_last_checkpoint").unlink(missing_ok=True)
    listed = hdfs("-ls", "-C", hdfs_path)
    assert listed.returncode == 0, f"hdfs -ls {hdfs_path} failed:\n{listed.stderr[-2000:]}"
    listing = listed.stdout.split()
    for entry in listing:
        name = entry.rstrip("/").rsplit("/", 1)[1]
        if name != "_delta_log":
            hdfs_get(entry, local_dir / name)
    return local_dir


def independent_top_movies(ratings_dir: Path, movies_dir: Path, run_date: date) -> list[tuple[Any, ...]]:
    """The daily top 100 recomputed with deltalake + DuckDB: (movieId, title, count, mean) rows."""
    import duckdb
    from datalake.jobs.movie_ratings.daily_top_movies import cutoff_epoch
    from deltalake import DeltaTable

    ratings = DeltaTable(str(ratings_dir)).to_pyarrow_dataset()  # noqa: F841 (used by DuckDB)
    movies = DeltaTable(str(movies_dir)).to_pyarrow_dataset()  # noqa: F841
    query = f"""
        WITH per_movie AS (
            SELECT r.movieId, m.title, count(r.rating) AS ratings_count, avg(r.rating) AS ratings_mean
            FROM ratings r JOIN movies m ON r.movieId = m.movieId
            WHERE r.timestamp < {cutoff_epoch(run_date)}
            GROUP BY r.movieId, m.title
        ), most_rated AS (
            SELECT * FROM per_movie ORDER BY ratings_count DESC, movieId ASC LIMIT 1000
        )
        SELECT movieId, title, ratings_count, ratings_mean
        FROM most_rated ORDER BY ratings_mean DESC, movieId ASC LIMIT 100
    """
    return duckdb.sql(query).fetchall()


# ---- the user's live tables, left as they were ---------------------------------------------------


def live_fingerprint(sql: Callable[[str], list[tuple[Any, ...]]], cut: int) -> dict[str, Any]:
    """What a user sees of the ratings up to `cut` (epoch seconds): their count, the top 100 as
    the daily job ranks them, and how many rows carry test userIds (none, outside a test run)."""
    ((count,),) = sql(f"SELECT count(*) FROM movie_ratings.ratings WHERE timestamp < {cut}")
    top = sql(f"""
        WITH per_movie AS (
            SELECT movieId, count(rating) AS n, avg(rating) AS mean FROM movie_ratings.ratings
            WHERE timestamp < {cut} GROUP BY movieId
        ), most_rated AS (SELECT * FROM per_movie ORDER BY n DESC, movieId LIMIT 1000)
        SELECT movieId, n, mean FROM most_rated ORDER BY mean DESC, movieId LIMIT 100""")
    ((tests,),) = sql(f"SELECT count(*) FROM movie_ratings.ratings WHERE userId >= {USER_ID_BASE}")
    return {"ratings": int(count), "top_100": [tuple(row) for row in top], "test_rows": int(tests)}


class LiveTables:
    """The e2e tests produce into the live topic (they test the live, supervised stream) and run
    the daily DAG, which writes the live mart. This keeps what they change: `borrow(date)` before a
    test writes a mart date saves the user's rows of that date; `restore()` deletes every test
    event from the ratings and the quarantine and puts the saved mart rows back."""

    def __init__(self, sql: Callable[[str], list[tuple[Any, ...]]]) -> None:
        self.sql = sql
        self.mart: dict[date, list[Any]] = {}

    def borrow(self, run_date: date) -> None:
        from datalake.jobs.movie_ratings.mart import mariadb_connection, read_top_movies

        if run_date not in self.mart:
            try:
                self.mart[run_date] = read_top_movies(run_date, mariadb_connection)
            except Exception as exc:  # no table yet: the user has no rows of any date
                if "doesn't exist" not in str(exc):
                    raise
                self.mart[run_date] = []

    def restore(self) -> None:
        from datalake.jobs.movie_ratings.mart import load_top_movies, mariadb_connection

        # A DELETE conflicts with any append to the partition it reads (source=stream), and the
        # live generator makes the stream append every few seconds: it pauses for the DELETEs (its
        # feed is synthetic; it resumes where it was).
        supervisor = Supervisor(get_paths())
        generating = supervisor.pid(GENERATOR_PROGRAM) != 0
        supervisor.stop(GENERATOR_PROGRAM)
        try:
            for statement in (
                f"DELETE FROM movie_ratings.ratings WHERE userId >= {USER_ID_BASE}",
                # The daily task's counts hold the test ratings too, and cannot take them out one
                # by one: emptied, they are recounted from the ratings by the next daily run.
                "DELETE FROM movie_ratings.rating_counts",
                # The tests' malformed events carry a tag "e2e-<test>-<run>-..." in their JSON.
                "DELETE FROM movie_ratings.ratings_quarantine WHERE raw_value LIKE '%\"e2e-%'",
            ):
                # The stream's last batches may still commit: retried on the new version.
                Retrying(
                    retry=retry_if_exception(lambda exc: "Concurrent" in str(exc)),
                    stop=stop_after_attempt(8),
                    wait=wait_fixed(5),
                    reraise=True,
                )(self.sql, statement)
        finally:
            if generating:
                supervisor.start(GENERATOR_PROGRAM)
        for run_date, rows in self.mart.items():
            load_top_movies(rows, run_date, mariadb_connection)


@pytest.fixture(scope="module", autouse=True)
def live_tables() -> Iterator[LiveTables]:
    """Around each movie-ratings e2e module: what a user sees after equals what they saw
    before (issue 13, finding 1: the suite once left its events in the live ratings and moved the
    next top 100). The cut is today 00:00 UTC, so the live generator's events (stamped now) do not
    count. Leftovers of an earlier, interrupted run are deleted first. Module-scoped: the restart
    tier's stop/start test restarts the Thrift server before a session's end."""
    from datetime import UTC, datetime

    from datalake.jobs.movie_ratings.daily_top_movies import cutoff_epoch
    from datalake.jobs.movie_ratings.mart import mariadb_connection, read_top_movies

    from datalake import thrift

    cut = cutoff_epoch(datetime.now(UTC).date())
    conn = thrift.connect()

    def run(query: str) -> list[tuple[Any, ...]]:
        cursor = conn.cursor()
        try:
            cursor.execute(query)
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            cursor.close()

    try:
        live = LiveTables(run)
        if live_fingerprint(run, cut)["test_rows"]:
            live.restore()
        before = live_fingerprint(run, cut)
        yield live
        live.restore()
        after = live_fingerprint(run, cut)
        assert after == before, f"the e2e tests changed the live ratings: before {before}, after {after}"
        for run_date, rows in live.mart.items():
            assert read_top_movies(run_date, mariadb_connection) == rows, (
                f"top_movies {run_date} not restored"
            )
    finally:
        conn.close()


# ---- Airflow -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def airflow() -> Any:
    from datalake.airflow_api import AirflowClient

    return AirflowClient()


def run_dag(airflow: Any, run_date: date, run_id: str | None = None, timeout: float = 420) -> str:
    """Trigger (or, given a finished `run_id`, clear) the daily DAG for `run_date`; assert success."""
    if run_id is None:
        run_id = airflow.trigger(DAG_ID, logical_date=f"{run_date.isoformat()}T00:00:00+00:00")
    else:
        airflow.clear(DAG_ID, run_id)
        # The clear resets the run to queued; wait until it is no longer the old finished state.
        wait_for(lambda: airflow.run_state(DAG_ID, run_id) not in {"success", "failed"}, 60, "the clear")
    state = airflow.wait_for_run(DAG_ID, run_id, timeout_s=timeout)
    if state != "success":
        pytest.fail(
            f"{DAG_ID} run {run_id} for {run_date} ended {state}: {airflow.failure_report(DAG_ID, run_id)}"
        )
    return run_id


def mart_rows(run_date: date) -> list[tuple[Any, ...]]:
    """MariaDB `movie_ratings.top_movies` rows of a date as (movieId, title, count, mean), by movieId."""
    from datalake.jobs.movie_ratings.mart import mariadb_connection, read_top_movies

    return [
        (r.movieId, r.title, r.ratings_count, r.ratings_mean)
        for r in read_top_movies(run_date, mariadb_connection)
    ]


def as_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


HELPERS = (
    wait_for,
    produce,
    flow_started,
    range_counts,
    assert_landed_once,
    ensure_stream_running,
    kill_stream_hard,
    restarted_by_supervisor,
    hdfs,
    copy_delta_table,
    independent_top_movies,
    run_dag,
    mart_rows,
    as_json,
)


@pytest.fixture(scope="session")
def e2e() -> types.SimpleNamespace:
    """The helpers above as one object (test modules cannot import a conftest by name)."""
    return types.SimpleNamespace(**{f.__name__: f for f in HELPERS})
