"""Fixtures and helpers of the bank lake's end-to-end tests (the running native platform).

Every wait is bounded and says what it waited for. The helpers talk to the real services:
MariaDB (pymysql), Kafka (confluent_kafka), Kafka Connect (REST), HDFS (WebHDFS), the Spark Thrift
server (pyhive) and Airflow (REST).

One file over 300 lines: the bank tier's helpers, one section per service (platform, MariaDB,
raw zone, faults, Airflow), shared by its four test modules.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from datalake.settings import get_settings
from tests.background import Background
from tests.faults import kill_and_wait, wait_for

DAG_ID = "mysql_ingestion_pipeline"


def wait_until(what: str, check: Callable[[], Any], timeout_s: float, interval_s: float = 2.0) -> Any:
    """`faults.wait_for`, where an exception or a string (a reason) from `check` means "not yet"."""

    def probe() -> Any:
        try:
            return check()
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"

    return wait_for(what, probe, timeout_s, interval_s, done=lambda v: bool(v) and not isinstance(v, str))


# ---- platform ---------------------------------------------------------------------------------------
def reachable() -> str | None:
    s = get_settings()
    for name, url in (
        ("Kafka Connect", s.connect_url),
        ("WebHDFS", s.webhdfs_url),
        ("Airflow", s.airflow_url),
    ):
        try:
            requests.get(url, timeout=5)
        except requests.RequestException as exc:
            return f"{name} at {url} unreachable ({type(exc).__name__}); run ./start.sh"
    return None


BANK_CONNECTORS = ("mariadb-santander", "mariadb-stock-market", "lake-sink-cdc")


def connectors_running() -> bool:
    """Every bank connector and its tasks are RUNNING now (a check; `wait_connectors_running` waits)."""
    from datalake.connect.client import ConnectClient

    client = ConnectClient()
    return all(client.all_running(client.status(name)) for name in BANK_CONNECTORS)


def wait_connectors_running(timeout_s: float) -> None:
    """Wait until every bank connector and its tasks are RUNNING; fails at once on a FAILED one."""
    from datalake.connect.client import ConnectClient

    client = ConnectClient()
    for name in BANK_CONNECTORS:
        client.wait_running(name, timeout_s=timeout_s)


def fail_on_failed_connector() -> None:
    """Fail the test at once, with the trace, when a bank connector or task is FAILED: a FAILED
    task stays so until restarted, and waiting on its offsets would only time out."""
    from datalake.connect.client import ConnectClient

    client = ConnectClient()
    for name in BANK_CONNECTORS:
        status = client.status(name) or {}
        if "FAILED" in client.states(status):
            traces = [t.get("trace", "") for t in [status.get("connector", {}), *status.get("tasks", [])]]
            pytest.fail(f"{name} is FAILED: {next((t for t in traces if t), '')[:1500]}")


def wait_lake_caught_up(timeout_s: float = 240) -> None:
    """Source -> Kafka -> raw zone, with the same checks the DAG's sensors use."""
    from datalake.pipelines import bank

    target = bank.mark_source(f"e2e-{uuid.uuid4().hex[:8]}")

    def reached() -> bool:
        fail_on_failed_connector()
        return bank.source_reached(target)[0]

    wait_until(f"Debezium offsets to reach GTIDs {target}", reached, timeout_s)
    targets = {tp: off for tp, off in bank.parse_targets(bank.end_offsets()).items()}
    wait_until(
        f"the lake sink to commit the cdc topics up to {targets}",
        lambda: not bank.lake_lag(targets),
        timeout_s,
    )


# ---- MariaDB ----------------------------------------------------------------------------------------
def mariadb_exec(*statements: str) -> list[list[tuple[Any, ...]]]:
    from datalake.mariadb import connect

    out = []
    with connect(autocommit=True) as conn, conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)
            out.append(list(cur.fetchall()))
    return out


def generate(clients: int = 0, employees: int = 0, operations: int = 0) -> dict[str, int]:
    from datalake.generators import bank as bank_gen

    from datalake.mariadb import connect

    with connect() as conn:
        return bank_gen.populate(
            conn, clients=clients, employees=employees, operations=operations, seed=int(time.time())
        ).added


