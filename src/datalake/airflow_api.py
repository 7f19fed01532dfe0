"""A small client of Airflow 3's REST API (login with the admin password from `.env`).

Used by `lake` to unpause pipelines after start-up and by the tests to run DAGs end to end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from datalake.settings import get_settings
from datalake.waiting import wait_until

FINISHED = {"success", "failed"}


def summarize_states(states: Mapping[str, str | None]) -> str:
    """`{"a": "success", "b": None, "c": "success"}` -> "2 success, 1 none": counts, in task order."""
    counts: dict[str, int] = {}
    for state in states.values():
        counts[state or "none"] = counts.get(state or "none", 0) + 1
    return ", ".join(f"{n} {state}" for state, n in counts.items()) or "no tasks yet"


class AirflowError(RuntimeError):
    pass


@dataclass
class AirflowClient:
    url: str = ""
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        s = get_settings()
        self.url = (self.url or s.airflow_url).rstrip("/")
        response = self.session.post(
            f"{self.url}/auth/token",
            json={"username": s.airflow_admin_user, "password": s.airflow_admin_password},
            timeout=10,
        )
        if response.status_code not in (200, 201):
            raise AirflowError(f"login to {self.url} failed: {response.status_code} {response.text[:200]}")
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.url}/api/v2{path}", timeout=30, **kwargs)
        if response.status_code >= 400:
            raise AirflowError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def dag_ids(self) -> list[str]:
        return [d["dag_id"] for d in self._call("GET", "/dags", params={"limit": 200})["dags"]]

    def wait_for_dag(self, dag_id: str, timeout_s: float = 120) -> None:
        """New DAG files are picked up by the dag-processor on its next scan."""
        wait_until(
            self.dag_ids,
            lambda ids: dag_id in ids,
            timeout_s=timeout_s,
            every_s=2,
            timeout_error=lambda _: AirflowError(
                f"DAG {dag_id} not parsed within {timeout_s}s (see `lake logs airflow-dag-processor`)"
            ),
        )

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self._call("PATCH", f"/dags/{dag_id}", json={"is_paused": paused})

    def unpause_when_parsed(self, dag_id: str, timeout_s: float = 120) -> AirflowClient:
        """Wait for the DAG's first parse, then unpause it (a new DAG starts paused); returns self."""
        self.wait_for_dag(dag_id, timeout_s=timeout_s)
        self.set_paused(dag_id, False)
        return self

    def trigger(
        self, dag_id: str, logical_date: str, run_id: str | None = None, conf: dict[str, Any] | None = None
    ) -> str:
        body: dict[str, Any] = {"logical_date": logical_date}
        if run_id:
            body["dag_run_id"] = run_id
        if conf:
            body["conf"] = conf
        return self._call("POST", f"/dags/{dag_id}/dagRuns", json=body)["dag_run_id"]

    def clear(self, dag_id: str, run_id: str) -> None:
        """Re-run every task of a finished run (what "Clear" does in the UI)."""
        self._call("POST", f"/dags/{dag_id}/dagRuns/{run_id}/clear", json={"dry_run": False})

    def runs(self, dag_id: str, **params: Any) -> list[dict[str, Any]]:
        """The DAG's runs, filtered by the API's query parameters (e.g. run_type="scheduled")."""
        return self._call("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100, **params})["dag_runs"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self._call("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        return {t["task_id"]: t["state"] for t in self.task_instances(dag_id, run_id)}

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> list[str]:
        """The lines of one try's log (Airflow 3 serves them as structured events)."""
        data = self._call(
            "GET",
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            params={"full_content": "true"},
            headers={"Accept": "application/json"},
        )
        content = data.get("content", []) if isinstance(data, dict) else []
        if isinstance(content, str):
            return content.splitlines()
        lines = []
        for event in content:
            if isinstance(event, dict):
                text = str(event.get("event", ""))
                if event.get("error_detail"):
                    text += f" {event['error_detail']}"
                lines.extend(text.splitlines())
            else:
                lines.extend(str(event).splitlines())
        return lines

    def failure_report(self, dag_id: str, run_id: str, tail: int = 40) -> str:
        """Task states, then the last lines of each failed task's log: what a failed test should print."""
        tasks = self.task_instances(dag_id, run_id)
        report = [f"tasks { ({t['task_id']: t['state'] for t in tasks}) }"]
        for t in tasks:
            if t["state"] != "failed":
                continue
            try:
                lines = self.task_log(dag_id, run_id, t["task_id"], max(int(t.get("try_number") or 1), 1))
            except AirflowError as e:
                lines = [f"(log unavailable: {e})"]
            report.append(f"--- {t['task_id']} (try {t.get('try_number')}), last {tail} log lines:")
            report.extend(line if len(line) <= 3000 else line[:3000] + " [...]" for line in lines[-tail:])
        return "\n".join(report)

    def wait_for_run(
        self, dag_id: str, run_id: str, timeout_s: float = 900, on_poll: Callable[[str], None] | None = None
    ) -> str:
        """The run's final state; `on_poll(state)` is called at each poll while it runs (progress)."""

        def poll() -> str:
            state = self.run_state(dag_id, run_id)
            if state not in FINISHED and on_poll is not None:
                on_poll(state)
            return state

        return wait_until(
            poll,
            lambda state: state in FINISHED,
            timeout_s=timeout_s,
            every_s=3,
            timeout_error=lambda state: AirflowError(
                f"{dag_id} run {run_id} still {state} after {timeout_s}s"
            ),
        )

    def wait_for_success(self, dag_id: str, run_id: str, timeout_s: float = 900) -> None:
        """Wait for the run to finish; AirflowError with the failure report unless it succeeded."""
        state = self.wait_for_run(dag_id, run_id, timeout_s=timeout_s)
        if state != "success":
            raise AirflowError(f"{dag_id} run {run_id} ended {state}: {self.failure_report(dag_id, run_id)}")
