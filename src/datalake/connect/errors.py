"""The errors of the Connect package: a separate module because the connector files (`configs`),
the REST client (`client`) and the Kafka probes (`probes`) all raise `ConnectError`, and callers
catch it without caring which of them failed.
"""

from __future__ import annotations

from typing import Any


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
