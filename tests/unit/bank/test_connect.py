"""The Kafka Connect client and the connector files: lint, create-or-update, wait RUNNING,
restart failed tasks, prune; against a fake REST session (tests/fakes.py).

One file over 300 lines: the client's cases and the connector files' lint are tested together,
against one fake REST session.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from datalake.connect import configs
from datalake.connect.client import ConnectClient
from datalake.connect.errors import ConnectError, ConnectorFailed, ConnectUnreachable
from tests.fakes import FakeResponse, FakeSession

CONNECTORS = configs.CONNECTORS_DIR


def _status(state: str, *tasks: str, trace: str = "") -> FakeResponse:
    return FakeResponse(
        200,
        {
            "name": "c",
            "connector": {"state": state, "worker_id": "w:8083"},
            "tasks": [
                {"id": i, "state": s, "worker_id": "w:8083", **({"trace": trace} if s == "FAILED" else {})}
                for i, s in enumerate(tasks)
            ],
        },
    )


def _client(routes: dict[tuple[str, str], list[Any]]) -> tuple[ConnectClient, FakeSession]:
    session = FakeSession(routes)
    return ConnectClient("http://connect:8083/", session=session, timeout=3.0, sleep=lambda _: None), session


def _write(tmp_path: Path, name: str, config: dict[str, str], file_name: str | None = None) -> Path:
    path = tmp_path / f"{file_name or name}.json"
    path.write_text(json.dumps({"name": name, "config": config}))
    return path


GOOD = {"connector.class": "io.example.Source", "database.password": "${env:DB_PASSWORD}"}


# ---- REST client ---------------------------------------------------------------------------------
def test_apply_puts_config_and_waits_until_running(tmp_path: Path) -> None:
    path = _write(tmp_path, "src-a", GOOD)
    client, session = _client(
        {
            ("PUT", "/connectors/src-a/config"): [FakeResponse(201, {"name": "src-a"})],
            ("GET", "/connectors/src-a/status"): [
                FakeResponse(404, {}),
                _status("RUNNING"),  # no tasks yet
                _status("RUNNING", "UNASSIGNED"),
                _status("RUNNING", "RUNNING"),
            ],
        }
    )
    result = client.apply(path, timeout_s=60)
    assert result.created and result.status["tasks"][0]["state"] == "RUNNING"
    put = session.calls[0]
    assert put["method"] == "PUT" and put["json"] == {**GOOD, "name": "src-a"}
    assert all(c["timeout"] == 3.0 for c in session.calls)
    assert session.served[("GET", "/connectors/src-a/status")] == 4


def test_apply_update_is_idempotent_and_restarts_failed_leftovers(tmp_path: Path) -> None:
    path = _write(tmp_path, "src-a", GOOD)
    client, session = _client(
        {
            ("PUT", "/connectors/src-a/config"): [FakeResponse(200, {"name": "src-a"})],
            ("GET", "/connectors/src-a/status"): [
                _status("RUNNING", "FAILED"),
                _status("RUNNING", "RUNNING"),
            ],
            ("POST", "/connectors/src-a/restart"): [FakeResponse(202, {})],
        }
    )
    result = client.apply(path)
    assert not result.created
    restart = [c for c in session.calls if c["method"] == "POST"]
    assert restart and restart[0]["params"] == {"includeTasks": "true", "onlyFailed": "true"}


def test_failed_task_raises_with_trace() -> None:
    client, _ = _client(
        {
            ("GET", "/connectors/c/status"): [
                _status("RUNNING", "RUNNING", "FAILED", trace="java.sql.SQLException: Access denied")
            ]
        }
    )
    with pytest.raises(ConnectorFailed) as info:
        client.wait_running("c", timeout_s=10)
    assert "task 1 FAILED" in str(info.value) and "Access denied" in str(info.value)


def test_wait_gives_up_with_clear_error() -> None:
    client, session = _client({("GET", "/connectors/c/status"): [_status("RUNNING", "UNASSIGNED")]})
    with pytest.raises(ConnectError, match="not RUNNING after 10s"):
        client.wait_running("c", timeout_s=10, interval_s=2)
    assert 1 < len(session.calls) <= 7  # bounded by attempts, not only wall time


def test_wait_retries_while_worker_unreachable() -> None:
    client, _ = _client(
        {
            ("GET", "/connectors/c/status"): [
                requests.ConnectionError("refused"),
                _status("RUNNING", "RUNNING"),
            ]
        }
    )
    assert client.wait_running("c", timeout_s=10)["connector"]["state"] == "RUNNING"


def test_http_errors_carry_the_body() -> None:
    client, _ = _client(
        {
            ("PUT", "/connectors/c/config"): [
                FakeResponse(400, {"message": "Connector configuration is invalid"})
            ]
        }
    )
    with pytest.raises(ConnectError, match=r"HTTP 400.*configuration is invalid"):
        client.put_config("c", {"connector.class": "x"})


def test_unreachable_worker() -> None:
    client, _ = _client({("GET", "/connector-plugins"): [requests.ConnectionError("refused")]})
    with pytest.raises(ConnectUnreachable):
        client.list_plugins()


def test_status_delete_plugins_list() -> None:
    client, session = _client(
        {
            ("GET", "/connector-plugins"): [
                FakeResponse(200, [{"class": "io.debezium.connector.mariadb.MariaDbConnector"}])
            ],
            ("GET", "/connectors"): [FakeResponse(200, ["a"])],
            ("DELETE", "/connectors/a"): [FakeResponse(204)],
        }
    )
    assert client.list_plugins()[0]["class"].endswith("MariaDbConnector")
    assert client.connectors() == ["a"]
    assert client.status("missing") is None
    assert client.delete("a") is True
    assert client.delete("missing") is False
    assert session.calls[-1]["method"] == "DELETE"


def test_apply_all_lints_first_and_orders_sources_before_sinks(tmp_path: Path) -> None:
    _write(tmp_path, "a-sink", {"connector.class": "io.example.LakeSinkConnector"})
    _write(tmp_path, "b-source", {"connector.class": "io.example.Source"})
    routes: dict[tuple[str, str], list[Any]] = {}
    for name in ("a-sink", "b-source"):
        routes[("PUT", f"/connectors/{name}/config")] = [FakeResponse(201, {})]
        routes[("GET", f"/connectors/{name}/status")] = [_status("RUNNING", "RUNNING")]
    client, session = _client(routes)
    results = client.apply_all(tmp_path)
    assert [r.name for r in results] == ["b-source", "a-sink"]

    _write(tmp_path, "c-bad", {"connector.class": "x", "database.password": "hunter2"})
    session.calls.clear()
    with pytest.raises(ConnectError, match=r"database\.password"):
        client.apply_all(tmp_path)
    assert session.calls == []  # nothing applied when any file is bad


# ---- lint ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("config", "file_name", "problem"),
    [
        ({"connector.class": "x", "database.password": "secret"}, None, "database.password"),
        ({"connector.class": "x", "database.user": "root"}, None, "database.user"),
        ({"connector.class": "x", "sasl.jaas.config": "PlainLoginModule required"}, None, "jaas"),
        ({"connector.class": "x", "database.password": "${MARIADB_PASSWORD}"}, None, "provider syntax"),
        ({"connector.class": "x", "lake.url": "${file:/etc/x:y}"}, None, "provider syntax"),
        ({"connector.class": "x", "tasks.max": 1}, None, "must be a string"),
        ({"connector.class": "x"}, "other-name", "must match the file name"),
        ({"tasks.max": "1"}, None, "connector.class"),
    ],
)
def test_lint_catches(tmp_path: Path, config: dict[str, Any], file_name: str | None, problem: str) -> None:
    path = _write(tmp_path, "conn", config, file_name)
    problems = configs.lint_connector(path)
    assert any(problem in p for p in problems), problems


def test_lint_accepts_placeholders(tmp_path: Path) -> None:
    path = _write(tmp_path, "conn", {**GOOD, "database.user": "${env:DB_USER}", "key.converter": "x"})
    assert configs.lint_connector(path) == []


# ---- the repository's connector files ------------------------------------------------------------
FILES = configs.connector_files(CONNECTORS)


def test_every_connector_file_belongs_to_a_pipeline() -> None:
    from datalake.pipelines import bank, channels, mongo

    assert {f.stem for f in FILES} == {*bank.CONNECTORS, *mongo.CONNECTORS, *channels.CONNECTORS}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_connector_file_is_clean(path: Path) -> None:
    assert configs.lint_connector(path) == []
    name, config = configs.load_connector(path)
    assert name == path.stem
    for key, value in config.items():
        if any(word in key for word in ("password", "secret", "token")):
            assert value.startswith("${env:") and value.endswith("}"), key
    # JSON without embedded schemas, or the text as it is (the Mongo source's Extended JSON, keys)
    json, text = (
        "org.apache.kafka.connect.json.JsonConverter",
        "org.apache.kafka.connect.storage.StringConverter",
    )
    for side in ("key", "value"):
        assert config[f"{side}.converter"] in (json, text)
        if config[f"{side}.converter"] == json:
            assert config[f"{side}.converter.schemas.enable"] == "false"


@pytest.mark.parametrize(
    ("file", "database", "tables"),
    [
        ("mariadb-santander", "santander", ["clients", "employees", "operations"]),
        ("mariadb-stock-market", "stock_market", ["ibovespa"]),
    ],
)
def test_debezium_sources(file: str, database: str, tables: list[str]) -> None:
    import re

    _, config = configs.load_connector(CONNECTORS / f"{file}.json")
    assert config["connector.class"] == "io.debezium.connector.mariadb.MariaDbConnector"
    assert config["topic.prefix"] == f"mariadb_{database}"
    assert config["database.include.list"] == database
    # + the watermark table the DAG's sensor commits to after generating (datalake.mariadb)
    assert config["table.include.list"].split(",") == [f"{database}.{t}" for t in [*tables, "cdc_watermark"]]
    assert int(config["heartbeat.interval.ms"]) > 0
    assert config["schema.history.internal.kafka.topic"] == f"_schema-history.{database}"
    assert config["schema.history.internal.kafka.bootstrap.servers"] == "${env:KAFKA_BOOTSTRAP}"
    assert config["database.hostname"] == "${env:MARIADB_HOST}"
    assert config["snapshot.mode"] == "initial"
    assert config["decimal.handling.mode"] == "string"
    assert config["time.precision.mode"] == "connect"
    assert config["tombstones.on.delete"] == "true"
    assert not any("unwrap" in k or "ExtractNewRecordState" in v for k, v in config.items())
    # the RegexRouter (Java regex; this subset behaves the same in Python) renames every table topic
    regex = re.compile(config["transforms.route.regex"])
    replacement = config["transforms.route.replacement"].replace("$1", r"\1")
    for table in tables:
        topic = f"{config['topic.prefix']}.{database}.{table}"
        assert regex.fullmatch(topic)
        assert regex.sub(replacement, topic) == f"cdc.{database}.{table}"


def test_debezium_server_ids_are_unique() -> None:
    ids = [
        configs.load_connector(CONNECTORS / f"{f}.json")[1]["database.server.id"]
        for f in ("mariadb-santander", "mariadb-stock-market")
    ]
    assert len(set(ids)) == 2 and all(i.isdigit() and int(i) > 0 for i in ids)


def test_lake_sink() -> None:
    import re

    _, config = configs.load_connector(CONNECTORS / "lake-sink-cdc.json")
    assert config["connector.class"] == "io.datalake.connect.lake.LakeSinkConnector"
    assert config["lake.url"] == "${env:LAKE_FS_URL}"
    assert config["topics.dir"] == "${env:LAKE_RAW_KAFKA_DIR}"
    pattern = re.compile(config["topics.regex"])
    assert pattern.fullmatch("cdc.santander.operations") and pattern.fullmatch("cdc.stock_market.ibovespa")
    assert not pattern.fullmatch("dlq.lake-sink-cdc") and not pattern.fullmatch("_schema-history.santander")
    assert config["errors.tolerance"] == "all"
    assert config["errors.deadletterqueue.topic.name"] == "dlq.lake-sink-cdc"
    assert config["errors.deadletterqueue.topic.replication.factor"] == "1"
    assert config["errors.deadletterqueue.context.headers.enable"] == "true"
    assert config["errors.log.enable"] == "true"
    assert int(config["flush.size"]) > 0 and int(config["rotate.interval.ms"]) > 0


def test_mongo_source_captures_the_marketing_collections_with_full_documents() -> None:
    import json

    _, config = configs.load_connector(CONNECTORS / "mongo-santander-marketing.json")
    assert config["connector.class"] == "com.mongodb.kafka.connect.MongoSourceConnector"
    assert config["connection.uri"] == "${env:MONGO_URI}"
    assert config["database"] == "santander_marketing" and config["topic.prefix"] == "mongo"
    (match,) = json.loads(config["pipeline"])
    assert set(match["$match"]["ns.coll"]["$in"]) == {"facebook", "public_survey", "cdc_watermark"}
    assert config["startup.mode"] == "copy_existing"
    assert config["change.stream.full.document"] == "updateLookup"
    assert config["publish.full.document.only"] == "false"  # deletes need the event, not only the document
    assert config["output.json.formatter"].endswith("ExtendedJson")
    assert config["mongo.errors.tolerance"] == "all" and config["mongo.errors.deadletterqueue.topic.name"]


@pytest.mark.parametrize(
    ("name", "topic"),
    [
        ("lake-sink-mongo", "mongo.santander_marketing.facebook"),
        ("lake-sink-channels", "channels.operations"),
    ],
)
def test_every_lake_sink_lands_only_its_topics_with_a_dead_letter_queue(name: str, topic: str) -> None:
    import re

    _, config = configs.load_connector(CONNECTORS / f"{name}.json")
    assert config["connector.class"] == "io.datalake.connect.lake.LakeSinkConnector"
    topics = re.compile(config.get("topics.regex") or re.escape(config["topics"]))
    assert topics.fullmatch(topic) and not topics.fullmatch("cdc.santander.operations")
    assert (
        config["errors.tolerance"] == "all" and config["errors.deadletterqueue.topic.name"] == f"dlq.{name}"
    )
