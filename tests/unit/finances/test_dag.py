"""process_finances: scheduled on the curated tables' assets, one task per mart, gates, publish."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from datalake.pipelines.finances import resolve_date
from datalake.settings import REPO_ROOT


def test_dag_structure_and_asset_schedule() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
    assert bag.import_errors == {}
    dag = bag.dags["process_finances"]
    marts = ["channel_product_daily", "client_daily_position", "ibovespa_daily", "suspicious_activity"]
    downstream = {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}
    assert downstream == {
        "resolve_date": marts,
        **{m: ["gates"] for m in marts},
        "gates": ["publish"],
        "publish": [],
    }
    assert {a.name for a in dag.timetable.asset_condition.objects} == {
        "financas.operations",
        "financas.channel_operations",
    }
    assert dag.get_task("gates").retries == 0
    # The upstream DAGs announce those assets after their reconcile task succeeded.
    outlets = {}
    for dag_id in ("mysql_ingestion_pipeline", "streaming_operations_pipeline"):
        announce = bag.dags[dag_id].get_task("announce")
        assert announce.upstream_task_ids == {"reconcile"}
        outlets[dag_id] = {a.name for a in announce.outlets}
    assert "financas.operations" in outlets["mysql_ingestion_pipeline"]
    assert outlets["streaming_operations_pipeline"] == {"financas.channel_operations"}


def _event(day: str | None) -> SimpleNamespace:
    return SimpleNamespace(extra={"date": day} if day else {})


def test_the_date_comes_from_conf_then_the_logical_date_then_the_asset_events() -> None:
    events = {
        "ops": [_event("2026-11-27"), _event("2026-11-28")],
        "channels": [_event("2026-11-27"), _event(None)],
    }
    assert resolve_date({"date": "2026-01-05"}, None, events) == "2026-01-05"
    assert resolve_date({}, datetime(2026, 3, 4, tzinfo=UTC), events) == "2026-03-04"
    assert resolve_date({}, None, events) == "2026-11-27"  # the newest date both have reached
    with pytest.raises(ValueError, match="no date"):
        resolve_date({}, None, {})


def test_announce_carries_the_date_and_a_run_can_opt_out() -> None:
    from airflow.sdk.exceptions import AirflowSkipException

    from datalake.orchestration import announce, curated_asset

    class Events(dict):
        def __missing__(self, asset: object) -> SimpleNamespace:
            self[asset] = SimpleNamespace(extra={})
            return self[asset]

    function = announce(["financas.operations"]).function
    events = Events()
    function(ds="2026-11-28", dag_run=SimpleNamespace(conf={}), outlet_events=events)
    assert events[curated_asset("financas.operations")].extra == {"date": "2026-11-28"}
    with pytest.raises(AirflowSkipException):
        function(ds="2026-11-28", dag_run=SimpleNamespace(conf={"announce": False}), outlet_events=Events())
