"""streaming_operations_pipeline end to end: the five channels through Kafka into Hive.

The test's events are stamped on a day of their own (a date no scheduled run covers), so they land
in raw and Hive partitions of their own; `finally` deletes the Hive partitions (the raw files stay
under their own `dt=` folder: the lake sink recovers its position from the raw file names). It produces good events of every
channel and one bad record of each kind, kills one test producer with `kill -9` mid-run (what it
had acknowledged must reach Hive) and kills a supervised producer (the supervisor restarts it),
runs the DAG, checks rows per channel and the quarantine, clears the run and compares fingerprints.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from datalake import thrift
from datalake.settings import REPO_ROOT, get_settings
from tests.faults import wait_for

pytestmark = pytest.mark.e2e

DAG_ID = "streaming_operations_pipeline"
TOPIC = "channels.operations"
TAG = uuid.uuid4().hex[:8]
# A past date after the DAG's start_date that no scheduled run covers (catchup is off).
DAY = date(2026, 1, 1) + timedelta(days=200 + int(TAG[:4], 16) % 100)


def _sql(query: str) -> list[tuple[Any, ...]]:
    with thrift.connect() as conn:
        cursor = conn.cursor()
        for table in ("financas.channel_operations", "financas.channel_operations_quarantine"):
            cursor.execute(f"REFRESH TABLE {table}")
        cursor.execute(query)
        return cursor.fetchall()


def _produce_good(n: int) -> Counter[str]:
    from datalake.generators.base import clock_on_date
    from datalake.generators.channels import CHANNELS, events
    from datalake.producers import engine
    from datalake.producers.channels import ClientPool, counted, ensure_topic, load_clients

    servers = get_settings().kafka_bootstrap
    ensure_topic(servers)
    counts: Counter[str] = Counter()
    source = events(
        list(CHANNELS.values()), ClientPool(load_clients), seed=int(TAG, 16), clock=clock_on_date(DAY)
    )
    stats = engine.run(
        counted(source, counts),
        TOPIC,
        engine.producer_config(servers),
        max_events=n,
        timestamp=lambda e: e["timestamp"],
    )
    assert stats.delivered == n
    return counts


def _produce_bad() -> dict[str, str]:
    """One record of each kind of bad input; returns the reason expected for each operation id."""
    from confluent_kafka import Producer

    from datalake.mariadb import connect

    with connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT id, cpf, tipo_produto FROM santander.clients ORDER BY id LIMIT 1")
        client_id, cpf, product = cur.fetchone()
    ts = int(datetime.combine(DAY, datetime.min.time(), tzinfo=UTC).timestamp() * 1000) + 3_600_000

    def event(n: int, **over: Any) -> dict[str, Any]:
        base = {
            "operation_id": f"{TAG}-bad-{n}",
            "channel": "atm",
            "client_id": client_id,
            "cpf": cpf,
            "product": product,
            "operation": "saque",
            "value": 100.0,
            "online": False,
            "timestamp": ts,
            "success": True,
        }
        return {**base, **over}

    bad = {
        f"{TAG}-bad-1": (event(1, value="12,50"), "value: not a decimal(14,2): 12,50"),
        f"{TAG}-bad-2": (event(2, channel="drive_thru"), "unknown channel drive_thru"),
        f"{TAG}-bad-3": (event(3, value=-5), "value not positive: -5.00"),
        f"{TAG}-bad-4": (event(4, client_id=-42), "client_id not in santander.clients: -42"),
        f"{TAG}-bad-5": ({k: v for k, v in event(5).items() if k != "cpf"}, "cpf: missing"),
    }
    producer = Producer({"bootstrap.servers": get_settings().kafka_bootstrap, "enable.idempotence": True})
    for body, _ in bad.values():
        producer.produce(TOPIC, key=str(body.get("client_id")), value=json.dumps(body), timestamp=ts)
    duplicate = event(6)
    for _ in range(2):  # the same operation twice: a producer retry seen as two records
        producer.produce(TOPIC, key=str(client_id), value=json.dumps(duplicate), timestamp=ts)
    producer.produce(TOPIC, key="x", value=b"not json at all", timestamp=ts)  # -> the sink's DLQ
    assert producer.flush(30) == 0
    return {op: reason for op, (_, reason) in bad.items()}


def _kill_a_test_producer_mid_run() -> int:
    """A producer of this test's day, killed with SIGKILL after it reported acknowledged events."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datalake.producers.channels",
            "--channel",
            "atm",
            "--freq",
            "400",
            "--count",
            "100000",
            "--event-date",
            DAY.isoformat(),
        ],
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    acknowledged = 0
    deadline = time.monotonic() + 120
    assert proc.stderr is not None
    for line in proc.stderr:
        if match := re.search(r"delivered ([\d,]+)", line):
            acknowledged = int(match.group(1).replace(",", ""))
            if acknowledged:
                break
        assert time.monotonic() < deadline, "the producer reported no acknowledged event"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    return acknowledged


