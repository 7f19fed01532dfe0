"""Rating event sources for topic `movieRatings`: a seeded synthetic stream and a CSV replay.

Every event is `{"userId": int, "movieId": int, "rating": float, "timestamp": int}` (epoch
seconds), the MovieLens ratings.csv row with real numeric types (the seed sent a Python repr
with string values, which Spark parsed into all-null rows).

The synthetic source is shaped by the MovieLens catalog so the daily top-100 means something:
popular movies are drawn more often (weighted by their catalog rating count), each movie is rated
around its own (shrunk) catalog mean, and users come from the catalog plus a pool of new ids.
Randomness is pre-drawn with numpy in blocks, so the per-event cost is building one small dict;
only the timestamp is read per event, from an injectable clock, so a slow trickle still carries
live timestamps and tests or e2e runs can pin events to a chosen date.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from datalake.generators.base import Clock, Event, system_clock

from datalake.settings import REPO_ROOT

# The offline MovieLens copy shared beside the repository (GroupLens may be unreachable).
OFFLINE_MOVIELENS_DIR = REPO_ROOT.parent / "shared" / "data" / "movielens" / "ml-latest-small"


@dataclass(frozen=True)
class Catalog:
    """What the synthetic source needs to know about movies and users, as numpy arrays."""

    movie_ids: np.ndarray  # int64
    movie_weights: np.ndarray  # float64, popularity (any scale)
    movie_means: np.ndarray  # float64, the level each movie is rated around
    user_ids: np.ndarray  # int64
    user_weights: np.ndarray  # float64, activity (any scale)

    @property
    def max_user_id(self) -> int:
        return int(self.user_ids.max()) if len(self.user_ids) else 0

    @classmethod
    def from_ratings_csv(cls, path: Path, shrinkage: float = 5.0) -> Catalog:
        """Popularity and rating level per movie, activity per user, from a MovieLens ratings.csv.

        Means are shrunk toward the global mean by `shrinkage` pseudo-ratings, so a movie rated
        once with 5.0 does not become a synthetic favourite.
        """
        import pandas as pd

        ratings = pd.read_csv(
            path,
            usecols=["userId", "movieId", "rating"],
            dtype={"userId": "int64", "movieId": "int64", "rating": "float64"},
        )
        global_mean = float(ratings["rating"].mean())
        per_movie = ratings.groupby("movieId")["rating"].agg(["count", "sum"]).sort_index()
        means = (per_movie["sum"] + shrinkage * global_mean) / (per_movie["count"] + shrinkage)
        per_user = ratings.groupby("userId").size().sort_index()
        return cls(
            movie_ids=per_movie.index.to_numpy(dtype=np.int64),
            movie_weights=per_movie["count"].to_numpy(dtype=np.float64),
            movie_means=means.to_numpy(dtype=np.float64),
            user_ids=per_user.index.to_numpy(dtype=np.int64),
            user_weights=per_user.to_numpy(dtype=np.float64),
        )

    @classmethod
    def zipf(cls, n_movies: int = 9_000, n_users: int = 700, exponent: float = 1.0, seed: int = 0) -> Catalog:
        """A catalog-free fallback: Zipf popularity over movie ids 1..n, random levels around 3.5."""
        rng = np.random.default_rng(seed)
        ranks = np.arange(1, n_movies + 1, dtype=np.float64)
        return cls(
            movie_ids=np.arange(1, n_movies + 1, dtype=np.int64),
            movie_weights=1.0 / ranks**exponent,
            movie_means=np.clip(rng.normal(3.5, 0.45, n_movies), 1.0, 5.0),
            user_ids=np.arange(1, n_users + 1, dtype=np.int64),
            user_weights=1.0 / np.arange(1, n_users + 1, dtype=np.float64) ** 0.8,
        )


def default_catalog(movielens_dir: Path = OFFLINE_MOVIELENS_DIR) -> tuple[Catalog, str]:
    """The MovieLens catalog when its ratings.csv is at hand, else the Zipf fallback; says which."""
    ratings_csv = movielens_dir / "ratings.csv"
    if ratings_csv.is_file():
        return Catalog.from_ratings_csv(ratings_csv), f"movielens catalog {ratings_csv}"
    return Catalog.zipf(), "zipf fallback (no ratings.csv found)"


class SyntheticRatings:
    """An endless, seeded stream of realistic rating events.

    Deterministic for a given seed (except the timestamps, which come from `clock`): iterating
    twice yields the same users, movies and ratings.
    """

    def __init__(
        self,
        catalog: Catalog,
        *,
        seed: int | None = None,
        clock: Clock = system_clock,
        new_user_share: float = 0.05,
        new_user_pool: int = 100_000,
        noise_sd: float = 0.9,
        block_size: int = 8_192,
    ) -> None:
        if not 0.0 <= new_user_share <= 1.0:
            raise ValueError(f"new_user_share must be in [0, 1], got {new_user_share}")
        self.catalog = catalog
        self.seed = seed
        self.clock = clock
        self.new_user_share = new_user_share
        self.new_user_pool = new_user_pool
        self.noise_sd = noise_sd
        self.block_size = block_size
        # Inverse-CDF sampling: one searchsorted per block instead of rng.choice's per-call setup.
        self._movie_cdf = _cdf(catalog.movie_weights)
        self._user_cdf = _cdf(catalog.user_weights)

    def draw_arrays(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`n` events' (userIds, movieIds, ratings) as numpy arrays: the bulk path of benchmarks."""
        cat = self.catalog
        movie_idx = _sample(self._movie_cdf, rng, n)
        levels = cat.movie_means[movie_idx] + rng.normal(0.0, self.noise_sd, n)
        ratings = np.clip(np.round(levels * 2.0) / 2.0, 0.5, 5.0)
        users = cat.user_ids[_sample(self._user_cdf, rng, n)]
        is_new = rng.random(n) < self.new_user_share
        new_ids = cat.max_user_id + 1 + rng.integers(0, self.new_user_pool, n)
        users = np.where(is_new, new_ids, users)
        return users, cat.movie_ids[movie_idx], ratings

    def _draw_block(self, rng: np.random.Generator) -> tuple[list[int], list[int], list[float]]:
        users, movies, ratings = self.draw_arrays(rng, self.block_size)
        # tolist() gives plain Python ints/floats, so json.dumps needs no numpy handling.
        return users.tolist(), movies.tolist(), ratings.tolist()

    def __iter__(self) -> Iterator[Event]:
        rng = np.random.default_rng(self.seed)
        clock = self.clock
        while True:
            users, movies, ratings = self._draw_block(rng)
            for user_id, movie_id, rating in zip(users, movies, ratings, strict=True):
                yield {"userId": user_id, "movieId": movie_id, "rating": rating, "timestamp": int(clock())}


