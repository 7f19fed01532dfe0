"""The pure parts of `lake sql | mysql | trigger | urls | topics` (the services: tests/integration/test_cli.py)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from datalake.airflow_api import summarize_states
from datalake.cli import app
from datalake.kafka_inspect import GroupLag, Message, group_lags, latest, tail_starts
from datalake.mariadb import client_command
from datalake.platform.logins import logins
from datalake.settings import Settings
from datalake.thrift import error_message


def settings(**overrides: object) -> Settings:
    return Settings(_env_file=None, mariadb_analyst_password="s3cret", **overrides)  # type: ignore[call-arg]


def test_mysql_logs_in_as_the_analyst_and_keeps_the_password_off_the_command_line() -> None:
    argv, env = client_command(["-e", "SELECT 1"], settings(mariadb_port=3307))
    assert argv[0] == "mariadb"
    assert "--user=analyst" in argv and "--port=3307" in argv and argv[-2:] == ["-e", "SELECT 1"]
    assert env == {"MYSQL_PWD": "s3cret"}
    assert not any("s3cret" in a for a in argv)


def test_mysql_without_a_generated_password_says_what_to_run() -> None:
    with pytest.raises(ValueError, match=r"start\.sh"):
        client_command([], Settings(_env_file=None, mariadb_analyst_password=""))  # type: ignore[call-arg]


def test_urls_name_the_env_line_never_the_password() -> None:
    s = settings(airflow_admin_password="a1rfl0w", thrift_password="thr1ft")
    rows = logins(s)
    assert {r.what.split(" ")[0] for r in rows} >= {"Airflow", "MariaDB", "Spark", "Kafka", "HDFS", "MongoDB"}
    airflow = next(r for r in rows if r.what.startswith("Airflow"))
    assert (airflow.url, airflow.user, airflow.secret) == (
        "http://127.0.0.1:8080",
        "admin",
        "AIRFLOW_ADMIN_PASSWORD",
    )
    text = repr(rows)
    assert "a1rfl0w" not in text and "thr1ft" not in text and "s3cret" not in text


def test_urls_follow_the_mode() -> None:
    compose = logins(settings(lake_mode="compose"))
    assert next(r for r in compose if r.what.startswith("Airflow")).url == "http://airflow-apiserver:8080"


def test_task_states_summarised_in_order() -> None:
    assert summarize_states({"a": "success", "b": None, "c": "success", "d": "running"}) == (
        "2 success, 1 none, 1 running"
    )
    assert summarize_states({}) == "no tasks yet"


def test_lag_counts_partitions_never_committed_from_zero() -> None:
    committed = {("t", 0): 10, ("t", 1): -1001}  # -1001: librdkafka's "no committed offset"
    ends = {("t", 0): 15, ("t", 1): 7, ("t", 2): 3}
    assert group_lags(committed, ends, "g") == [GroupLag("g", "t", 10, 25)]
    assert group_lags(committed, ends, "g")[0].lag == 15


def test_tail_reads_at_most_n_per_partition_and_skips_empty_ones() -> None:
    assert tail_starts({0: (0, 100), 1: (95, 98), 2: (5, 5)}, 10) == {0: 90, 1: 95}


def test_latest_keeps_the_n_newest_across_partitions_oldest_first() -> None:
    msgs = [
        Message(p, o, ts, None, None) for p, o, ts in [(0, 1, 100), (1, 7, 300), (0, 2, 200), (1, 8, 400)]
    ]
    assert [(m.partition, m.offset) for m in latest(msgs, 3)] == [(0, 2), (1, 7), (1, 8)]


def test_thrift_error_message_is_the_servers_first_line() -> None:
    class Status:
        errorMessage = "Error running query: [TABLE_OR_VIEW_NOT_FOUND] no x\nSearch path: ..."

    class Response:
        status = Status()

    assert error_message(RuntimeError(Response())) == "[TABLE_OR_VIEW_NOT_FOUND] no x"
    assert error_message(RuntimeError("plain")) == "plain"


def test_trigger_refuses_a_bad_date_or_conf_before_calling_airflow() -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["trigger", "some_dag", "--date", "29/11/2026"]).exit_code == 2
    assert runner.invoke(app, ["trigger", "some_dag", "--conf", "{not json"]).exit_code == 2
