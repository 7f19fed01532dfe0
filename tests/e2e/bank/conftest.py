"""Fixtures of the bank lake's end-to-end tests; the helpers they use are in `bank_e2e.py`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from bank_e2e import DAG_ID, reachable


@pytest.fixture(scope="session")
def bank_platform() -> None:
    """The platform is up (else the test fails: a skipped e2e tier would read as green) and the bank
    pipeline's setup has run (idempotent, so run it again)."""
    reason = reachable()
    if reason:
        pytest.fail(reason)
    from datalake.pipelines import bank

    bank.setup()


@pytest.fixture
def thrift() -> Iterator[Any]:
    from datalake.pipelines.bank_reconcile import connect_curated

    conn = connect_curated()
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def airflow(bank_platform: None) -> Any:
    from datalake.airflow_api import AirflowClient

    return AirflowClient().unpause_when_parsed(DAG_ID, timeout_s=180)
