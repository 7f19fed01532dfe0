"""Structural checks of terraform/ (no provider, no GCP: the registry is out of reach here).

`terraform fmt -check` runs in run_tests.sh; `init/plan/apply` need a machine with internet and GCP
credentials (terraform/README.md). What can be checked offline is checked here: the resources
are there, nothing is public, every variable is used and described.
"""

from __future__ import annotations

import re
from typing import Any

import hcl2
import pytest

from datalake.settings import REPO_ROOT, Settings

TERRAFORM = REPO_ROOT / "terraform"


def _unquote(value: Any) -> Any:
    """python-hcl2 8 keeps HCL's quotes on keys and strings; the checks compare bare values."""
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


@pytest.fixture(scope="module")
def config() -> dict[str, list[Any]]:
    merged: dict[str, list[Any]] = {}
    for path in sorted(TERRAFORM.glob("*.tf")):
        for key, blocks in _unquote(hcl2.loads(path.read_text())).items():
            merged.setdefault(key, []).extend(blocks)
    return merged


def _resources(config: dict[str, list[Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: body
        for block in config["resource"]
        for k, named in block.items()
        if k == kind
        for name, body in named.items()
    }


def _source() -> str:
    return "\n".join(p.read_text() for p in sorted(TERRAFORM.glob("*.tf*")))


def test_the_platform_resources_are_declared(config: dict[str, list[Any]]) -> None:
    kinds = {k for block in config["resource"] for k in block}
    assert {
        "google_storage_bucket",
        "google_dataproc_cluster",
        "google_compute_instance",
        "google_compute_firewall",
        "google_service_account",
        "google_compute_router_nat",
    } <= kinds


def test_buckets_are_private_versioned_and_the_raw_zone_expires(config: dict[str, list[Any]]) -> None:
    buckets = _resources(config, "google_storage_bucket")
    for bucket in buckets.values():
        assert bucket["uniform_bucket_level_access"] is True
        assert bucket["public_access_prevention"] == "enforced"
    lake = buckets["lake"]
    assert lake["versioning"][0]["enabled"] is True
    prefixes = [rule["condition"][0].get("matches_prefix") for rule in lake["lifecycle_rule"]]
    assert ["lake/raw/"] in prefixes
    assert not re.search(r"allUsers|allAuthenticatedUsers", _source())


def test_no_ingress_from_anywhere_and_ssh_only_through_iap(config: dict[str, list[Any]]) -> None:
    for name, rule in _resources(config, "google_compute_firewall").items():
        assert rule.get("direction", "INGRESS") == "INGRESS", name
        ranges = rule.get("source_ranges", [])
        assert "0.0.0.0/0" not in ranges and "::/0" not in ranges, name
        assert ranges or rule.get("source_service_accounts"), f"{name} has no source restriction"
        ports = {p for allow in rule["allow"] for p in allow.get("ports", [])}
        if "22" in ports:
            assert ranges == ["35.235.240.0/20"], f"{name}: SSH only from IAP's range"


def test_nothing_gets_an_external_ip(config: dict[str, list[Any]]) -> None:
    vm = _resources(config, "google_compute_instance")["platform"]
    assert all("access_config" not in nic for nic in vm["network_interface"])
    cluster = _resources(config, "google_dataproc_cluster")["named"]
    assert cluster["cluster_config"][0]["gce_cluster_config"][0]["internal_ip_only"] is True


def test_service_accounts_have_no_owner_or_editor_role() -> None:
    roles = set(re.findall(r'"(roles/[A-Za-z.]+)"', _source()))
    assert roles and not roles & {"roles/owner", "roles/editor", "roles/storage.admin"}


def test_every_variable_is_described_and_used(config: dict[str, list[Any]]) -> None:
    variables = {name: body for block in config["variable"] for name, body in block.items()}
    source = _source()
    for name, body in variables.items():
        assert body.get("description"), f"variable {name} has no description"
        assert re.search(rf"var\.{name}\b", source), f"variable {name} is never used"


def test_the_vm_writes_only_env_names_settings_knows() -> None:
    script = (TERRAFORM / "startup.sh.tftpl").read_text()
    names = set(re.findall(r'"([A-Z_]+)=', script))
    assert names and {n.lower() for n in names} <= set(Settings.model_fields)


def test_dataproc_gets_the_pinned_jars_without_an_initialisation_script(config: dict[str, list[Any]]) -> None:
    cluster = _resources(config, "google_dataproc_cluster")["named"]["cluster_config"][0]
    assert "initialization_action" not in cluster
    assert "spark:spark.jars" in _source() and "io.delta.sql.DeltaSparkSessionExtension" in _source()


def test_the_terraform_folder_has_its_readme() -> None:
    readme = (TERRAFORM / "README.md").read_text()
    for command in ("terraform init", "terraform plan", "terraform apply"):
        assert command in readme