# ---- raw zone (WebHDFS) ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RawFile:
    path: str
    topic: str
    partition: int
    start: int
    end: int


def _webhdfs(path: str, op: str, **params: Any) -> requests.Response:
    """As the service account: the raw zone is readable by it alone."""
    from datalake.hdfs import webhdfs

    return webhdfs("GET", path, op, **params)


def raw_topic_dir(topic: str) -> str:
    s = get_settings()
    return s.lake.raw("kafka", topic).removeprefix(s.hdfs_uri)


def raw_files(topic: str) -> list[RawFile]:
    """Committed files of one topic (temp files start with '.' and are left out)."""
    from datalake.settings import LakePaths  # noqa: F401 - documents where the layout comes from

    base = raw_topic_dir(topic)
    listing = _webhdfs(base, "LISTSTATUS")
    if listing.status_code == 404:
        return []
    listing.raise_for_status()
    files: list[RawFile] = []
    for folder in listing.json()["FileStatuses"]["FileStatus"]:
        if folder["type"] != "DIRECTORY" or not folder["pathSuffix"].startswith("dt="):
            continue
        inner = _webhdfs(f"{base}/{folder['pathSuffix']}", "LISTSTATUS").json()["FileStatuses"]["FileStatus"]
        for f in inner:
            name = f["pathSuffix"]
            if name.startswith((".", "_")) or not name.endswith(".jsonl"):
                continue
            t, p, start, end = name.removesuffix(".jsonl").rsplit("+", 3)
            files.append(RawFile(f"{base}/{folder['pathSuffix']}/{name}", t, int(p), int(start), int(end)))
    return sorted(files, key=lambda f: (f.partition, f.start))


@functools.lru_cache(maxsize=1024)
def read_raw(path: str) -> list[dict[str, Any]]:
    """A committed raw file's lines, read once per test run: a committed file never changes (its
    name is its offset range), and a fault test's checks read the same files twice."""
    response = _webhdfs(path, "OPEN")
    response.raise_for_status()
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


