"""Catalog load without network: input resolution (argument, cache, download, fallback) and the layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from datalake.jobs.movie_ratings.catalog_load import (
    DATASET,
    catalog_ratings,
    read_csv,
    resolve_input_dir,
)
from datalake.jobs.movie_ratings.schemas import (
    MOVIES_CSV_SCHEMA,
    RATINGS_CSV_SCHEMA,
    RATINGS_SCHEMA,
    table_ddl,
)
from pyspark.sql import SparkSession


def make_catalog(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "movies.csv").write_text(
        'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n2,"Usual Suspects, The (1995)",Crime\n'
    )
    (folder / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n2,2,5.0,964981247\n"
    )
    return folder


def offline_fetch(url: str, cache_dir: Path) -> Path:
    raise OSError("network unreachable")


def test_download_failure_falls_back_to_the_offline_copy(tmp_path: Path) -> None:
    fallback = make_catalog(tmp_path / "shared")
    folder, described = resolve_input_dir(None, tmp_path / "cache", fallback=fallback, fetch=offline_fetch)
    assert folder == fallback
    assert described.startswith("offline copy") and "network unreachable" in described


def test_successful_download_is_used_then_reused_from_the_cache(tmp_path: Path) -> None:
    calls: list[str] = []

    def fetch(url: str, cache_dir: Path) -> Path:
        calls.append(url)
        return make_catalog(cache_dir / DATASET)

    fallback = make_catalog(tmp_path / "shared")
    folder, described = resolve_input_dir(None, tmp_path / "cache", fallback=fallback, fetch=fetch)
    assert folder == tmp_path / "cache" / DATASET and described.startswith("download")
    again, described = resolve_input_dir(None, tmp_path / "cache", fallback=fallback, fetch=offline_fetch)
    assert again == folder and described.startswith("cached download") and len(calls) == 1


def test_explicit_input_dir_wins_and_is_validated(tmp_path: Path) -> None:
    explicit = make_catalog(tmp_path / "mine")
    folder, described = resolve_input_dir(explicit, tmp_path / "cache", fetch=offline_fetch)
    assert folder == explicit and described == f"input dir {explicit}"
    with pytest.raises(FileNotFoundError, match="lacks"):
        resolve_input_dir(tmp_path / "empty", tmp_path / "cache", fetch=offline_fetch)


def test_no_download_and_nothing_anywhere_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="download disabled"):
        resolve_input_dir(None, tmp_path / "cache", fallback=tmp_path / "nothing", download=False)


def test_catalog_csvs_read_with_explicit_schemas_into_the_ratings_layout(
    spark: SparkSession, tmp_path: Path
) -> None:
    folder = make_catalog(tmp_path / "csv")
    movies = read_csv(spark, folder / "movies.csv", MOVIES_CSV_SCHEMA)
    assert [tuple(r) for r in movies.orderBy("movieId").collect()][1] == (
        2,
        "Usual Suspects, The (1995)",
        "Crime",
    )
    ratings = catalog_ratings(read_csv(spark, folder / "ratings.csv", RATINGS_CSV_SCHEMA))
    assert [f.dataType for f in ratings.schema.fields] == [f.dataType for f in RATINGS_SCHEMA.fields]
    assert [tuple(r) for r in ratings.orderBy("userId").collect()] == [
        (1, 1, 4.0, 964982703, "catalog", None, None),
        (2, 2, 5.0, 964981247, "catalog", None, None),
    ]


def test_table_ddl_registers_delta_over_the_lake_location() -> None:
    ddl = table_ddl("ratings", "hdfs://nn:9000/lake/curated/movie_ratings/ratings")
    assert ddl.startswith("CREATE TABLE IF NOT EXISTS movie_ratings.ratings (`userId` int,")
    assert (
        "USING DELTA PARTITIONED BY (source) LOCATION 'hdfs://nn:9000/lake/curated/movie_ratings/ratings'"
        in ddl
    )
