"""The rating event sources: determinism, value domain, popularity skew, clocks, CSV replay."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path

import numpy as np
import pytest
from datalake.generators.base import EventSource, clock_on_date, keyed
from datalake.generators.movie_ratings import (
    Catalog,
    CsvReplay,
    SyntheticRatings,
    default_catalog,
)

FIXED_NOW = 1_717_243_200.0  # 2024-06-01 12:00:00 UTC


def small_catalog() -> Catalog:
    # Movie 10 is 100x as popular as movie 30, and rated much higher.
    return Catalog(
        movie_ids=np.array([10, 20, 30]),
        movie_weights=np.array([1000.0, 100.0, 10.0]),
        movie_means=np.array([4.6, 3.0, 1.2]),
        user_ids=np.array([1, 2, 3, 4]),
        user_weights=np.array([4.0, 3.0, 2.0, 1.0]),
    )


def take(source: SyntheticRatings, n: int) -> list[dict]:
    return list(islice(source, n))


def test_same_seed_same_events_and_different_seed_differs() -> None:
    first = take(SyntheticRatings(small_catalog(), seed=7, clock=lambda: FIXED_NOW, block_size=64), 500)
    again = take(SyntheticRatings(small_catalog(), seed=7, clock=lambda: FIXED_NOW, block_size=64), 500)
    other = take(SyntheticRatings(small_catalog(), seed=8, clock=lambda: FIXED_NOW, block_size=64), 500)
    assert first == again
    assert first != other
    assert isinstance(SyntheticRatings(small_catalog()), EventSource)


def test_events_have_the_contract_types_and_half_steps_in_range() -> None:
    events = take(SyntheticRatings(small_catalog(), seed=1, clock=lambda: FIXED_NOW), 20_000)
    assert set(events[0]) == {"userId", "movieId", "rating", "timestamp"}
    for event in events:
        assert type(event["userId"]) is int and type(event["movieId"]) is int
        assert type(event["rating"]) is float and type(event["timestamp"]) is int
    ratings = {e["rating"] for e in events}
    assert ratings <= {x / 2 for x in range(1, 11)}
    assert min(ratings) == 0.5 and max(ratings) == 5.0  # the noise reaches both ends
    assert {e["timestamp"] for e in events} == {int(FIXED_NOW)}


def test_popular_movies_are_drawn_more_and_rated_around_their_level() -> None:
    events = take(SyntheticRatings(small_catalog(), seed=3, clock=lambda: FIXED_NOW), 30_000)
    counts = Counter(e["movieId"] for e in events)
    assert counts[10] > 5 * counts[20] > 5 * counts[30] > 0
    mean = {m: np.mean([e["rating"] for e in events if e["movieId"] == m]) for m in (10, 30)}
    assert mean[10] > 4.0 and mean[30] < 2.0


def test_new_users_beyond_the_catalog_are_allowed() -> None:
    events = take(SyntheticRatings(small_catalog(), seed=2, new_user_share=0.2), 5_000)
    users = [e["userId"] for e in events]
    new_share = sum(u > 4 for u in users) / len(users)
    assert 0.15 < new_share < 0.25
    assert all(
        e["userId"] <= 4 for e in take(SyntheticRatings(small_catalog(), seed=2, new_user_share=0), 1000)
    )


def test_clock_is_read_per_event_not_per_block() -> None:
    ticks = iter(range(1_000, 2_000))
    events = take(SyntheticRatings(small_catalog(), seed=1, clock=lambda: float(next(ticks))), 5)
    assert [e["timestamp"] for e in events] == [1000, 1001, 1002, 1003, 1004]


def test_event_date_clock_keeps_timestamps_on_that_utc_date() -> None:
    day = date(2024, 3, 15)
    start = int(datetime(2024, 3, 15, tzinfo=UTC).timestamp())
    for real_now in (FIXED_NOW, FIXED_NOW + 11 * 3600, 2_000_000_000.0):
        stamp = clock_on_date(day, base=lambda now=real_now: now)()
        assert start <= stamp < start + 86_400
    events = take(SyntheticRatings(small_catalog(), seed=1, clock=clock_on_date(day)), 100)
    assert {datetime.fromtimestamp(e["timestamp"], UTC).date() for e in events} == {day}


def test_zipf_fallback_and_movielens_catalog() -> None:
    zipf = Catalog.zipf(n_movies=100, n_users=10)
    events = take(SyntheticRatings(zipf, seed=1), 10_000)
    counts = Counter(e["movieId"] for e in events)
    assert counts[1] > counts[10] > counts[100]
    catalog, described = default_catalog(Path("/nonexistent"))
    assert "zipf" in described and len(catalog.movie_ids) > 0


def test_catalog_from_ratings_csv_shrinks_means(tmp_path: Path) -> None:
    csv_path = tmp_path / "ratings.csv"
    csv_path.write_text("userId,movieId,rating,timestamp\n1,5,5.0,1\n2,5,5.0,2\n1,6,1.0,3\n3,7,3.0,4\n")
    catalog = Catalog.from_ratings_csv(csv_path, shrinkage=1.0)
    assert catalog.movie_ids.tolist() == [5, 6, 7]
    assert catalog.movie_weights.tolist() == [2.0, 1.0, 1.0]
    assert catalog.movie_means[0] == pytest.approx((10.0 + 3.5) / 3)  # global mean 3.5
    assert catalog.user_ids.tolist() == [1, 2, 3] and catalog.max_user_id == 3


def test_csv_replay_converts_types_and_names_bad_lines(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n\n2,10,4,1260759145\n")
    assert list(CsvReplay(good)) == [
        {"userId": 1, "movieId": 31, "rating": 2.5, "timestamp": 1260759144},
        {"userId": 2, "movieId": 10, "rating": 4.0, "timestamp": 1260759145},
    ]
    assert [k for k, _ in keyed(CsvReplay(good), "userId")] == [b"1", b"2"]
    bad = tmp_path / "bad.csv"
    bad.write_text("userId,movieId,rating,timestamp\n1,x,2.5,1\n")
    with pytest.raises(ValueError, match=r"bad.csv:2"):
        list(CsvReplay(bad))