# ---- Thrift server ------------------------------------------------------------------------------------
def thrift_query(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    cursor = conn.cursor()
    try:
        cursor.execute(sql)
        return [tuple(r) for r in cursor.fetchall()] if cursor.description else []
    finally:
        cursor.close()


# ---- Connect worker process ---------------------------------------------------------------------------
OPERATIONS = "cdc.santander.operations"


def operations_end() -> int:
    """The end offset of `cdc.santander.operations`, summed over its partitions."""
    from datalake.connect.probes import topic_end_offsets

    return sum(off for (t, _p), off in topic_end_offsets(r"cdc\..*").items() if t == OPERATIONS)


def assert_raw_zone_exactly_once(grown: str, start: int) -> None:
    """Every offset of every `cdc.*` partition is in exactly one committed raw file (or in the
    dead-letter topic), and no file holds an offset beyond the end; the lines of `grown`'s files
    from offset `start` on (the fault's window) are the offsets their names say, once each."""
    from datalake.connect.probes import dead_letters, topic_end_offsets

    dead = dead_letters("dlq.lake-sink-cdc")
    ends = topic_end_offsets(r"cdc\..*")
    for (topic, partition), end in sorted(ends.items()):
        files = [f for f in raw_files(topic) if f.partition == partition]
        covered: list[int] = []
        for f in files:
            assert f.start <= f.end, f"bad file name {f.path}"
            covered.extend(range(f.start, f.end + 1))
        duplicates = len(covered) - len(set(covered))
        assert duplicates == 0, f"{topic}[{partition}]: {duplicates} offsets in more than one committed file"
        missing = set(range(end)) - set(covered) - {o for (t, p, o) in dead if (t, p) == (topic, partition)}
        assert not missing, (
            f"{topic}[{partition}]: {len(missing)} offsets missing, first {sorted(missing)[:10]}"
        )
        extra = set(covered) - set(range(end))
        assert not extra, f"{topic}[{partition}]: offsets beyond the end offset {end}: {sorted(extra)[:10]}"
        # Contents of every file the crash window could touch: each line is the offset its name says.
        for f in files:
            if topic == grown and f.end < start:
                continue
            offsets = [line["offset"] for line in read_raw(f.path)]
            assert offsets == list(range(f.start, f.end + 1)) or (
                set(offsets) <= set(range(f.start, f.end + 1))
                and set(range(f.start, f.end + 1)) - set(offsets)
                <= {o for (t, p, o) in dead if (t, p) == (topic, partition)}
            ), f"{f.path}: lines hold offsets {offsets[:5]}... not the file's range"
            assert len(offsets) == len(set(offsets)), f"{f.path}: duplicate lines"
            assert all(
                line["topic"] == topic and line["partition"] == partition for line in read_raw(f.path)[:1]
            )


def new_operations_in_raw(first_id: int, start: int) -> tuple[set[int], int]:
    """The operations MariaDB has with an id above `first_id` that are not in the raw zone's
    `cdc.santander.operations` files from offset `start` on, and how many inserts of those ids the
    raw zone holds twice (Debezium is at-least-once: a second copy under a new offset)."""
    new_ids = {
        row[0] for row in mariadb_exec(f"SELECT id FROM santander.operations WHERE id > {first_id}")[0]
    }
    seen = [
        line["value"]["after"]["id"]
        for f in raw_files(OPERATIONS)
        if f.end >= start
        for line in read_raw(f.path)
        if line["value"] and line["value"].get("op") in ("c", "r") and line["value"]["after"]
    ]
    return new_ids - set(seen), sum(1 for i in seen if i in new_ids) - len(new_ids & set(seen))


class CdcFault:
    """One supervised program killed with -9 while operations flow through CDC, and the raw zone
    checked after: `begin()` notes where the topic and the table stand, `kill(program, grown)` kills
    once the topic has grown by `grown` records and waits for supervisord's restart, `settle()`
    waits for the connectors and the lake, checks every offset and every new row, and returns how
    many inserts Debezium sent twice."""

    def begin(self) -> None:
        wait_connectors_running(120)
        wait_lake_caught_up(timeout_s=300)
        self.start = operations_end()
        ((self.first_id,),) = mariadb_exec("SELECT COALESCE(MAX(id), 0) FROM santander.operations")[0]

    def kill(self, program: str, grown: int) -> None:
        wait_until(
            f"{OPERATIONS} to grow by {grown} records",
            lambda: operations_end() >= self.start + grown,
            120,
            0.5,
        )
        self.restart = kill_and_wait(program)

    def settle(self) -> int:
        wait_connectors_running(240)
        wait_lake_caught_up(timeout_s=420)
        self.recovered_s = time.monotonic() - self.restart.killed_at
        assert_raw_zone_exactly_once(OPERATIONS, self.start)
        missing, resent = new_operations_in_raw(self.first_id, self.start)
        assert not missing, (
            f"{len(missing)} committed operations not in the raw zone, first {sorted(missing)[:10]}"
        )
        return resent

    @classmethod
    def during_load(cls, program: str, rows: int, grown: int, timeout_s: float) -> tuple[CdcFault, int]:
        """Generate `rows` operations in the background, kill `program` once the topic has grown by
        `grown`, wait for the generator and `settle()`: the fault (its restart's timings) and how
        many inserts Debezium sent twice."""
        fault = cls()
        fault.begin()
        loader = Background(lambda: generate(operations=rows), "the generator")
        fault.kill(program, grown=grown)
        loader.result(timeout=timeout_s)
        return fault, fault.settle()


# ---- Airflow ------------------------------------------------------------------------------------------
def trigger_dag(client: Any, conf: dict[str, Any]) -> str:
    """A manual run with a unique run id; the logical date is now (so `ds` is today, UTC)."""
    now = datetime.now(UTC)
    run_id = f"e2e__{now:%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:6]}"
    # announce=false: a test's run must not start process_finances on the live tables.
    body = {"logical_date": now.isoformat(), "dag_run_id": run_id, "conf": {**conf, "announce": False}}
    return client._call("POST", f"/dags/{DAG_ID}/dagRuns", json=body)["dag_run_id"]


def wait_success(client: Any, run_id: str, timeout_s: float = 600) -> None:
    client.wait_for_success(DAG_ID, run_id, timeout_s=timeout_s)
