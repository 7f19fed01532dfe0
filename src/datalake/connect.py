"""Kafka Connect connectors, applied declaratively from `kafka_connect/connectors/*.json`.

Each file is `{"name": ..., "config": {...}}` and is applied with `PUT /connectors/<name>/config`,
which creates the connector or updates it in place, so applying twice is safe (the seed created
connectors by hand in Control Center). After the PUT we wait until the connector and every task
report RUNNING, and fail with the task's stack trace when one is FAILED, so a broken connector
stops `start.sh` instead of surfacing hours later as an empty table.

Secrets never live in the files: they hold `${env:NAME}` placeholders that the worker resolves
with Kafka's EnvVarConfigProvider (`config.providers=env`). `lint_connector` enforces that.

CLI: `python -m datalake.connect apply kafka_connect/connectors`, `status NAME`, `plugins`, ...
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import requests
import typer
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_fixed,
)

from datalake import kafka_inspect
from datalake.settings import REPO_ROOT, Settings, get_settings

CONNECTORS_DIR = REPO_ROOT / "kafka_connect" / "connectors"

_ENV_PLACEHOLDER = re.compile(r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$")
_ANY_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
# Keys whose values are credentials (or identify them): they must come from the environment.
_SECRET_KEY = re.compile(
    r"(password|passwd|secret|token|credential|api\.key|jaas\.config|(^|\.)user(name)?$)"
)


class ConnectError(RuntimeError):
    """The Connect REST API refused a request or a connector never reached RUNNING."""


class ConnectorFailed(ConnectError):
    """The connector or one of its tasks is FAILED; the message carries the worker's trace."""

    def __init__(self, name: str, status: dict[str, Any]) -> None:
        self.name = name
        self.status = status
        parts = []
        conn = status.get("connector", {})
        if conn.get("state") == "FAILED":
            parts.append(f"connector FAILED on {conn.get('worker_id')}:\n{conn.get('trace', '(no trace)')}")
        for task in status.get("tasks", []):
            if task.get("state") == "FAILED":
                trace = task.get("trace", "(no trace)")
                parts.append(f"task {task.get('id')} FAILED on {task.get('worker_id')}:\n{trace}")
        super().__init__(f"connector {name!r} failed\n" + "\n".join(parts))


class ConnectUnreachable(ConnectError):
    """No HTTP answer from the worker (not started yet, wrong URL, timeout)."""


class _NotReady(Exception):
    """Still starting: retried by tenacity until the deadline."""


# ---- connector files -----------------------------------------------------------------------------
def lint_connector(path: Path, data: dict[str, Any] | None = None) -> list[str]:
    """Problems with a connector file: shape, name vs file name, literal secrets, bad placeholders."""
    problems: list[str] = []
    if data is None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            return [f"{path.name}: cannot read JSON: {exc}"]
    if not isinstance(data, dict) or set(data) != {"name", "config"}:
        return [f"{path.name}: expected exactly the keys 'name' and 'config'"]
    name, config = data["name"], data["config"]
    if name != path.stem:
        problems.append(f"{path.name}: name {name!r} must match the file name {path.stem!r}")
    if not isinstance(config, dict) or "connector.class" not in config:
        return [*problems, f"{path.name}: config must be an object with 'connector.class'"]
    if "name" in config and config["name"] != name:
        problems.append(f"{path.name}: config.name {config['name']!r} differs from name {name!r}")
    for key, value in config.items():
        if not isinstance(value, str):
            problems.append(f"{path.name}: {key} must be a string (Connect configs are string maps)")
            continue
        if _SECRET_KEY.search(key) and not _ENV_PLACEHOLDER.match(value):
            problems.append(f"{path.name}: {key} must be an ${{env:NAME}} placeholder, not a literal")
        for placeholder in _ANY_PLACEHOLDER.findall(value):
            if not _ENV_PLACEHOLDER.match(placeholder):
                problems.append(
                    f"{path.name}: {key} has {placeholder}; use the ${{env:NAME}} provider syntax"
                )
    return problems


