"""What a pipeline declares once and everything else derives: connector files give the lake feeds,
the generators' volumes give the DAGs' params, the bank contract gives the curated names."""

from __future__ import annotations

import json

import pytest
from datalake.generators.volumes import BankVolumes, MongoVolumes

from datalake.connect.configs import CONNECTORS_DIR
from datalake.pipelines import bank, bank_reconcile, channels, mongo
from datalake.pipelines.lake_feed import LakeFeed


@pytest.mark.parametrize("pipeline", [bank, mongo, channels], ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_a_lake_feed_is_read_from_its_connector_file(pipeline) -> None:
    config = json.loads((CONNECTORS_DIR / f"{pipeline.FEED.sink}.json").read_text())["config"]
    assert pipeline.FEED.dlq == config["errors.deadletterqueue.topic.name"]
    expected = config.get("topics.regex") or config["topics"].replace(".", r"\.")
    assert pipeline.FEED.topics == expected
    assert pipeline.FEED.sink in pipeline.CONNECTORS


def test_a_feed_without_a_file_gives_its_topics() -> None:
    feed = LakeFeed("bench-sink", r"bench\.t", "bench.dlq")
    assert (feed.topics, feed.dlq) == (r"bench\.t", "bench.dlq")


def test_volumes_from_a_runs_params_keep_known_keys_and_refuse_other_types() -> None:
    asked = {"clients": 7, "prices": False, "announce": False, "source_database": "scratch"}
    assert BankVolumes.from_params(asked) == BankVolumes(clients=7, prices=False)
    assert MongoVolumes.from_params({}) == MongoVolumes()
    with pytest.raises(TypeError, match="prices takes a bool"):
        BankVolumes.from_params({"prices": "false"})
    with pytest.raises(TypeError, match="clients takes a int"):
        BankVolumes.from_params({"clients": True})


def test_a_dags_params_are_the_volumes_fields() -> None:
    from datalake.orchestration import volume_params

    params = volume_params(BankVolumes)
    assert list(params) == ["clients", "employees", "operations", "prices", "offline_prices"]
    assert params["operations"].value == BankVolumes.operations
    assert params["prices"].schema == {"type": "boolean"}
    assert params["clients"].schema == {"type": "integer", "minimum": 0}


def test_curated_names_come_from_the_contract() -> None:
    assert bank.CURATED == tuple(check.curated_table for check in bank_reconcile.TABLES.values())
    assert bank.CURATED == (
        "financas.clients",
        "financas.employees",
        "financas.operations",
        "stock_market.ibovespa",
    )


def test_every_connector_file_belongs_to_one_pipeline() -> None:
    from datalake.connect.configs import connector_files
    from datalake.pipelines import registry

    declared = [name for pipeline in registry() for name in pipeline.connectors]
    assert sorted(declared) == sorted(path.stem for path in connector_files())
