"""The daily top-100 on N synthetic MovieLens-shaped ratings: the Spark job, incremental and full, vs DuckDB.

    env SPARK_CONF_DIR=var/conf/spark SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=.venv/bin/python HADOOP_USER_NAME=datalake \\
        .venv/bin/spark-submit --conf spark.ui.enabled=false \\
        benchmarks/movie_ratings/bench_daily.py [--rows 32000000] [--rounds 3] [--daily 100000]

1. Generates `--rows` ratings with the platform generator's distribution (MovieLens popularity
   and per-movie means, `SyntheticRatings.draw_arrays`), timestamps spread over 2015..2023, as
   streamed rows (Kafka partition 0, offsets 0..N-1) of a Delta table in the `ratings` layout
   (plus `movies` from movies.csv) under `var/bench/movie_ratings/`, with the `deltalake`
   package; reused on later runs of the same size. Then brings `rating_counts` up to date once
   (the one-time backfill of an existing table, timed and reported apart).
2. Each round appends a day of new ratings (`--daily`, the next offsets, timestamps of the day
   before the run date, a tenth of them late: timestamped years back), then times:
   - **incremental**, what the DAG task does now: `rating_counts.refresh` (counts the new
     ratings) + `top_from_counts` + collect;
   - **full**, what it did before: `top_movies` over every rating + collect;
   - **DuckDB**, the full query on the same Parquet files.
   All three results must be identical. Spark runs with the platform's spark-defaults.
Targets: BRIEF §7 <= 60 s for 32 M ratings; issue 14: the incremental first round <= 2x DuckDB's.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
from datalake.generators.movie_ratings import OFFLINE_MOVIELENS_DIR, SyntheticRatings, default_catalog
from datalake.jobs.movie_ratings.daily_top_movies import cutoff_epoch, to_rows, top_from_counts, top_movies
from datalake.jobs.movie_ratings.rating_counts import refresh

from datalake.settings import REPO_ROOT
from datalake.spark import build_session

RUN_DATE = date(2024, 1, 1)
CHUNK = 4_000_000
FIRST_TS = int(datetime(2015, 1, 1, tzinfo=UTC).timestamp())
LAST_TS = int(datetime(2023, 12, 31, tzinfo=UTC).timestamp())

DUCKDB_QUERY = """
WITH per_movie AS (
    SELECT r.movieId, m.title, count(r.rating) AS ratings_count, avg(r.rating) AS ratings_mean
    FROM read_parquet({ratings}) r JOIN read_parquet('{movies}/*.parquet') m USING (movieId)
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
                "kafka_partition": pa.array(np.zeros(n, dtype=np.int32)),
                "kafka_offset": pa.array(np.arange(offset, offset + n, dtype=np.int64)),
            }
        )
        write_deltalake(str(ratings_dir), table, mode="append", partition_by=["source"])
    movies_csv = pd.read_csv(OFFLINE_MOVIELENS_DIR / "movies.csv", dtype={"movieId": "int32"})
    write_deltalake(str(movies_dir), pa.Table.from_pandas(movies_csv, preserve_index=False), mode="overwrite")
    done.touch()
    print(f"generated {rows:,} ratings ({described}) in {time.perf_counter() - started:,.1f} s -> {folder}")
    return ratings_dir, movies_dir


