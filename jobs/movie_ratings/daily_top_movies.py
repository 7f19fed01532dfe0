"""Daily top movies: Delta ratings + movies -> MariaDB `movie_ratings.top_movies` for one date.

    spark-submit jobs/movie_ratings/daily_top_movies.py --run-date 2024-06-01

The most-rated 1000 movies, then the 100 best-rated of those, with ties broken by movieId at both
cuts (the seed's ties were nondeterministic).

Incremental (`--mode incremental`, and `auto` once it pays, see `rating_counts.worth_keeping`):
the job first adds the ratings that arrived since its last run to `movie_ratings.rating_counts`
(`rating_counts.py`), then ranks from those counts: it reads the new ratings and O(movies x runs)
counts, not every rating ever made. `top_movies` below is the full computation over the
ratings (`--mode full`, and `auto` on a small table), the definition the counts must match; the
data check (`check_top_movies`) runs it after every load.

Run-date cutoff: only ratings with `timestamp < <run-date> 00:00 UTC` count, i.e. everything
known *before* the logical date. The stream keeps appending while the DAG runs, and backfills
run long after the fact; with this cutoff a date's answer depends only on ratings timestamped
before it, so re-running a date gives the same 100 rows (unless late events with old timestamps
arrive in between). `date` in the mart is the run date from Airflow (`{{ ds }}`), never
`current_date()`. Means are exact and order-independent: ratings are multiples of 0.5, whose
double sums are exact, so tie-breaking on the mean cannot flip between runs.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime

from datalake.jobs.movie_ratings.mart import TopMovie, load_top_movies, mariadb_connection
from datalake.jobs.movie_ratings.rating_counts import forget, per_movie_before, refresh, worth_keeping
from datalake.jobs.movie_ratings.schemas import MOVIES, RATING_COUNTS, RATINGS, ensure_tables, table_location
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from datalake.settings import get_settings
from datalake.spark import build_session

TOP_N_BY_COUNT = 1000
TOP_N_BY_MEAN = 100


def cutoff_epoch(run_date: date) -> int:
    """Epoch seconds of `run_date` 00:00 UTC: ratings strictly before it are considered."""
    return int(datetime(run_date.year, run_date.month, run_date.day, tzinfo=UTC).timestamp())


def top_movies(
    ratings: DataFrame,
    movies: DataFrame,
    run_date: date,
    top_n_by_count: int = TOP_N_BY_COUNT,
    top_n_by_mean: int = TOP_N_BY_MEAN,
) -> DataFrame:
    """The run date's top movies from every rating: date, movieId, title, ratings_count,
    ratings_mean (best first). The definition; the job computes the same from `rating_counts`."""
    per_movie = (
        ratings.where(F.col("timestamp") < cutoff_epoch(run_date))
        .groupBy("movieId")
        .agg(F.count("rating").alias("ratings_count"), F.avg("rating").alias("ratings_mean"))
    )
    return rank(per_movie, movies, run_date, top_n_by_count, top_n_by_mean)


def top_from_counts(
    counts: DataFrame,
    movies: DataFrame,
    run_date: date,
    top_n_by_count: int = TOP_N_BY_COUNT,
    top_n_by_mean: int = TOP_N_BY_MEAN,
) -> DataFrame:
    """`top_movies` from `rating_counts`: the days before the run date (the same cutoff: the
    run date's midnight UTC is a day boundary)."""
    per_movie = per_movie_before(counts, F.lit(run_date).cast("date"))
    return rank(per_movie, movies, run_date, top_n_by_count, top_n_by_mean)


def rank(
    per_movie: DataFrame, movies: DataFrame, run_date: date, top_n_by_count: int, top_n_by_mean: int
) -> DataFrame:
    """Top `top_n_by_count` by count, then top `top_n_by_mean` by mean, titled, in the mart's columns."""
    # Aggregate per movieId first, then join the ~10k groups to their titles: joining every
    # rating to the movies and grouping on (movieId, title) strings cost ~2x on 32 M rows.
    # Same result, as movieId is the key of `movies` and the inner join drops unknown movies.
    per_movie = per_movie.join(movies.select("movieId", "title"), "movieId")
    most_rated = per_movie.orderBy(F.desc("ratings_count"), F.asc("movieId")).limit(top_n_by_count)
    best_rated = most_rated.orderBy(F.desc("ratings_mean"), F.asc("movieId")).limit(top_n_by_mean)
    return best_rated.select(
        F.lit(run_date).cast("date").alias("date"),
        F.col("movieId").cast("int").alias("movieId"),
        "title",
        F.col("ratings_count").cast("bigint").alias("ratings_count"),
        F.col("ratings_mean").cast("double").alias("ratings_mean"),
    )


def to_rows(frame: DataFrame) -> list[TopMovie]:
    """Collect the (at most 100) result rows for the pymysql load."""
    return [TopMovie(*row) for row in frame.collect()]


def base_parser(description: str | None) -> argparse.ArgumentParser:
    """The arguments shared by this job and its data check (check_top_movies)."""
    lake = get_settings().lake
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--run-date", required=True, type=date.fromisoformat, help="logical date YYYY-MM-DD")
    parser.add_argument("--ratings", default=table_location(lake, RATINGS), help="ratings Delta path")
    parser.add_argument("--movies", default=table_location(lake, MOVIES), help="movies Delta path")
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = base_parser(__doc__)
    parser.add_argument(
        "--counts",
        default=table_location(get_settings().lake, RATING_COUNTS),
        help="rating_counts Delta path",
    )
    parser.add_argument(
        "--mode",
        choices=["auto", "incremental", "full"],
        default="auto",
        help="rank from rating_counts, or from every rating; auto: counts once they pay (rating_counts.py)",
    )
    parser.add_argument(
        "--recount",
        action="store_true",
        help="delete rating_counts and count every rating again (after ratings were deleted)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    spark = build_session(f"movie_ratings_top_movies_{args.run_date}")
    movies = spark.read.format("delta").load(args.movies)
    incremental = args.mode == "incremental" or args.recount
    if args.mode == "auto" and not incremental:
        incremental = worth_keeping(spark, args.ratings, args.counts)
    if incremental:
        lake = get_settings().lake
        if args.counts == table_location(lake, RATING_COUNTS):  # the lake's own: visible in HUE and SQL
            ensure_tables(spark, lake, [RATING_COUNTS])
        if args.recount:
            forget(spark, args.counts)
        refresh(spark, args.ratings, args.counts)
        counts = spark.read.format("delta").load(args.counts)
        rows = to_rows(top_from_counts(counts, movies, args.run_date))
    else:
        print(
            "daily_top_movies: ranking from every rating (a table this small: rating_counts would cost more)"
        )
        ratings = spark.read.format("delta").load(args.ratings)
        rows = to_rows(top_movies(ratings, movies, args.run_date))
    spark.stop()
    written = load_top_movies(rows, args.run_date, mariadb_connection)
    print(f"daily_top_movies: {written} rows for {args.run_date} -> MariaDB movie_ratings.top_movies")


if __name__ == "__main__":
    main()
