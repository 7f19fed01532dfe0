"""process_finances (BRIEF §4.2): which date a run builds; the marts themselves are in jobs/finances/.

The DAG is scheduled on the curated tables' assets; nothing runs under the supervisor and there is
nothing to set up (the gold Delta tables and the MariaDB tables are created by the first publish).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from datalake.pipelines import Pipeline

DAG_ID = "process_finances"


def resolve_date(
    conf: Mapping[str, Any], logical_date: datetime | None, events: Mapping[Any, Any] | None
) -> str:
    """The date to build: `conf["date"]`, else the logical date of a manual run, else the newest
    date that every triggering asset has reached (each upstream task puts its date in the event)."""
    if conf.get("date"):
        return str(conf["date"])
    if logical_date is not None:
        return logical_date.date().isoformat()
    reached = []
    for asset_events in (events or {}).values():
        dates = [e.extra["date"] for e in asset_events if (e.extra or {}).get("date")]
        if dates:
            reached.append(max(dates))
    if not reached:
        raise ValueError("no date: trigger with conf {'date': 'YYYY-MM-DD'} or a logical date")
    return min(reached)


PIPELINE = Pipeline(name="finances", dags=(DAG_ID,))
