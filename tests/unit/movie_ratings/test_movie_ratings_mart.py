"""The MariaDB mart load and the data check, with a fake DB-API connection (pure logic)."""

from __future__ import annotations

from datetime import date

import pytest
from datalake.jobs.movie_ratings.check_top_movies import MartMismatchError, check, compare_top_movies
from datalake.jobs.movie_ratings.mart import (
    CREATE_DATABASE,
    CREATE_TABLE,
    DELETE_DATE,
    INSERT_ROW,
    SELECT_DATE,
    TopMovie,
    load_top_movies,
    read_top_movies,
)

from tests.fakes import FakeConnection, flat

DAY = date(2024, 6, 2)
ROWS = [
    TopMovie(DAY, 318, "Shawshank Redemption, The (1994)", 300, 4.45),
    TopMovie(DAY, 858, "Godfather", 200, 4.3),
]


def test_load_creates_then_replaces_the_date_in_one_transaction() -> None:
    conn = FakeConnection()
    assert load_top_movies(ROWS, DAY, lambda: conn) == 2
    assert conn.log == [
        ("execute", flat(CREATE_DATABASE), None),
        ("execute", flat(CREATE_TABLE), None),
        ("begin", None, None),
        ("execute", flat(DELETE_DATE), (DAY,)),
        ("executemany", flat(INSERT_ROW), [tuple(row) for row in ROWS]),
        ("commit", None, None),
        ("close", None, None),
    ]
    assert "PRIMARY KEY (date, movieId)" in CREATE_TABLE and "title VARCHAR(512)" in CREATE_TABLE


def test_load_rolls_back_on_failure_and_rejects_other_dates() -> None:
    conn = FakeConnection(fail_on="DELETE")
    with pytest.raises(RuntimeError, match="boom"):
        load_top_movies(ROWS, DAY, lambda: conn)
    assert conn.kinds()[-2:] == ["rollback", "close"] and "commit" not in conn.kinds()
    with pytest.raises(ValueError, match="other dates"):
        load_top_movies(ROWS, date(2024, 6, 3), FakeConnection)


def test_load_of_no_rows_still_clears_the_date() -> None:
    conn = FakeConnection()
    load_top_movies([], DAY, lambda: conn)
    assert ("execute", flat(DELETE_DATE), (DAY,)) in conn.log and not conn.calls("executemany")


def test_read_returns_typed_rows() -> None:
    conn = FakeConnection(answers={"SELECT": [tuple(r) for r in ROWS]})
    rows = read_top_movies(DAY, lambda: conn)
    assert rows == ROWS and conn.log[0] == ("execute", flat(SELECT_DATE), (DAY,))


def test_check_passes_on_equal_rows_within_tolerance() -> None:
    nudged = [ROWS[0]._replace(ratings_mean=4.45 + 1e-12), ROWS[1]]
    assert compare_top_movies(ROWS, list(reversed(nudged))) == []
    check(DAY, ROWS, nudged)


def test_check_lists_every_difference() -> None:
    mart = [ROWS[0]._replace(ratings_count=299, ratings_mean=4.4), TopMovie(DAY, 1, "Toy Story", 50, 4.0)]
    lake = [*ROWS, TopMovie(DAY, 2, "Jumanji", 40, 3.9)]
    problems = compare_top_movies(lake, mart)
    assert problems == [
        "row count: mart 2 != lake 3",
        "movieIds missing from the mart: [2, 858]",
        "movieIds in the mart but not in the lake's top: [1]",
        "movieId 318: ratings_count mart 299 != lake 300",
        "movieId 318: ratings_mean mart 4.4 != lake 4.45 (tolerance 1e-09)",
    ]
    with pytest.raises(
        MartMismatchError, match=r"top_movies for 2024-06-02 differs from the lake:\n  - row count"
    ):
        check(DAY, lake, mart)


def test_check_fails_on_an_empty_mart_date() -> None:
    assert compare_top_movies([], []) == ["the mart has no rows for this date"]
    with pytest.raises(MartMismatchError, match="no rows"):
        check(DAY, ROWS, [])
