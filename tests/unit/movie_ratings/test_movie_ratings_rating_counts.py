"""rating_counts: the incremental aggregate gives the full computation's top movies, late events included."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from datalake.jobs.movie_ratings.daily_top_movies import top_from_counts, top_movies
from datalake.jobs.movie_ratings.rating_counts import (
    catalog_counts,
    stream_increment,
    unapplied,
    watermarks,
)
from pyspark.sql import DataFrame, SparkSession
from pyspark.testing import assertDataFrameEqual

RATINGS_DDL = "userId int, movieId int, rating double, timestamp long, source string, kafka_partition int, kafka_offset long"


def ts(day: int, hour: int = 12) -> int:
    return int(datetime(2024, 6, day, hour, tzinfo=UTC).timestamp())


@pytest.fixture(scope="module")
def movies(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame(
        [(m, f"Movie {m}", "Drama") for m in range(1, 8)], "movieId int, title string, genres string"
    )


def stream(rows: list[tuple[int, float, int]], partition: int, first_offset: int) -> list[tuple]:
    """(movieId, rating, timestamp) rows streamed into `partition` from `first_offset` on."""
    return [
        (100 + i, movie, rating, when, "stream", partition, first_offset + i)
        for i, (movie, rating, when) in enumerate(rows)
    ]


CATALOG = [
    (1, m, r, ts(1), "catalog", None, None) for m, r in [(1, 4.0), (2, 3.5), (3, 5.0), (3, 4.5), (4, 2.0)]
]
DAY_1 = stream([(1, 4.5, ts(1)), (2, 3.0, ts(1)), (5, 5.0, ts(2))], 0, 0) + stream(
    [(2, 4.0, ts(2)), (6, 1.0, ts(2))], 1, 0
)
# The second day's arrivals: new ratings, a late one for June 1st, one at midnight of June 3rd
# (counts from June 4th on), one without a timestamp (counted by neither) and a new partition.
DAY_2 = (
    stream(
        [(4, 5.0, ts(3)), (1, 0.5, ts(1, 3)), (5, 4.0, int(datetime(2024, 6, 3, tzinfo=UTC).timestamp()))],
        0,
        3,
    )
    + stream([(6, 2.5, None)], 1, 2)  # type: ignore[list-item]
    + stream([(7, 3.0, ts(2)), (7, 3.5, ts(3))], 2, 0)
)
DAY_3 = stream([(3, 1.0, ts(1))], 1, 3)  # a very late event, alone in its partition


def frame(spark: SparkSession, rows: list[tuple]) -> DataFrame:
    return spark.createDataFrame(rows, RATINGS_DDL)


def counts_after(spark: SparkSession, arrivals: list[list[tuple]]) -> tuple[DataFrame, DataFrame]:
    """The refresh the daily job makes, run once after each arrival: (counts, all ratings)."""
    ratings = frame(spark, CATALOG)
    counts = catalog_counts(ratings)
    for rows in arrivals:
        ratings = ratings.unionByName(frame(spark, rows))
        counts = counts.unionByName(stream_increment(unapplied(ratings, watermarks(counts))))
    return counts, ratings


@pytest.mark.parametrize("run_date", [date(2024, 6, d) for d in range(1, 6)])
def test_counts_give_the_full_computations_top_movies_late_events_included(
    spark: SparkSession, movies: DataFrame, run_date: date
) -> None:
    counts, ratings = counts_after(spark, [DAY_1, DAY_2, DAY_3])
    assertDataFrameEqual(
        top_from_counts(counts, movies, run_date, top_n_by_count=4, top_n_by_mean=3),
        top_movies(ratings, movies, run_date, top_n_by_count=4, top_n_by_mean=3),
        checkRowOrder=True,
    )


def test_a_refresh_without_new_ratings_adds_nothing_and_keeps_the_watermarks(spark: SparkSession) -> None:
    counts, ratings = counts_after(spark, [DAY_1, DAY_2])
    marks = watermarks(counts)
    assert marks == {0: 5, 1: 2, 2: 1}
    assert stream_increment(unapplied(ratings, marks)).isEmpty()


def test_an_increment_carries_each_partitions_highest_offset(spark: SparkSession) -> None:
    increment = stream_increment(frame(spark, DAY_1 + DAY_2))
    through = {(r["kafka_partition"], r["through_offset"]) for r in increment.collect()}
    assert through == {(0, 5), (1, 2), (2, 1)}
    june_1 = (
        increment.where("grain = 'day' AND movieId = 1 AND day = DATE'2024-06-01'")
        .select("ratings_count", "ratings_sum")
        .first()
    )
    assert (june_1["ratings_count"], june_1["ratings_sum"]) == (2, 5.0)
    movie_1 = increment.where("grain = 'movie' AND movieId = 1").first()
    assert (movie_1["ratings_count"], movie_1["ratings_sum"], movie_1["day"]) == (2, 5.0, None)


def test_catalog_counts_have_no_kafka_coordinates(spark: SparkSession) -> None:
    rows = catalog_counts(frame(spark, CATALOG + DAY_1)).where("grain = 'movie'").orderBy("movieId").collect()
    assert [(r["movieId"], r["ratings_count"], r["ratings_sum"]) for r in rows] == [
        (1, 1, 4.0),
        (2, 1, 3.5),
        (3, 2, 9.5),
        (4, 1, 2.0),
    ]
    assert {(r["source"], r["kafka_partition"], r["through_offset"]) for r in rows} == {
        ("catalog", None, None)
    }


def test_the_very_late_event_changes_the_top_so_the_equality_above_covers_it(
    spark: SparkSession, movies: DataFrame
) -> None:
    with_late, _ = counts_after(spark, [DAY_1, DAY_2, DAY_3])
    without, _ = counts_after(spark, [DAY_1, DAY_2])
    top = [top_from_counts(c, movies, date(2024, 6, 5), 4, 3).collect() for c in (with_late, without)]
    assert top[0] != top[1]