def load_connector(path: Path) -> tuple[str, dict[str, str]]:
    """(name, config) of a connector file, or ConnectError listing what is wrong with it."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = lint_connector(Path(path), data)
    if problems:
        raise ConnectError("invalid connector file:\n" + "\n".join(problems))
    return data["name"], data["config"]


def connector_files(directory: Path = CONNECTORS_DIR) -> list[Path]:
    return sorted(Path(directory).glob("*.json"))


def env_names(directory: Path = CONNECTORS_DIR) -> set[str]:
    """Every variable the connector files read with ${env:NAME}: the worker's allow list."""
    names: set[str] = set()
    for path in connector_files(directory):
        names.update(re.findall(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}", path.read_text(encoding="utf-8")))
    return names


# ---- REST client ---------------------------------------------------------------------------------
def connect_auth(settings: Settings) -> tuple[str, str]:
    """The credentials of Connect's REST API (BasicAuthSecurityRestExtension, docs/security.md)."""
    return (settings.connect_admin_user, settings.connect_admin_password)


@dataclass
class ApplyResult:
    name: str
    created: bool
    status: dict[str, Any] | None


@dataclass
class ConnectClient:
    """A thin client of the Connect REST API; `session` is injectable so tests need no network."""

    url: str = ""
    session: Any = field(default_factory=requests.Session)
    timeout: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    # (user, password) for the REST API's basic authentication; default: the admin from settings.
    auth: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        s = get_settings()
        self.url = (self.url or s.connect_url).rstrip("/")
        if self.auth is None:
            self.auth = connect_auth(s)

    def _request(self, method: str, path: str, *, ok: Iterable[int] = (), **kwargs: Any) -> requests.Response:
        try:
            resp = self.session.request(
                method, f"{self.url}{path}", timeout=self.timeout, auth=self.auth, **kwargs
            )
        except requests.RequestException as exc:
            raise ConnectUnreachable(f"{method} {self.url}{path}: {type(exc).__name__}: {exc}") from exc
        if resp.status_code >= 400 and resp.status_code not in set(ok):
            raise ConnectError(f"{method} {path}: HTTP {resp.status_code}: {resp.text[:2000]}")
        return resp

    def list_plugins(self) -> list[dict[str, Any]]:
        return self._request("GET", "/connector-plugins").json()

    def connectors(self) -> list[str]:
        return self._request("GET", "/connectors").json()

    def put_config(self, name: str, config: dict[str, str]) -> bool:
        """Create or update; True when the connector was created (HTTP 201), False when updated."""
        body = {**config, "name": name}
        return self._request("PUT", f"/connectors/{name}/config", json=body).status_code == 201

    def status(self, name: str) -> dict[str, Any] | None:
        """The connector's status document, or None when no such connector exists."""
        resp = self._request("GET", f"/connectors/{name}/status", ok=(404,))
        return None if resp.status_code == 404 else resp.json()

    def restart(self, name: str, *, only_failed: bool = True) -> None:
        params = {"includeTasks": "true", "onlyFailed": str(only_failed).lower()}
        self._request("POST", f"/connectors/{name}/restart", params=params)

    def offsets(self, name: str) -> list[dict[str, Any]]:
        """Committed offsets (`GET /connectors/<name>/offsets`, Kafka Connect >= 3.5)."""
        return self._request("GET", f"/connectors/{name}/offsets").json().get("offsets", [])

    def delete(self, name: str) -> bool:
        """Delete; False when it did not exist. The connector's offsets stay in Kafka."""
        return self._request("DELETE", f"/connectors/{name}", ok=(404,)).status_code != 404

    def wait_running(self, name: str, timeout_s: float = 120.0, interval_s: float = 2.0) -> dict[str, Any]:
        """Poll until the connector and all its tasks are RUNNING; ConnectorFailed on any FAILED."""

        def check() -> dict[str, Any]:
            status = self.status(name)
            if status is None:
                raise _NotReady("not registered yet")
            tasks = status.get("tasks", [])
            states = [status.get("connector", {}).get("state")] + [t.get("state") for t in tasks]
            if "FAILED" in states:
                raise ConnectorFailed(name, status)
            if tasks and all(s == "RUNNING" for s in states):
                return status
            raise _NotReady(f"connector/tasks states {states}")

        retrying = Retrying(
            stop=stop_after_delay(timeout_s) | stop_after_attempt(max(1, int(timeout_s / interval_s)) + 1),
            wait=wait_fixed(interval_s),
            retry=retry_if_exception_type((_NotReady, ConnectUnreachable)),
            sleep=self.sleep,
        )
        try:
            return retrying(check)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            raise ConnectError(f"connector {name!r} not RUNNING after {timeout_s:.0f}s: {last}") from last

    def apply(self, path: Path, *, wait: bool = True, timeout_s: float = 120.0) -> ApplyResult:
        """PUT one connector file; restart failed tasks left from an earlier identical config."""
        name, config = load_connector(path)
        created = self.put_config(name, config)
        if not created:
            current = self.status(name) or {}
            states = [current.get("connector", {}).get("state")] + [
                t.get("state") for t in current.get("tasks", [])
            ]
            if "FAILED" in states:  # an unchanged config does not restart anything by itself
                self.restart(name)
        status = self.wait_running(name, timeout_s=timeout_s) if wait else None
        return ApplyResult(name=name, created=created, status=status)

    def apply_all(
        self,
        directory: Path = CONNECTORS_DIR,
        *,
        names: Iterable[str] | None = None,
        wait: bool = True,
        timeout_s: float = 120.0,
    ) -> list[ApplyResult]:
        """Lint every file first (nothing is applied if one is bad), then apply them in name order.

        `names` narrows it to those connectors (a pipeline's own files).
        """
        files = connector_files(directory)
        if names is not None:
            wanted = set(names)
            missing = wanted - {f.stem for f in files}
            if missing:
                raise ConnectError(f"no connector file for {sorted(missing)} in {directory}")
            files = [f for f in files if f.stem in wanted]
        if not files:
            raise ConnectError(f"no connector files in {directory}")
        problems = [p for f in files for p in lint_connector(f)]
        if problems:
            raise ConnectError("invalid connector files:\n" + "\n".join(problems))
        # Sources first: a sink subscribed by regex sees their topics without a metadata refresh.
        configs = {f: load_connector(f)[1] for f in files}
        files.sort(key=lambda f: ("sink" in configs[f]["connector.class"].lower(), f.name))
        for f in files:
            if dlq := configs[f].get("errors.deadletterqueue.topic.name"):
                ensure_dead_letter_topic(dlq)
        return [self.apply(f, wait=wait, timeout_s=timeout_s) for f in files]


# Dead letters are kept (nothing stored is lost) and timed by when they arrived: Connect copies the
# failed record's own timestamp, and a backdated one (a replayed day) would otherwise let the broker's
# time-based retention delete the dead letter at once, before any reconciliation could count it.
DEAD_LETTER_TOPIC_CONFIG = {"retention.ms": "-1", "message.timestamp.type": "LogAppendTime"}


def ensure_dead_letter_topic(topic: str, bootstrap: str = "") -> None:
    """Create a sink's dead-letter topic with DEAD_LETTER_TOPIC_CONFIG, or set that config on it."""
    from datalake.kafka_topics import ensure_topic

    ensure_topic(topic, config=DEAD_LETTER_TOPIC_CONFIG, bootstrap=bootstrap)


# ---- catching up: source offsets, topic end offsets, sink offsets -----------------------------------
TopicPartition = tuple[str, int]


def source_gtids(client: ConnectClient, name: str) -> str:
    """The GTID set in a Debezium MariaDB/MySQL connector's committed offset ('' before the first)."""
    return ";".join(str(o.get("offset", {}).get("gtids", "")) for o in client.offsets(name)).strip(";")


def sink_offsets(client: ConnectClient, name: str) -> dict[TopicPartition, int]:
    """A sink connector's committed offsets: (topic, partition) -> next offset to read."""
    out: dict[TopicPartition, int] = {}
    for item in client.offsets(name):
        part, off = item.get("partition", {}), item.get("offset", {})
        out[(part["kafka_topic"], int(part["kafka_partition"]))] = int(off["kafka_offset"])
    return out


def topic_end_offsets(pattern: str, bootstrap: str = "") -> dict[TopicPartition, int]:
    """End offsets (next offset to be written) of every partition of the topics matching `pattern`."""
    from confluent_kafka import Consumer
    from confluent_kafka import TopicPartition as KTP

    regex = re.compile(pattern)
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap or get_settings().kafka_bootstrap,
            "group.id": "lake-offset-probe",
            "enable.auto.commit": False,
        }
    )
    try:
        meta = consumer.list_topics(timeout=10)
        out: dict[TopicPartition, int] = {}
        for topic, tmeta in meta.topics.items():
            if not regex.fullmatch(topic):
                continue
            for partition in tmeta.partitions:
                _low, high = consumer.get_watermark_offsets(KTP(topic, partition), timeout=10)
                out[(topic, partition)] = high
        return out
    finally:
        consumer.close()


