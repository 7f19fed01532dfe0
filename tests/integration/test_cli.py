"""`lake sql | mysql | trigger | urls | topics` run as a user runs them, against the live platform."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator

import pytest
import requests
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from datalake.airflow_api import AirflowClient
from datalake.kafka_topics import delete_topics
from datalake.settings import REPO_ROOT, get_settings

LAKE = str(REPO_ROOT / ".venv" / "bin" / "lake")


def lake(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LAKE, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"},
    )


def test_sql_answers_from_the_lake_and_reports_a_bad_query_in_one_line() -> None:
    ok = lake("sql", "SELECT 40 + 2 AS answer, 'lake' AS who")
    assert ok.returncode == 0, ok.stderr
    assert re.search(r"answer .* who", ok.stdout) and re.search(r"42 .* lake", ok.stdout)
    assert "1 row(s)" in ok.stdout
    bad = lake("sql", "SELECT * FROM no_such_db.no_such_table")
    assert bad.returncode == 1
    assert "TABLE_OR_VIEW_NOT_FOUND" in bad.stdout and "org.apache.hive.service" not in bad.stdout


def test_mysql_is_the_read_only_analyst() -> None:
    who = lake("mysql", "--batch", "--skip-column-names", "-e", "SELECT CURRENT_USER()")
    assert who.returncode == 0, who.stderr
    assert who.stdout.strip() == f"{get_settings().mariadb_analyst_user}@127.0.0.1"
    write = lake("mysql", "-e", "CREATE DATABASE it_cli_should_not_exist")
    assert write.returncode != 0 and "denied" in write.stderr.lower()


@pytest.mark.airflow_run
def test_trigger_follows_a_run_to_success_and_prints_its_tasks() -> None:
    airflow = AirflowClient()
    airflow.wait_for_dag("platform_healthcheck")
    airflow.set_paused("platform_healthcheck", False)
    run = lake("trigger", "platform_healthcheck", timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"platform_healthcheck run \S+: success", run.stdout)
    run_id = re.search(r"run (\S+) for", run.stdout)
    assert run_id is not None
    tasks = airflow.task_states("platform_healthcheck", run_id.group(1))
    assert set(tasks.values()) == {"success"} and len(tasks) == 7
    for task in tasks:
        assert task in run.stdout


def test_trigger_of_an_unknown_dag_fails_with_airflows_answer() -> None:
    run = lake("trigger", "no_such_dag_it_cli")
    assert run.returncode == 1
    assert "404" in run.stdout and "Traceback" not in run.stdout + run.stderr


def test_urls_lists_every_entry_point_and_the_http_ones_answer() -> None:
    out = lake("urls")
    assert out.returncode == 0, out.stderr
    s = get_settings()
    for url in (s.airflow_url, s.connect_url, s.webhdfs_url):
        assert url in out.stdout
        assert requests.get(url, timeout=10).status_code < 500
    for secret in ("AIRFLOW_ADMIN_PASSWORD", "MARIADB_ANALYST_PASSWORD", "THRIFT_PASSWORD"):
        assert secret in out.stdout
    assert s.airflow_admin_password not in out.stdout


@pytest.fixture
def scratch_topic(unique: str) -> Iterator[str]:
    topic = f"it-cli-{unique}"
    admin = AdminClient({"bootstrap.servers": get_settings().kafka_bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=2)])[topic].result(30)
    try:
        yield topic
    finally:
        delete_topics([topic])
        admin.delete_consumer_groups([f"{topic}-group"])[f"{topic}-group"].result(30)


def test_topics_shows_records_lag_and_the_last_messages(scratch_topic: str) -> None:
    bootstrap = get_settings().kafka_bootstrap
    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(20):
        producer.produce(
            scratch_topic,
            key=f"k{i}".encode(),
            value=json.dumps({"n": i}).encode(),
            partition=i % 2,
            timestamp=1_700_000_000_000 + i,  # distinct times: "the last 4" is well defined
        )
    assert producer.flush(30) == 0
    group = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{scratch_topic}-group"})
    group.commit(
        offsets=[TopicPartition(scratch_topic, 0, 6), TopicPartition(scratch_topic, 1, 10)],
        asynchronous=False,
    )
    group.close()

    listing = lake("topics")
    assert listing.returncode == 0, listing.stderr
    assert re.search(rf"{scratch_topic}\s+.\s+2\s+.\s+20\s+.\s+20", listing.stdout), listing.stdout
    assert re.search(
        rf"{scratch_topic}-group\s+.\s+{scratch_topic}\s+.\s+16\s+.\s+20\s+.\s+4", listing.stdout
    )

    tail = lake("topics", scratch_topic, "--last", "4")
    assert tail.returncode == 0, tail.stderr
    assert "4 message(s)" in tail.stdout
    assert all(f'{{"n":{i}}}' in tail.stdout.replace(" ", "") for i in (16, 17, 18, 19))
    assert '{"n":15}' not in tail.stdout.replace(" ", "")

    missing = lake("topics", f"{scratch_topic}-absent")
    assert missing.returncode == 1 and "no topic" in missing.stdout
