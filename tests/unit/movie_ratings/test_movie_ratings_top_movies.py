"""top_movies: top-N by count then top-M by mean, ties by movieId at both cuts, run-date cutoff."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from datalake.jobs.movie_ratings.daily_top_movies import cutoff_epoch, to_rows, top_movies
from datalake.jobs.movie_ratings.mart import TopMovie
from pyspark.sql import SparkSession

RUN_DATE = date(2024, 6, 2)
BEFORE = int(datetime(2024, 6, 1, 23, 59, 59, tzinfo=UTC).timestamp())
AT_CUTOFF = int(datetime(2024, 6, 2, tzinfo=UTC).timestamp())


def ratings_of(movie_id: int, values: list[float], ts: int = BEFORE) -> list[tuple]:
    return [(user, movie_id, value, ts) for user, value in enumerate(values)]


@pytest.fixture(scope="module")
def movies(spark: SparkSession):
    return spark.createDataFrame(
        [(m, f"Movie {m}", "Drama") for m in range(1, 10)], "movieId int, title string, genres string"
    )


def frame(spark: SparkSession, rows: list[tuple]):
    return spark.createDataFrame(rows, "userId int, movieId int, rating double, timestamp long")


def test_cutoff_is_midnight_utc_of_the_run_date() -> None:
    assert cutoff_epoch(RUN_DATE) == AT_CUTOFF == 1_717_286_400


def test_top_by_count_then_by_mean_with_ties_by_movie_id(spark: SparkSession, movies) -> None:
    rows = (
        ratings_of(1, [5.0] * 2)  # best mean but too few ratings: cut at the count stage
        + ratings_of(2, [3.0] * 4)
        + ratings_of(3, [4.0] * 4)
        + ratings_of(4, [4.0] * 4)  # ties 3 on mean and count: movieId 3 wins the 2nd place
        + ratings_of(5, [4.5, 4.5, 4.5, 4.5, 2.0])  # most rated, mean 4.0 ties with 3 and 4
        + ratings_of(6, [4.5] * 3)  # count tie with 7 at the 5th place: 6 is kept, 7 is cut
        + ratings_of(7, [5.0] * 3)
        + ratings_of(99, [5.0] * 9)  # not in movies: the inner join drops it
    )
    result = top_movies(frame(spark, rows), movies, RUN_DATE, top_n_by_count=5, top_n_by_mean=2)
    assert to_rows(result) == [
        TopMovie(RUN_DATE, 6, "Movie 6", 3, 4.5),
        TopMovie(RUN_DATE, 3, "Movie 3", 4, 4.0),
    ]
    wider = to_rows(top_movies(frame(spark, rows), movies, RUN_DATE, top_n_by_count=5, top_n_by_mean=5))
    assert [row.movieId for row in wider] == [6, 3, 4, 5, 2]
    assert [f.simpleString() for f in result.schema.fields] == [
        "date:date",
        "movieId:int",
        "title:string",
        "ratings_count:bigint",
        "ratings_mean:double",
    ]


def test_only_ratings_before_the_run_date_count(spark: SparkSession, movies) -> None:
    rows = (
        ratings_of(1, [4.0, 4.0], ts=BEFORE)
        + ratings_of(1, [1.0, 1.0, 1.0], ts=AT_CUTOFF)  # on the run date itself: excluded
        + ratings_of(2, [2.0], ts=AT_CUTOFF + 3600)  # only after the cutoff: absent
    )
    result = to_rows(top_movies(frame(spark, rows), movies, RUN_DATE))
    assert result == [TopMovie(RUN_DATE, 1, "Movie 1", 2, 4.0)]
    next_day = to_rows(top_movies(frame(spark, rows), movies, date(2024, 6, 3)))
    assert [(r.movieId, r.ratings_count, r.ratings_mean) for r in next_day] == [(1, 5, 2.2), (2, 1, 2.0)]


def test_the_check_takes_only_the_shared_arguments_and_the_job_its_own_too() -> None:
    from datalake.jobs.movie_ratings import check_top_movies, daily_top_movies

    job = daily_top_movies.parse_args(["--run-date", "2024-06-02", "--mode", "full"])
    assert (job.run_date, job.mode, job.recount) == (RUN_DATE, "full", False)
    shared = daily_top_movies.base_parser(check_top_movies.__doc__)
    assert shared.parse_args(["--run-date", "2024-06-02"]).run_date == RUN_DATE
    with pytest.raises(SystemExit):  # the check ranks from every rating: no --mode to ignore
        shared.parse_args(["--run-date", "2024-06-02", "--mode", "incremental"])