def append_day(ratings_dir: Path, n: int, first_offset: int, seed: int) -> None:
    """`n` new streamed ratings from `first_offset` on, timestamped the day before the run date;
    a tenth of them late (timestamped within the generated years)."""
    from deltalake import write_deltalake

    catalog, _ = default_catalog()
    rng = np.random.default_rng(seed)
    users, movies, ratings = SyntheticRatings(catalog, seed=seed).draw_arrays(rng, n)
    day_before = cutoff_epoch(RUN_DATE) - 86_400
    stamps = rng.integers(day_before, day_before + 86_400, n)
    late = rng.random(n) < 0.1
    stamps = np.where(late, rng.integers(FIRST_TS, LAST_TS, n), stamps)
    table = pa.table(
        {
            "userId": pa.array(users.astype(np.int32)),
            "movieId": pa.array(movies.astype(np.int32)),
            "rating": pa.array(ratings),
            "timestamp": pa.array(stamps),
            "source": pa.array(["stream"]).take(pa.array(np.zeros(n, dtype=np.int32))),
            "kafka_partition": pa.array(np.zeros(n, dtype=np.int32)),
            "kafka_offset": pa.array(np.arange(first_offset, first_offset + n, dtype=np.int64)),
        }
    )
    write_deltalake(str(ratings_dir), table, mode="append", partition_by=["source"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=32_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--daily", type=int, default=100_000, help="new ratings appended before each round")
    parser.add_argument("--dir", type=Path, default=REPO_ROOT / "var" / "bench" / "movie_ratings")
    args = parser.parse_args()
    # v3: streamed rows carry Kafka offsets (the incremental counts need them), partitioned by
    # source like the platform's table; rounds append to it and the counts table lives beside it.
    folder = args.dir / f"daily_{args.rows}_v3"
    ratings_dir, movies_dir = generate(folder, args.rows)
    ratings_uri, movies_uri = ratings_dir.resolve().as_uri(), movies_dir.resolve().as_uri()
    counts_uri = (folder / "rating_counts").resolve().as_uri()

    import duckdb
    from deltalake import DeltaTable

    spark = build_session("movie_ratings_daily_bench")
    print(f"spark master {spark.sparkContext.master}, {spark.sparkContext.defaultParallelism} cores")
    next_offset = int(
        spark.read.format("delta").load(ratings_uri).agg({"kafka_offset": "max"}).first()[0] + 1
    )
    started = time.perf_counter()
    refresh(spark, ratings_uri, counts_uri)
    print(f"rating_counts up to date (backfill of what it lacked): {time.perf_counter() - started:,.1f} s")

    con = duckdb.connect()
    times: dict[str, list[float]] = {"incremental": [], "full": [], "duckdb": []}
    for round_no in range(args.rounds):
        append_day(ratings_dir, args.daily, next_offset, seed=1000 + next_offset)
        next_offset += args.daily
        total = DeltaTable(str(ratings_dir)).to_pyarrow_dataset().count_rows()

        started = time.perf_counter()
        refresh(spark, ratings_uri, counts_uri)
        counts = spark.read.format("delta").load(counts_uri)
        movies = spark.read.format("delta").load(movies_uri)
        incremental = to_rows(top_from_counts(counts, movies, RUN_DATE))
        times["incremental"].append(time.perf_counter() - started)

        started = time.perf_counter()
        ratings = spark.read.format("delta").load(ratings_uri)
        full = to_rows(top_movies(ratings, movies, RUN_DATE))
        times["full"].append(time.perf_counter() - started)

        # DuckDB reads the table's live files (the log decides: appended files only, here).
        files = [uri.removeprefix("file://") for uri in DeltaTable(str(ratings_dir)).file_uris()]
        query = DUCKDB_QUERY.format(
            ratings="[" + ", ".join(f"'{f}'" for f in files) + "]",
            movies=movies_dir,
            cutoff=cutoff_epoch(RUN_DATE),
        )
        started = time.perf_counter()
        duck_rows = con.sql(query).fetchall()
        times["duckdb"].append(time.perf_counter() - started)
        print(
            f"round {round_no} ({total:,} ratings, {args.daily:,} new): "
            + ", ".join(f"{name} {spent[-1]:,.1f} s" for name, spent in times.items()),
            flush=True,
        )

        want = [(m, t, c) for m, t, c, _ in duck_rows]
        for name, rows in (("incremental", incremental), ("full", full)):
            assert [(r.movieId, r.title, r.ratings_count) for r in rows] == want, (
                f"{name} and DuckDB disagree"
            )
            assert all(abs(r.ratings_mean - d[3]) <= 1e-9 for r, d in zip(rows, duck_rows, strict=True))
    spark.stop()
    best = {name: min(spent) for name, spent in times.items()}
    first = {name: spent[0] for name, spent in times.items()}
    print(
        f"\nRESULT daily top-100 on {args.rows:,}+ ratings ({args.daily:,} new per round): "
        f"incremental {best['incremental']:,.1f} s (first round {first['incremental']:,.1f} s) | "
        f"full {best['full']:,.1f} s (first round {first['full']:,.1f} s) | "
        f"duckdb {best['duckdb']:,.1f} s (first round {first['duckdb']:,.1f} s) | "
        f"first rounds incremental/duckdb {first['incremental'] / first['duckdb']:.1f} "
        f"(target <= 2 {'met' if first['incremental'] <= 2 * first['duckdb'] else 'NOT met'}) | "
        f"best incremental/duckdb {best['incremental'] / best['duckdb']:.1f} | results equal"
    )


if __name__ == "__main__":
    main()