class CsvReplay:
    """Replays a MovieLens-layout ratings CSV (header userId,movieId,rating,timestamp) once, in order."""

    FIELDS = ("userId", "movieId", "rating", "timestamp")

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __iter__(self) -> Iterator[Event]:
        with self.path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return
            missing = [name for name in self.FIELDS if name not in header]
            if missing:
                raise ValueError(f"{self.path}: header {header} lacks columns {missing}")
            u, m, r, t = (header.index(name) for name in self.FIELDS)
            for line_no, row in enumerate(reader, start=2):
                if not row:
                    continue
                try:
                    yield {
                        "userId": int(row[u]),
                        "movieId": int(row[m]),
                        "rating": float(row[r]),
                        "timestamp": int(row[t]),
                    }
                except (ValueError, IndexError) as exc:
                    raise ValueError(f"{self.path}:{line_no}: bad rating row {row!r}: {exc}") from exc


def _cdf(weights: np.ndarray) -> np.ndarray:
    if len(weights) == 0 or float(weights.sum()) <= 0:
        raise ValueError("a catalog needs at least one movie and one user with positive weight")
    cdf = np.cumsum(weights, dtype=np.float64)
    return cdf / cdf[-1]


def _sample(cdf: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    idx = np.searchsorted(cdf, rng.random(n), side="right")
    return np.minimum(idx, len(cdf) - 1)