def _kill_a_supervised_producer() -> None:
    from datalake.platform.paths import get_paths
    from datalake.platform.supervisor import Supervisor

    supervisor = Supervisor(get_paths())
    before = supervisor.pid("channel-atm")
    os.kill(before, signal.SIGKILL)
    wait_for(
        "the supervisor to restart channel-atm after kill -9",
        lambda: supervisor.state("channel-atm") == "RUNNING" and supervisor.pid("channel-atm") != before,
        60,
    )


def _run(airflow: Any) -> str:
    run_id = f"e2e__channels_{TAG}"
    logical = datetime.combine(DAY, datetime.min.time(), tzinfo=UTC).isoformat()
    # announce=false: the test's day must not start process_finances on the live tables.
    airflow.trigger(DAG_ID, logical, run_id=run_id, conf={"announce": False})
    airflow.wait_for_success(DAG_ID, run_id)
    return run_id


def _fingerprint() -> list[tuple[Any, ...]]:
    where = f"WHERE op_date = DATE'{DAY.isoformat()}'"
    return [
        _sql(
            f"SELECT COUNT(*), SUM(CAST(conv(substr(sha2(to_json(struct(*)), 256), 1, 15), 16, 10) AS DECIMAL(38, 0))) "
            f"FROM {table} {where}"
        )[0]
        for table in ("financas.channel_operations", "financas.channel_operations_quarantine")
    ]


@pytest.fixture(scope="module")
def airflow() -> Any:
    from datalake.airflow_api import AirflowClient
    from datalake.pipelines import channels

    channels.setup()
    return AirflowClient().unpause_when_parsed(DAG_ID, timeout_s=180)


def test_channels_reach_hive_per_channel_with_bad_input_quarantined(airflow: Any) -> None:
    from datalake.hdfs import webhdfs

    lake = get_settings().lake
    try:
        good = _produce_good(2_000)
        reasons = _produce_bad()
        acknowledged = _kill_a_test_producer_mid_run()
        _kill_a_supervised_producer()

        run_id = _run(airflow)  # its reconcile task: Kafka's records of the day = rows + quarantine + DLQ
        rows = dict(
            _sql(
                f"SELECT channel, COUNT(*) FROM financas.channel_operations WHERE op_date = DATE'{DAY}' GROUP BY channel"
            )
        )
        assert set(rows) == set(good)
        assert all(rows[c] == good[c] for c in good if c != "atm")
        assert (
            rows["atm"] >= good["atm"] + acknowledged
        )  # nothing the killed producer had acknowledged is lost
        quarantined = {
            op: json.loads(r)
            for op, r in _sql(
                f"SELECT operation_id, reasons FROM financas.channel_operations_quarantine WHERE op_date = DATE'{DAY}'"
            )
        }
        assert {op: r for op, r in quarantined.items() if op in reasons} == {
            op: [r] for op, r in reasons.items()
        }
        assert quarantined[f"{TAG}-bad-6"] == [
            "duplicate operation_id, first at " + quarantined[f"{TAG}-bad-6"][0].split(" at ")[1]
        ]
        assert _sql(
            f"SELECT COUNT(*) FROM financas.channel_operations WHERE operation_id = '{TAG}-bad-6'"
        ) == [(1,)]

        before = _fingerprint()
        airflow.clear(DAG_ID, run_id)
        airflow.wait_for_success(DAG_ID, run_id)
        assert _fingerprint() == before
    finally:
        for table in ("channel_operations", "channel_operations_quarantine"):
            _sql(f"ALTER TABLE financas.{table} DROP IF EXISTS PARTITION (op_date = DATE'{DAY}')")
        for folder in (
            lake.curated("financas", "channel_operations"),
            lake.quarantine("financas", "channel_operations_quarantine"),
        ):
            webhdfs(
                "DELETE",
                f"{folder.removeprefix(get_settings().hdfs_uri)}/op_date={DAY}",
                "DELETE",
                recursive="true",
            )
    assert _sql(f"SELECT COUNT(*) FROM financas.channel_operations WHERE op_date = DATE'{DAY}'") == [(0,)]
