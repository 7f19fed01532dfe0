"""Superset's users, databases and dashboards, as the platform wants them; run by Superset's own
interpreter (var/superset/venv) at every start, after `superset db upgrade` and `superset init`.

Idempotent: the admin gets the password of `.env`; each database is created, or its URI updated, by
name; dashboards.yaml is expanded into Superset's import bundle and imported with overwrite (every
object has a UUID derived from its name, so a re-import updates in place). Inputs come from the
environment (datalake.platform.bootstrap.init_superset): SUPERSET_ADMIN_USER,
SUPERSET_ADMIN_PASSWORD and SUPERSET_DATABASES, a JSON object of key -> [name, SQLAlchemy URI].
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import yaml

VERSION = "1.0.0"
DASHBOARDS = Path(__file__).with_name("dashboards.yaml")


def object_uuid(kind: str, key: str) -> str:
    """The same UUID for the same declaration at every start: what makes the import an update."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"datalake:superset:{kind}:{key}"))


def _dataset_ref(spec: dict[str, Any], key: str) -> str:
    """`<database>/<dataset>`: its file name in the bundle and its UUID's key. Its database in the
    key: a dataset moved to another database is a new object (Superset's import cannot move one)."""
    return f"{spec['datasets'][key]['database']}/{key}"


def _metadata(kind: str) -> str:
    return yaml.safe_dump({"version": VERSION, "type": kind, "timestamp": "2026-01-01T00:00:00+00:00"})


def bundle(spec: dict[str, Any], databases: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    """The import bundles (file name -> YAML) for datasets, charts and dashboards, from the spec."""
    files: dict[str, str] = {}
    for key, (name, uri) in databases.items():
        files[f"databases/{key}.yaml"] = yaml.safe_dump(
            {
                "database_name": name,
                "sqlalchemy_uri": uri,
                "uuid": object_uuid("database", key),
                "version": VERSION,
                "expose_in_sqllab": True,
            }
        )
    for key, dataset in spec["datasets"].items():
        temporal = set(dataset.get("time", []))
        files[f"datasets/{_dataset_ref(spec, key)}.yaml"] = yaml.safe_dump(
            {
                "table_name": key,
                "sql": dataset["sql"],
                "schema": None,
                "main_dttm_col": next(iter(dataset.get("time", [])), None),
                "uuid": object_uuid("dataset", _dataset_ref(spec, key)),
                "database_uuid": object_uuid("database", dataset["database"]),
                "version": VERSION,
                "columns": [
                    {
                        "column_name": column,
                        "type": type_,
                        "is_dttm": column in temporal,
                        "groupby": True,
                        "filterable": True,
                    }
                    for column, type_ in dataset["columns"].items()
                ],
                "metrics": [{"metric_name": "count", "expression": "COUNT(*)"}],
            }
        )
    for key, chart in spec["charts"].items():
        files[f"charts/{key}.yaml"] = yaml.safe_dump(
            {
                "slice_name": chart["title"],
                "viz_type": chart["params"]["viz_type"],
                "params": chart["params"],
                "uuid": object_uuid("chart", key),
                "dataset_uuid": object_uuid("dataset", _dataset_ref(spec, chart["dataset"])),
                "version": VERSION,
            }
        )
    for slug, dashboard in spec["dashboards"].items():
        files[f"dashboards/{slug}.yaml"] = yaml.safe_dump(
            {
                "dashboard_title": dashboard["title"],
                "slug": slug,
                "uuid": object_uuid("dashboard", slug),
                "position": _layout(dashboard, spec["charts"]),
                "metadata": {},
                "published": True,
                "version": VERSION,
            }
        )
    kinds = {"SqlaTable": ("databases/", "datasets/"), "Slice": ("databases/", "datasets/", "charts/")}
    kinds["Dashboard"] = (*kinds["Slice"], "dashboards/")
    return {
        kind: {"metadata.yaml": _metadata(kind), **{f: y for f, y in files.items() if f.startswith(prefixes)}}
        for kind, prefixes in kinds.items()
    }


def _layout(dashboard: dict[str, Any], charts: dict[str, Any]) -> dict[str, Any]:
    """Superset's dashboard layout: rows of charts, each linked by its UUID."""
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": dashboard["title"]}},
    }
    for number, row in enumerate(dashboard["rows"], start=1):
        row_id = f"ROW-{number}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for key, width in row.items():
            chart_id = f"CHART-{key}"
            position[row_id]["children"].append(chart_id)
            position[chart_id] = {
                "type": "CHART",
                "id": chart_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "width": width,
                    "height": 50,
                    "chartId": 0,  # the importer maps it to the chart of `uuid`
                    "uuid": object_uuid("chart", key),
                    "sliceName": charts[key]["title"],
                },
            }
    return position


def main() -> None:
    from superset.app import create_app  # here: the bundle above is tested without Superset

    app = create_app()
    with app.app_context():
        from superset import db, security_manager
        from superset.commands.chart.importers.v1 import ImportChartsCommand
        from superset.commands.dashboard.importers.v1 import ImportDashboardsCommand
        from superset.commands.dataset.importers.v1 import ImportDatasetsCommand
        from superset.models.core import Database
        from superset.utils.core import override_user
        from superset.utils.database import get_or_create_db

        name, password = os.environ["SUPERSET_ADMIN_USER"], os.environ["SUPERSET_ADMIN_PASSWORD"]
        user = security_manager.find_user(username=name)
        if user is None:
            admin = security_manager.find_role("Admin")
            user = security_manager.add_user(
                name, "Superset", "Admin", f"{name}@localhost", admin, password=password
            )
            if not user:
                raise SystemExit(f"could not create the Superset user {name}")
        else:
            security_manager.reset_password(user.id, password)

        databases = {key: tuple(value) for key, value in json.loads(os.environ["SUPERSET_DATABASES"]).items()}
        for key, (database_name, uri) in databases.items():
            # By its UUID first (derived from the key): a renamed database is the same object.
            known = uuid.UUID(object_uuid("database", key))
            database = db.session.query(Database).filter_by(uuid=known).first()
            if database is None:
                database = get_or_create_db(database_name, uri)
                database.uuid = known
            database.database_name = database_name
            database.set_sqlalchemy_uri(uri)
            database.expose_in_sqllab = True
            database.allow_dml = False  # read-only use: the pipelines own every table
        db.session.commit()

        spec = yaml.safe_load(DASHBOARDS.read_text())
        bundles = bundle(spec, databases)
        with override_user(user):
            for command, kind in (
                (ImportDatasetsCommand, "SqlaTable"),
                (ImportChartsCommand, "Slice"),
                (ImportDashboardsCommand, "Dashboard"),
            ):
                command(bundles[kind], overwrite=True).run()
        print(
            f"superset: admin {name}; databases {', '.join(n for n, _ in databases.values())}; "
            f"dashboards {', '.join(d['title'] for d in spec['dashboards'].values())}"
        )


if __name__ == "__main__":
    main()
