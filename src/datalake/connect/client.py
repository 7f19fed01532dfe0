"""The Kafka Connect REST client: apply connector files, wait until RUNNING, status and offsets.

Each file is applied with `PUT /connectors/<name>/config`, which creates the connector or updates
it in place, so applying twice is safe. After the PUT we wait until the connector and every task
report RUNNING, and fail with the task's stack trace when one is FAILED, so a broken connector
stops `start.sh` instead of surfacing hours later as an empty table. Separate from the files
(`configs`, no network) and from the Kafka probes (`probes`, which read offsets through it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_fixed,
)

from datalake.connect.configs import CONNECTORS_DIR, connector_files, lint_connector, load_connector
from datalake.connect.errors import ConnectError, ConnectorFailed, ConnectUnreachable
from datalake.settings import Settings, get_settings


class _NotReady(Exception):
    """Still starting: retried by tenacity until the deadline."""


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

    @staticmethod
    def states(status: dict[str, Any] | None) -> list[str | None]:
        """The connector's state then each task's, from a status document ([] when there is none)."""
        if status is None:
            return []
        return [status.get("connector", {}).get("state")] + [t.get("state") for t in status.get("tasks", [])]

    @classmethod
    def all_running(cls, status: dict[str, Any] | None) -> bool:
        """The connector and at least one task exist, and every one of them is RUNNING."""
        states = cls.states(status)
        return len(states) > 1 and all(s == "RUNNING" for s in states)

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
            if "FAILED" in self.states(status):
                raise ConnectorFailed(name, status)
            if self.all_running(status):
                return status
            raise _NotReady(f"connector/tasks states {self.states(status)}")

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
