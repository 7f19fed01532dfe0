"""The MariaDB mart `movie_ratings.top_movies`: DDL, the idempotent per-date load, and reads.

Plain pymysql behind a connection factory, so the SQL sequence is unit-tested with a fake
connection and the same functions run against the real server in the jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, NamedTuple, Protocol

MART_DATABASE = "movie_ratings"
MART_TABLE = f"{MART_DATABASE}.top_movies"

CREATE_DATABASE = f"CREATE DATABASE IF NOT EXISTS {MART_DATABASE} CHARACTER SET utf8mb4"
CREATE_TABLE = f"""CREATE TABLE IF NOT EXISTS {MART_TABLE} (
    date DATE NOT NULL,
    movieId INT NOT NULL,
    title VARCHAR(512) NOT NULL,
    ratings_count BIGINT NOT NULL,
    ratings_mean DOUBLE NOT NULL,
    PRIMARY KEY (date, movieId)
)"""
DELETE_DATE = f"DELETE FROM {MART_TABLE} WHERE date = %s"
_COLUMNS = "date, movieId, title, ratings_count, ratings_mean"
INSERT_ROW = f"INSERT INTO {MART_TABLE} ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s)"
SELECT_DATE = f"SELECT {_COLUMNS} FROM {MART_TABLE} WHERE date = %s ORDER BY movieId"


class TopMovie(NamedTuple):
    date: date
    movieId: int
    title: str
    ratings_count: int
    ratings_mean: float


class Connection(Protocol):
    """The DB-API subset used here (pymysql's Connection satisfies it)."""

    def cursor(self) -> Any: ...
    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


ConnectionFactory = Callable[[], Connection]


def mariadb_connection() -> Connection:
    """A pymysql connection to the platform's MariaDB, from settings (autocommit off)."""
    import pymysql

    from datalake.settings import get_settings

    settings = get_settings()
    return pymysql.connect(
        host=settings.mariadb_host,
        port=settings.mariadb_port,
        user=settings.mariadb_user,
        password=settings.mariadb_password,
        charset="utf8mb4",
        autocommit=False,
        connect_timeout=10,
    )


def load_top_movies(rows: Sequence[TopMovie], run_date: date, connect: ConnectionFactory) -> int:
    """Replace the mart rows of `run_date` with `rows` in one transaction; returns rows written.

    The DDL runs first and on its own: MariaDB commits implicitly around DDL, so putting it inside
    the transaction would end it early. Then DELETE the date + INSERT the rows + COMMIT is one
    atomic unit: readers see the old day or the new day, and a re-run or retry replaces the date
    instead of appending duplicates (the seed appended on every run).
    """
    strays = sorted({row.date for row in rows if row.date != run_date})
    if strays:
        raise ValueError(f"rows for {run_date} carry other dates: {strays}")
    conn = connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute(CREATE_DATABASE)
            cursor.execute(CREATE_TABLE)
        conn.begin()
        try:
            with conn.cursor() as cursor:
                cursor.execute(DELETE_DATE, (run_date,))
                if rows:
                    cursor.executemany(INSERT_ROW, [tuple(row) for row in rows])
            conn.commit()
        except Exception:
            conn.rollback()
            raise
    finally:
        conn.close()
    return len(rows)


def read_top_movies(run_date: date, connect: ConnectionFactory) -> list[TopMovie]:
    """The mart rows of `run_date`, by movieId (the table must exist: the load creates it)."""
    conn = connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute(SELECT_DATE, (run_date,))
            return [TopMovie(*row) for row in cursor.fetchall()]
    finally:
        conn.close()