def dead_letters(dlq_topic: str, bootstrap: str = "", timeout_s: float = 60.0) -> set[tuple[str, int, int]]:
    """(topic, partition, offset) of every record in a dead-letter topic, from its error headers.

    Raises ConnectError when the topic could not be read to its end within `timeout_s`: a partial
    answer would make records look lost (or a lag look cleared).
    """
    from confluent_kafka import OFFSET_BEGINNING, Consumer
    from confluent_kafka import TopicPartition as KTP

    ends = topic_end_offsets(re.escape(dlq_topic), bootstrap)
    if not any(ends.values()):
        return set()
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap or get_settings().kafka_bootstrap,
            "group.id": "lake-dlq-probe",
            "enable.auto.commit": False,
        }
    )
    found: set[tuple[str, int, int]] = set()
    try:
        consumer.assign([KTP(t, p, OFFSET_BEGINNING) for (t, p) in ends])
        # A partition whose records were all deleted (retention, DeleteRecords) has start == end:
        # nothing to read there, however high its end offset.
        starts = {tp: consumer.get_watermark_offsets(KTP(*tp), timeout=10)[0] for tp in ends}
        remaining = {tp for tp, end in ends.items() if end > starts[tp]}
        deadline = time.monotonic() + timeout_s
        while remaining and time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            headers = kafka_inspect.headers(msg)
            if "__connect.errors.topic" in headers:
                found.add(
                    (
                        headers["__connect.errors.topic"],
                        int(headers["__connect.errors.partition"]),
                        int(headers["__connect.errors.offset"]),
                    )
                )
            topic, partition, offset = kafka_inspect.position(msg)
            if offset + 1 >= ends[(topic, partition)]:
                remaining.discard((topic, partition))
        if remaining:
            raise ConnectError(
                f"dead-letter topic {dlq_topic}: partitions {sorted(remaining)} not read within {timeout_s:.0f} s"
            )
        return found
    finally:
        consumer.close()


