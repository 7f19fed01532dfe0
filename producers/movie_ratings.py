"""Movie ratings producer: synthetic or replayed rating events -> topic `movieRatings`.

    python -m datalake.producers.movie_ratings --rate 20                # live trickle, real time
    python -m datalake.producers.movie_ratings --rate 0 --count 1000000  # flat out
    python -m datalake.producers.movie_ratings --source csv --csv ratings.csv --rate 0
    python -m datalake.producers.movie_ratings --count 5000 --event-date 2024-06-01 --seed 7

Keyed by userId, so one user's ratings stay ordered within a partition.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from datalake.generators.base import Event, clock_on_date, keyed, system_clock
from datalake.generators.movie_ratings import (
    OFFLINE_MOVIELENS_DIR,
    CsvReplay,
    SyntheticRatings,
    default_catalog,
)
from datalake.producers import engine
from rich.console import Console

from datalake.settings import get_settings

TOPIC = "movieRatings"

app = typer.Typer(add_completion=False, help=__doc__)


class Source(StrEnum):
    SYNTHETIC = "synthetic"
    CSV = "csv"


def build_source(
    source: Source,
    *,
    csv_path: Path | None = None,
    seed: int | None = None,
    event_date: date | None = None,
    movielens_dir: Path = OFFLINE_MOVIELENS_DIR,
) -> tuple[Iterable[Event], str]:
    """The event source selected by name, and a one-line description of it."""
    if source is Source.CSV:
        if csv_path is None:
            raise typer.BadParameter("--source csv needs --csv PATH")
        if event_date is not None:
            raise typer.BadParameter("--event-date applies to the synthetic source only")
        return CsvReplay(csv_path), f"csv replay of {csv_path}"
    if source is Source.SYNTHETIC:
        catalog, described = default_catalog(movielens_dir)
        clock = clock_on_date(event_date) if event_date else system_clock
        on = f", timestamps on {event_date}" if event_date else ""
        return SyntheticRatings(catalog, seed=seed, clock=clock), f"synthetic ({described}, seed {seed}{on})"
    raise ValueError(f"unknown source {source!r}")


@app.command()
def main(
    rate: Annotated[float, typer.Option(help="events per second; 0 or less = as fast as possible")] = 20.0,
    source: Annotated[Source, typer.Option(help="synthetic generator or csv replay")] = Source.SYNTHETIC,
    csv: Annotated[Path | None, typer.Option("--csv", help="ratings CSV (MovieLens layout)")] = None,
    seed: Annotated[int | None, typer.Option(help="seed of the synthetic source (deterministic)")] = None,
    count: Annotated[int | None, typer.Option(help="stop after this many events")] = None,
    duration: Annotated[float | None, typer.Option(help="stop after this many seconds")] = None,
    topic: Annotated[str, typer.Option(help="target topic")] = TOPIC,
    event_date: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="put synthetic timestamps on this UTC date (YYYY-MM-DD)"),
    ] = None,
    bootstrap: Annotated[str | None, typer.Option(help="Kafka bootstrap servers (default: settings)")] = None,
) -> None:
    """Produce rating events to Kafka until the source, --count or --duration ends, or Ctrl-C."""
    events, described = build_source(
        source, csv_path=csv, seed=seed, event_date=event_date.date() if event_date else None
    )
    servers = bootstrap or get_settings().kafka_bootstrap
    Console(stderr=True).print(f"{topic} <- {described}; bootstrap {servers}; rate {rate or 'max'}/s")
    config = engine.producer_config(servers, **{"client.id": "movie-ratings-producer"})
    try:
        engine.run(keyed(events, "userId"), topic, config, rate=rate, max_events=count, duration=duration)
    except engine.DeliveryError as exc:
        Console(stderr=True).print(f"[red]{exc}[/]")
        raise typer.Exit(code=1) from exc


if __name__ == "__main__":
    app()
