"""Secrets are generated once into .env, never overwritten, and the committed example has names only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from datalake.platform.secrets import GENERATED, ensure_env_file, read_env
from datalake.settings import REPO_ROOT


def test_first_run_generates_every_secret_privately(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    generated = ensure_env_file(env)
    values = read_env(env)
    assert set(generated) == set(GENERATED)
    assert all(len(values[name]) >= 20 for name in GENERATED)
    assert len({values[name] for name in GENERATED}) == len(GENERATED)  # no value reused
    assert stat.S_IMODE(env.stat().st_mode) == 0o600


def test_second_run_keeps_values_and_only_adds_missing_names(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("LAKE_MODE=native\nMARIADB_PASSWORD=kept-as-is\n")
    ensure_env_file(env)
    first = read_env(env)
    assert first["MARIADB_PASSWORD"] == "kept-as-is"
    assert ensure_env_file(env) == []
    assert read_env(env) == first


def test_env_example_lists_exactly_the_generated_names_without_values() -> None:
    example = read_env(REPO_ROOT / ".env.example")
    assert set(example) - {"LAKE_MODE"} == set(GENERATED)
    assert all(value == "" for name, value in example.items() if name != "LAKE_MODE")


def test_env_file_is_ignored_by_git() -> None:
    assert ".env" in (REPO_ROOT / ".gitignore").read_text().splitlines()


def test_settings_read_before_the_env_file_existed_are_refreshed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh clone has no .env when `lake up` starts: passwords must not stay empty."""
    from datalake.platform import runner
    from datalake.settings import Settings, get_settings

    env = tmp_path / ".env"
    monkeypatch.setattr(runner, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(Settings, "model_config", {**Settings.model_config, "env_file": env})
    get_settings.cache_clear()
    assert get_settings().airflow_admin_password == ""
    runner.ensure_secrets()
    assert get_settings().airflow_admin_password == read_env(env)["AIRFLOW_ADMIN_PASSWORD"]
    get_settings.cache_clear()