def sink_lag(
    client: ConnectClient,
    sink: str,
    pattern: str,
    dlq_topic: str | None = None,
    targets: dict[TopicPartition, int] | None = None,
) -> dict[TopicPartition, tuple[int, int]]:
    """Partitions whose records are not all committed by the sink yet: {tp: (committed, target)}.

    `targets` defaults to the topics' current end offsets. Records the sink sent to its dead-letter
    topic never land in a file, so a gap made only of dead letters does not count as lag.
    """
    targets = targets if targets is not None else topic_end_offsets(pattern)
    committed = sink_offsets(client, sink)
    lag = {
        tp: (committed.get(tp, 0), end)
        for tp, end in targets.items()
        if end > 0 and committed.get(tp, 0) < end
    }
    if lag and dlq_topic:
        dead = dead_letters(dlq_topic)
        lag = {
            tp: (have, end)
            for tp, (have, end) in lag.items()
            if not all((tp[0], tp[1], off) in dead for off in range(have, end))
        }
    return lag


# ---- CLI -----------------------------------------------------------------------------------------
app = typer.Typer(add_completion=False, help="Apply and inspect Kafka Connect connectors.")
UrlOption = Annotated[str, typer.Option(help="Connect REST URL (default: settings.connect_url)")]


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=True))


@app.command()
def apply(
    paths: Annotated[list[Path] | None, typer.Argument(help="connector files or folders")] = None,
    url: UrlOption = "",
    wait: Annotated[bool, typer.Option(help="wait until RUNNING")] = True,
    timeout: Annotated[float, typer.Option(help="seconds to wait per connector")] = 120.0,
) -> None:
    """Create or update connectors from JSON files (default: kafka_connect/connectors/)."""
    client = ConnectClient(url)
    results: list[ApplyResult] = []
    try:
        for path in paths or [CONNECTORS_DIR]:
            if path.is_dir():
                results += client.apply_all(path, wait=wait, timeout_s=timeout)
            else:
                results.append(client.apply(path, wait=wait, timeout_s=timeout))
    except ConnectError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for r in results:
        state = "RUNNING" if r.status else "submitted"
        typer.echo(f"{r.name}: {'created' if r.created else 'updated'}, {state}")


@app.command()
def lint(directory: Annotated[Path, typer.Argument()] = CONNECTORS_DIR) -> None:
    """Check connector files without contacting Connect."""
    problems = [p for f in connector_files(directory) for p in lint_connector(f)]
    for p in problems:
        typer.echo(p, err=True)
    raise typer.Exit(1 if problems else 0)


@app.command()
def status(name: str, url: UrlOption = "") -> None:
    """Print a connector's status (state, tasks, traces)."""
    _echo_json(ConnectClient(url).status(name))


@app.command("list")
def list_connectors(url: UrlOption = "") -> None:
    """Print the names of the registered connectors."""
    _echo_json(ConnectClient(url).connectors())


@app.command()
def plugins(url: UrlOption = "") -> None:
    """Print the connector plugins the worker has loaded."""
    _echo_json(ConnectClient(url).list_plugins())


@app.command()
def delete(name: str, url: UrlOption = "") -> None:
    """Delete a connector (its committed offsets stay in Kafka)."""
    typer.echo("deleted" if ConnectClient(url).delete(name) else "no such connector")


if __name__ == "__main__":
    app()
