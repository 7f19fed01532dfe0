"""Movie ratings, daily: top 100 movies of the logical date into MariaDB, then a data check.

- `top_movies` — `jobs/movie_ratings/daily_top_movies.py --run-date {{ ds }}`: adds the ratings
  that arrived since the last run to `movie_ratings.rating_counts` (per movie and day), then from
  the days before the logical date: top 1000 by count, then top 100 by mean (ties by movieId),
  replacing that date in `movie_ratings.top_movies`.
- `check_top_movies` — `jobs/movie_ratings/check_top_movies.py --run-date {{ ds }}`: recomputes
  from every rating in the lake and fails on any difference with the mart.

Re-running a date (clear the task) replaces that date only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import DAG

from datalake.orchestration import PIPELINE_DAG, spark_job
from datalake.pipelines import movie_ratings

with DAG(
    dag_id=movie_ratings.DAG_ID,
    schedule="@daily",
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    **PIPELINE_DAG,
    tags=["movie_ratings", "spark", "mariadb"],
    doc_md=__doc__,
):
    top_movies = spark_job("top_movies", "movie_ratings/daily_top_movies.py", ["--run-date", "{{ ds }}"])
    check = spark_job("check_top_movies", "movie_ratings/check_top_movies.py", ["--run-date", "{{ ds }}"])
    top_movies >> check
