"""Catalog load: MovieLens movies.csv/ratings.csv -> Delta `movie_ratings.movies` and `.ratings`.

    spark-submit jobs/movie_ratings/catalog_load.py [--input-dir DIR] [--no-download]

Re-runnable, unlike the seed's error-if-exists bootstrap: `movies` is overwritten, and catalog
ratings replace only the `source = 'catalog'` partition of `ratings` (Delta `replaceWhere`), so a
re-run never duplicates catalog rows and never touches the streamed ones. The catalog's rows of
`rating_counts` are deleted first, so the daily job recounts the catalog it finds.

Input: the GroupLens download when it is reachable (cached under `<var_dir>/cache/movielens`),
else the offline copy in `../shared/data/movielens/ml-latest-small`; `--input-dir` wins over both.
"""

from __future__ import annotations

import argparse
import io
import shutil
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from datalake.generators.movie_ratings import OFFLINE_MOVIELENS_DIR
from datalake.jobs.movie_ratings.rating_counts import forget
from datalake.jobs.movie_ratings.schemas import (
    DATABASE,
    MOVIES,
    MOVIES_CSV_SCHEMA,
    RATING_COUNTS,
    RATINGS,
    RATINGS_CSV_SCHEMA,
    RATINGS_SCHEMA,
    SOURCE_CATALOG,
    ensure_tables,
)
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, LongType

from datalake.settings import get_settings
from datalake.spark import build_session

DOWNLOAD_URL = "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip"
DATASET = "ml-latest-small"
REQUIRED_FILES = ("movies.csv", "ratings.csv")


def download_movielens(url: str, cache_dir: Path, timeout: float = 10.0) -> Path:
    """Download and unzip the MovieLens archive into `cache_dir`; returns the folder with the CSVs."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        payload = response.read()
    target = cache_dir / DATASET
    staging = cache_dir / f".{DATASET}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        archive.extractall(staging)
    # The archive holds one top folder (ml-latest-small/); swap it in only once fully extracted.
    extracted = staging / DATASET if (staging / DATASET).is_dir() else staging
    shutil.rmtree(target, ignore_errors=True)
    extracted.rename(target)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def _has_catalog(folder: Path) -> bool:
    return all((folder / name).is_file() for name in REQUIRED_FILES)


def resolve_input_dir(
    input_dir: Path | None,
    cache_dir: Path,
    *,
    fallback: Path = OFFLINE_MOVIELENS_DIR,
    fetch: Callable[[str, Path], Path] = download_movielens,
    url: str = DOWNLOAD_URL,
    download: bool = True,
) -> tuple[Path, str]:
    """Pick the folder to load and say why: explicit argument, cache, fresh download, or fallback.

    An earlier download in the cache is reused, so re-runs load the same data. A failed download
    is not an error (the platform often runs offline): it falls through to the shared offline
    copy. Only "nothing usable anywhere" raises.
    """
    if input_dir is not None:
        if not _has_catalog(input_dir):
            raise FileNotFoundError(f"--input-dir {input_dir} lacks one of {REQUIRED_FILES}")
        return input_dir, f"input dir {input_dir}"
    cached = cache_dir / DATASET
    if _has_catalog(cached):
        return cached, f"cached download {cached}"
    problem = "download disabled"
    if download:
        try:
            fetched = fetch(url, cache_dir)
            if _has_catalog(fetched):
                return fetched, f"download {url} (cached in {fetched})"
            problem = f"download from {url} lacks {REQUIRED_FILES}"
        except Exception as exc:  # any network or zip failure means: use the offline copy
            problem = f"download from {url} failed: {exc}"
    if _has_catalog(fallback):
        return fallback, f"offline copy {fallback} ({problem})"
    raise FileNotFoundError(f"no MovieLens catalog: {problem}; nothing at {cached} or {fallback}")


def read_csv(spark: SparkSession, path: Path, schema: object) -> DataFrame:
    """A MovieLens CSV with an explicit schema; FAILFAST so a malformed catalog stops the load."""
    return (
        spark.read.option("header", "true")
        .option("mode", "FAILFAST")
        .schema(schema)  # type: ignore[arg-type]
        .csv(path.resolve().as_uri())  # file:// so HDFS as default filesystem does not capture it
    )


def catalog_ratings(ratings: DataFrame) -> DataFrame:
    """Catalog ratings in the `ratings` table layout: source 'catalog', no Kafka coordinates."""
    return ratings.select(
        "userId",
        "movieId",
        "rating",
        "timestamp",
        F.lit(SOURCE_CATALOG).alias("source"),
        F.lit(None).cast(IntegerType()).alias("kafka_partition"),
        F.lit(None).cast(LongType()).alias("kafka_offset"),
    ).select([f.name for f in RATINGS_SCHEMA.fields])


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    lake = settings.lake
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--input-dir", type=Path, default=None, help="folder with movies.csv and ratings.csv")
    parser.add_argument("--cache-dir", type=Path, default=settings.var_dir / "cache" / "movielens")
    parser.add_argument("--no-download", action="store_true", help="skip the GroupLens download")
    parser.add_argument("--movies", default=lake.curated(DATABASE, MOVIES), help="movies Delta path")
    parser.add_argument("--ratings", default=lake.curated(DATABASE, RATINGS), help="ratings Delta path")
    parser.add_argument(
        "--counts", default=lake.curated(DATABASE, RATING_COUNTS), help="rating_counts Delta path"
    )
    args = parser.parse_args(argv)

    folder, described = resolve_input_dir(args.input_dir, args.cache_dir, download=not args.no_download)
    print(f"catalog_load: reading MovieLens from {described}")

    spark = build_session("movie_ratings_catalog_load")
    ensure_tables(spark, lake)
    movies = read_csv(spark, folder / "movies.csv", MOVIES_CSV_SCHEMA)
    ratings = catalog_ratings(read_csv(spark, folder / "ratings.csv", RATINGS_CSV_SCHEMA))

    movies.write.format("delta").mode("overwrite").save(args.movies)
    # Before the catalog changes: the daily job then recounts it (rating_counts.py).
    forget(spark, args.counts, SOURCE_CATALOG)
    (
        ratings.write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", f"source = '{SOURCE_CATALOG}'")
        .save(args.ratings)
    )
    print(
        f"catalog_load: {spark.read.format('delta').load(args.movies).count():,} movies -> {args.movies}; "
        f"{ratings.count():,} catalog ratings -> {args.ratings}"
    )
    spark.stop()


if __name__ == "__main__":
    main()
