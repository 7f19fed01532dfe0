"""The one mode switch picks a column of defaults; any single value can still be overridden."""

from __future__ import annotations

import pytest

from datalake.settings import LakePaths, Mode, Settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LAKE_MODE", "KAFKA_BOOTSTRAP", "GCS_BUCKET", "LAKE_ROOT"):
        monkeypatch.delenv(name, raising=False)


def _settings(**env: str) -> Settings:
    return Settings(_env_file=None, **env)


def test_native_is_the_default_and_binds_loopback() -> None:
    s = _settings()
    assert s.lake_mode is Mode.NATIVE
    assert s.kafka_bootstrap == "127.0.0.1:9092"
    assert s.lake_root == "hdfs://127.0.0.1:9000/lake"


def test_compose_mode_uses_service_names() -> None:
    s = _settings(lake_mode="compose")
    assert s.kafka_bootstrap == "kafka:9092"
    assert s.lake_root.startswith("hdfs://namenode:9000")


def test_gcp_mode_puts_the_lake_in_the_bucket() -> None:
    s = _settings(lake_mode="gcp", gcs_bucket="my-bucket")
    assert s.lake_root == "gs://my-bucket/lake"


def test_one_value_can_be_overridden_by_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "broker.example:19092")
    assert Settings(_env_file=None).kafka_bootstrap == "broker.example:19092"


def test_lake_paths_keep_checkpoints_outside_tables() -> None:
    lake = LakePaths("hdfs://nn:9000/lake/")
    assert lake.curated("movie_ratings", "ratings") == "hdfs://nn:9000/lake/curated/movie_ratings/ratings"
    assert lake.raw("kafka", "cdc.santander.clients") == "hdfs://nn:9000/lake/raw/kafka/cdc.santander.clients"
    assert not lake.checkpoint("stream").startswith(lake.curated("movie_ratings", "ratings"))
