"""A small client of Superset's REST API: what the tests need to ask it (databases, SQL Lab,
dashboards). Logs in as the admin of `.env` with a JWT, and sends the CSRF token Superset
asks of every write (a SQL Lab execution is a POST)."""

from __future__ import annotations

from typing import Any

import requests

from datalake.settings import Settings, get_settings


class SupersetError(RuntimeError):
    """Superset refused a call; the message is Superset's own."""


class SupersetClient:
    def __init__(self, settings: Settings | None = None, timeout_s: float = 300) -> None:
        s = settings or get_settings()
        self.url = s.superset_url.rstrip("/")
        self.timeout_s = timeout_s
        self.session = requests.Session()
        login = self.session.post(
            f"{self.url}/api/v1/security/login",
            json={
                "username": s.superset_admin_user,
                "password": s.superset_admin_password,
                "provider": "db",
                "refresh": False,
            },
            timeout=30,
        )
        if login.status_code != 200:
            raise SupersetError(
                f"login as {s.superset_admin_user} refused ({login.status_code}): {login.text[:200]}"
            )
        self.session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        csrf = self._call("GET", "/api/v1/security/csrf_token/")["result"]
        self.session.headers.update({"X-CSRFToken": csrf, "Referer": self.url})

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.url}{path}", timeout=self.timeout_s, **kwargs)
        if response.status_code >= 400:
            raise SupersetError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json()

    def databases(self) -> dict[str, int]:
        """Registered databases: name -> id."""
        result = self._call("GET", "/api/v1/database/", params={"q": "(page_size:100)"})["result"]
        return {d["database_name"]: d["id"] for d in result}

    def sql(self, database: str, query: str) -> list[dict[str, Any]]:
        """Run `query` in SQL Lab on the database of that name (synchronously); its rows."""
        body = {"database_id": self.databases()[database], "sql": query, "runAsync": False}
        result = self._call("POST", "/api/v1/sqllab/execute/", json=body)
        if result.get("status") != "success":
            raise SupersetError(f"SQL Lab: {result}")
        rows: list[dict[str, Any]] = result["data"]
        return rows

    def dashboards(self) -> dict[str, int]:
        """Dashboards: slug -> id."""
        result = self._call("GET", "/api/v1/dashboard/", params={"q": "(page_size:100)"})["result"]
        return {d["slug"]: d["id"] for d in result if d.get("slug")}

    def dashboard_charts(self, slug: str) -> list[str]:
        """The chart titles on a dashboard."""
        return [c["slice_name"] for c in self._call("GET", f"/api/v1/dashboard/{slug}/charts")["result"]]
