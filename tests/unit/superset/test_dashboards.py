"""services/superset/dashboards.yaml and its expansion into Superset's import bundles
(services/superset/provision.py, run at start by Superset's own interpreter; the bundle part is
plain Python and YAML)."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import yaml

from datalake.settings import REPO_ROOT

SUPERSET = REPO_ROOT / "services" / "superset"
SPEC = yaml.safe_load((SUPERSET / "dashboards.yaml").read_text())
DATABASES = {
    "lake": ("Lake (Spark Thrift)", "hive://x"),
    "results": ("Results (MariaDB)", "mysql+pymysql://x"),
}


def _provision() -> ModuleType:
    spec = importlib.util.spec_from_file_location("superset_provision", SUPERSET / "provision.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_reference_in_the_declaration_resolves() -> None:
    for key, dataset in SPEC["datasets"].items():
        assert dataset["database"] in DATABASES, key
        assert set(dataset.get("time", [])) <= set(dataset["columns"]), key
    for key, chart in SPEC["charts"].items():
        assert chart["dataset"] in SPEC["datasets"], key
    for slug, dashboard in SPEC["dashboards"].items():
        for row in dashboard["rows"]:
            assert set(row) <= set(SPEC["charts"]), slug
            assert sum(row.values()) <= 12, f"{slug}: a row wider than the grid"


def test_the_bundles_link_every_object_by_a_stable_uuid() -> None:
    provision = _provision()
    first, again = provision.bundle(SPEC, DATABASES), provision.bundle(SPEC, DATABASES)
    assert first == again  # the same UUIDs at every start: re-imports update in place
    dashboards = first["Dashboard"]
    assert yaml.safe_load(dashboards["metadata.yaml"])["type"] == "Dashboard"
    assert yaml.safe_load(first["SqlaTable"]["metadata.yaml"])["type"] == "SqlaTable"
    assert not any(name.startswith("charts/") for name in first["SqlaTable"])
    uuids = {name: yaml.safe_load(text).get("uuid") for name, text in dashboards.items()}
    for key in SPEC["charts"]:
        chart = yaml.safe_load(dashboards[f"charts/{key}.yaml"])
        dataset = SPEC["charts"][key]["dataset"]
        assert (
            chart["dataset_uuid"] == uuids[f"datasets/{SPEC['datasets'][dataset]['database']}/{dataset}.yaml"]
        )
    for slug, dashboard in SPEC["dashboards"].items():
        position = yaml.safe_load(dashboards[f"dashboards/{slug}.yaml"])["position"]
        linked = {
            node["meta"]["uuid"]
            for node in position.values()
            if isinstance(node, dict) and node.get("type") == "CHART"
        }
        declared = {uuids[f"charts/{key}.yaml"] for row in dashboard["rows"] for key in row}
        assert linked == declared, slug
