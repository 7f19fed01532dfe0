"""Data check of the daily mart: MariaDB `top_movies` for a date must equal a recomputation from the lake.

    spark-submit jobs/movie_ratings/check_top_movies.py --run-date 2024-06-01

Runs as its own Airflow task after the load and fails it (non-zero exit, every difference
listed) on: an empty mart date, a row count other than the lake's (100, or fewer when fewer
movies qualify), a different movie set, a different title or count, or a mean off by more than
1e-9. The recomputation uses the same transform and the same run-date cutoff, so it is stable
while the stream keeps appending.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from datalake.jobs.movie_ratings.daily_top_movies import base_parser, to_rows, top_movies
from datalake.jobs.movie_ratings.mart import TopMovie, mariadb_connection, read_top_movies

from datalake.spark import build_session

MEAN_TOLERANCE = 1e-9


class MartMismatchError(AssertionError):
    """The mart rows of a date differ from the lake's recomputation."""


def compare_top_movies(
    expected: Sequence[TopMovie], actual: Sequence[TopMovie], tolerance: float = MEAN_TOLERANCE
) -> list[str]:
    """Differences between the lake's rows (`expected`) and the mart's (`actual`); empty when equal."""
    problems: list[str] = []
    if not actual:
        problems.append("the mart has no rows for this date")
    if len(actual) != len(expected):
        problems.append(f"row count: mart {len(actual)} != lake {len(expected)}")
    lake = {row.movieId: row for row in expected}
    mart = {row.movieId: row for row in actual}
    if len(mart) != len(actual):
        problems.append("the mart repeats a movieId")
    if missing := sorted(lake.keys() - mart.keys()):
        problems.append(f"movieIds missing from the mart: {missing}")
    if extra := sorted(mart.keys() - lake.keys()):
        problems.append(f"movieIds in the mart but not in the lake's top: {extra}")
    for movie_id in sorted(lake.keys() & mart.keys()):
        want, got = lake[movie_id], mart[movie_id]
        if got.title != want.title:
            problems.append(f"movieId {movie_id}: title mart {got.title!r} != lake {want.title!r}")
        if got.ratings_count != want.ratings_count:
            problems.append(
                f"movieId {movie_id}: ratings_count mart {got.ratings_count} != lake {want.ratings_count}"
            )
        if not math.isclose(got.ratings_mean, want.ratings_mean, rel_tol=0.0, abs_tol=tolerance):
            problems.append(
                f"movieId {movie_id}: ratings_mean mart {got.ratings_mean!r} != lake {want.ratings_mean!r}"
                f" (tolerance {tolerance})"
            )
    return problems


def check(run_date: date, expected: Sequence[TopMovie], actual: Sequence[TopMovie]) -> None:
    """Raise `MartMismatchError` listing every difference, else return quietly."""
    problems = compare_top_movies(expected, actual)
    if problems:
        listing = "\n  - ".join(problems)
        raise MartMismatchError(f"top_movies for {run_date} differs from the lake:\n  - {listing}")


def main(argv: list[str] | None = None) -> None:
    args = base_parser(__doc__).parse_args(argv)
    actual = read_top_movies(args.run_date, mariadb_connection)
    spark = build_session(f"movie_ratings_check_top_movies_{args.run_date}")
    ratings = spark.read.format("delta").load(args.ratings)
    movies = spark.read.format("delta").load(args.movies)
    expected = to_rows(top_movies(ratings, movies, args.run_date))
    spark.stop()
    check(args.run_date, expected, actual)
    print(f"check_top_movies: {len(actual)} rows for {args.run_date} match the lake")


if __name__ == "__main__":
    main()
