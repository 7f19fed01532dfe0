"""The daily top-100 on N synthetic MovieLens-shaped ratings: the Spark job's transform vs DuckDB.

    env SPARK_CONF_DIR=var/conf/spark SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=.venv/bin/python HADOOP_USER_NAME=datalake \\
        .venv/bin/spark-submit --conf spark.ui.enabled=false \\
        benchmarks/movie_ratings/bench_daily.py [--rows 32000000] [--rounds 2]

1. Generates `--rows` ratings with the platform generator's distribution (MovieLens popularity
   and per-movie means, `SyntheticRatings.draw_arrays`), timestamps spread over 2015..2023, and
   writes them as a Delta table in the `ratings` layout (plus `movies` from movies.csv) under
   `var/bench/movie_ratings/` with the `deltalake` package; reused on later runs of the same size.
2. Times `daily_top_movies.top_movies(...)` + collect (exactly what the DAG task computes before
   its 100-row MariaDB load) on Spark with the platform's spark-defaults (master `local[*]`, as
   the `spark_default` connection), reading the Delta table; and DuckDB running the same query
   on the same Parquet files. Alternating rounds, best of each; both results must be identical.
Target (BRIEF §7): <= 60 s for 32 M ratings.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
from datalake.generators.movie_ratings import OFFLINE_MOVIELENS_DIR, SyntheticRatings, default_catalog
from datalake.jobs.movie_ratings.daily_top_movies import cutoff_epoch, to_rows, top_movies

from datalake.settings import REPO_ROOT
from datalake.spark import build_session

RUN_DATE = date(2024, 1, 1)
CHUNK = 4_000_000
FIRST_TS = int(datetime(2015, 1, 1, tzinfo=UTC).timestamp())
LAST_TS = int(datetime(2023, 12, 31, tzinfo=UTC).timestamp())

DUCKDB_QUERY = """
WITH per_movie AS (
    SELECT r.movieId, m.title, count(r.rating) AS ratings_count, avg(r.rating) AS ratings_mean
    FROM read_parquet('{ratings}/*.parquet') r JOIN read_parquet('{movies}/*.parquet') m USING (movieId)
    WHERE r.timestamp < {cutoff}
    GROUP BY r.movieId, m.title
), most_rated AS (
    SELECT * FROM per_movie ORDER BY ratings_count DESC, movieId ASC LIMIT 1000
)
SELECT movieId, title, ratings_count, ratings_mean FROM most_rated
ORDER BY ratings_mean DESC, movieId ASC LIMIT 100
"""


def generate(folder: Path, rows: int, seed: int = 11) -> tuple[Path, Path]:
    """The bench tables (generated once per size): ratings and movies as local Delta tables."""
    import pandas as pd
    from deltalake import write_deltalake

    ratings_dir, movies_dir = folder / "ratings", folder / "movies"
    done = folder / "_done"
    if done.exists():
        return ratings_dir, movies_dir
    catalog, described = default_catalog()
    source = SyntheticRatings(catalog, seed=seed)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for offset in range(0, rows, CHUNK):
        n = min(CHUNK, rows - offset)
        users, movies, ratings = source.draw_arrays(rng, n)
        table = pa.table(
            {
                "userId": pa.array(users.astype(np.int32)),
                "movieId": pa.array(movies.astype(np.int32)),
                "rating": pa.array(ratings),
                "timestamp": pa.array(rng.integers(FIRST_TS, LAST_TS, n)),
                "source": pa.array(["stream"]).take(pa.array(np.zeros(n, dtype=np.int32))),
                "kafka_partition": pa.nulls(n, pa.int32()),
                "kafka_offset": pa.nulls(n, pa.int64()),
            }
        )
        write_deltalake(str(ratings_dir), table, mode="append")
    movies_csv = pd.read_csv(OFFLINE_MOVIELENS_DIR / "movies.csv", dtype={"movieId": "int32"})
    write_deltalake(str(movies_dir), pa.Table.from_pandas(movies_csv, preserve_index=False), mode="overwrite")
    done.touch()
    print(f"generated {rows:,} ratings ({described}) in {time.perf_counter() - started:,.1f} s -> {folder}")
    return ratings_dir, movies_dir


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=32_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=REPO_ROOT / "var" / "bench" / "movie_ratings")
    args = parser.parse_args()
    folder = args.dir / f"daily_{args.rows}"
    ratings_dir, movies_dir = generate(folder, args.rows)

    import duckdb

    spark = build_session("movie_ratings_daily_bench")
    print(f"spark master {spark.sparkContext.master}, {spark.sparkContext.defaultParallelism} cores")
    con = duckdb.connect()
    query = DUCKDB_QUERY.format(ratings=ratings_dir, movies=movies_dir, cutoff=cutoff_epoch(RUN_DATE))
    spark_times, duck_times = [], []
    for round_no in range(args.rounds):
        started = time.perf_counter()
        ratings = spark.read.format("delta").load(ratings_dir.resolve().as_uri())
        movies = spark.read.format("delta").load(movies_dir.resolve().as_uri())
        spark_rows = to_rows(top_movies(ratings, movies, RUN_DATE))
        spark_times.append(time.perf_counter() - started)

        started = time.perf_counter()
        duck_rows = con.sql(query).fetchall()
        duck_times.append(time.perf_counter() - started)
        print(f"round {round_no}: spark {spark_times[-1]:,.1f} s, duckdb {duck_times[-1]:,.1f} s", flush=True)

        got = [(r.movieId, r.title, r.ratings_count) for r in spark_rows]
        want = [(m, t, c) for m, t, c, _ in duck_rows]
        assert got == want, "Spark and DuckDB disagree on the top 100"
        assert all(abs(r.ratings_mean - d[3]) <= 1e-9 for r, d in zip(spark_rows, duck_rows, strict=True))
    spark.stop()
    best_spark, best_duck = min(spark_times), min(duck_times)
    print(
        f"\nRESULT daily top-100 on {args.rows:,} ratings: spark {best_spark:,.1f} s (first round "
        f"{spark_times[0]:,.1f} s) | duckdb {best_duck:,.1f} s | ratio spark/duckdb {best_spark / best_duck:.1f} | "
        f"target 60 s {'met' if best_spark <= 60 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
