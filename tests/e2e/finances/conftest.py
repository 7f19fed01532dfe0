"""Fixtures of the process_finances end-to-end tests; the helpers are in `finances_e2e.py`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from finances_e2e import DAG_ID, Scratch


@pytest.fixture(scope="module")
def airflow() -> Any:
    from datalake.airflow_api import AirflowClient

    return AirflowClient().unpause_when_parsed(DAG_ID, timeout_s=180)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Scratch]:
    """The module's own databases, dropped at its end with its runs' staging folders."""
    databases = Scratch()
    databases.create()
    try:
        yield databases
    finally:
        databases.drop()
