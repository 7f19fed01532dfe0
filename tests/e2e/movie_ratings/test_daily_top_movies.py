"""Produce -> stream -> Delta -> Airflow DAG -> MariaDB, checked against DuckDB on the Delta files.

One module-scoped scenario, three DAG runs: the run date D (random past date, so neither the
scheduler's own runs nor the trickle generator's "now" timestamps touch it), a re-run of D (clear),
and D + 1. The produced events are timestamped on D - 1, so they count for both dates, and three
boosted movies get 300 five-star ratings each, so the new events visibly change the top 100.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from datalake.generators.base import clock_on_date
from datalake.generators.movie_ratings import (
    OFFLINE_MOVIELENS_DIR,
    SyntheticRatings,
    default_catalog,
)
from datalake.jobs.movie_ratings.schemas import MOVIES, RATINGS, table_location

from datalake.settings import get_settings

pytestmark = pytest.mark.e2e

BOOSTED_MOVIES = 3
BOOST_RATINGS = 300  # per boosted movie: enough to enter the top 1000 by count
SYNTHETIC_EVENTS = 2_100
TOP_N = 100
MEAN_TOLERANCE = 1e-9


def _movie_ids() -> list[int]:
    import csv

    with (OFFLINE_MOVIELENS_DIR / "movies.csv").open(newline="", encoding="utf-8") as handle:
        return [int(row["movieId"]) for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def scenario(
    e2e: Any, run_id: int, user_ids: Any, sql: Any, airflow: Any, tmp_path_factory: Any, live_tables: Any
) -> dict[str, Any]:
    rng = random.Random(run_id)
    run_date = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 300))
    for day in (run_date, run_date + timedelta(days=1)):  # the mart dates these tests write
        live_tables.borrow(day)
    event_day = run_date - timedelta(days=1)
    boosted = sorted(rng.sample(_movie_ids(), BOOSTED_MOVIES))

    catalog, _ = default_catalog()
    synthetic = list(
        islice(SyntheticRatings(catalog, seed=run_id, clock=clock_on_date(event_day)), SYNTHETIC_EVENTS)
    )
    day_start = int(clock_on_date(event_day, base=lambda: 0.0)())
    events = [
        {"movieId": movie, "rating": 5.0, "timestamp": day_start + 3_600 + n}
        for movie in boosted
        for n in range(BOOST_RATINGS)
    ] + [{k: v for k, v in e.items() if k != "userId"} for e in synthetic]
    ids = user_ids(0, len(events))
    for i, event in enumerate(events):
        event["userId"] = ids[i]  # one userId per event: counts and duplicates are exact
    e2e.produce(events, keys=[str(e["userId"]).encode() for e in events])

    e2e.wait_for(
        lambda: e2e.range_counts(sql, ids) == (len(events),) * 3 or None,
        300,
        f"{len(events)} produced events to be queryable in movie_ratings.ratings",
    )
    first_run = e2e.run_dag(airflow, run_date)
    return {
        "run_date": run_date,
        "run_id": first_run,
        "boosted": boosted,
        "events": len(events),
        "first_mart": e2e.mart_rows(run_date),
        "tmp": tmp_path_factory.mktemp("delta"),
    }


def _assert_same(mart: list[tuple[Any, ...]], lake: list[tuple[Any, ...]], label: str) -> None:
    assert len(mart) == len(lake) == TOP_N, f"{label}: mart {len(mart)} rows, independent {len(lake)}"
    by_id = {row[0]: row for row in lake}
    assert {row[0] for row in mart} == set(by_id), (
        f"{label}: movie sets differ; only in mart {sorted({r[0] for r in mart} - set(by_id))}, "
        f"only in DuckDB {sorted(set(by_id) - {r[0] for r in mart})}"
    )
    for movie_id, title, count, mean in mart:
        _, want_title, want_count, want_mean = by_id[movie_id]
        assert (title, count) == (want_title, want_count), (
            f"{label}: movie {movie_id}: mart {(title, count)} != DuckDB {(want_title, want_count)}"
        )
        assert abs(mean - want_mean) <= MEAN_TOLERANCE, (
            f"{label}: movie {movie_id}: mean {mean} != {want_mean}"
        )


def test_top_movies_equal_an_independent_duckdb_computation(e2e: Any, scenario: dict[str, Any]) -> None:
    lake = get_settings().lake
    tmp: Path = scenario["tmp"]
    ratings = e2e.copy_delta_table(table_location(lake, RATINGS), tmp / "ratings")
    movies = e2e.copy_delta_table(table_location(lake, MOVIES), tmp / "movies")
    expected = e2e.independent_top_movies(ratings, movies, scenario["run_date"])

    _assert_same(scenario["first_mart"], expected, f"top_movies {scenario['run_date']}")
    top_ids = {row[0] for row in scenario["first_mart"]}
    missing = [m for m in scenario["boosted"] if m not in top_ids]
    assert not missing, f"boosted movies {missing} (300 five-star ratings each) are not in the top 100"


def test_rerun_same_date_is_idempotent_and_next_date_adds_its_own_rows(
    e2e: Any, scenario: dict[str, Any], airflow: Any
) -> None:
    run_date: date = scenario["run_date"]
    e2e.run_dag(airflow, run_date, run_id=scenario["run_id"])  # clear = re-run of the same logical date
    assert e2e.mart_rows(run_date) == scenario["first_mart"], f"re-running {run_date} changed its rows"

    next_date = run_date + timedelta(days=1)
    e2e.run_dag(airflow, next_date)
    next_rows = e2e.mart_rows(next_date)
    assert len(next_rows) == TOP_N, f"{next_date}: {len(next_rows)} rows in top_movies, expected {TOP_N}"
    assert {r[0] for r in next_rows} >= set(scenario["boosted"]), f"{next_date} lacks the boosted movies"
    assert e2e.mart_rows(run_date) == scenario["first_mart"], f"running {next_date} changed {run_date}'s rows"
