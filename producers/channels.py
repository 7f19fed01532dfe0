"""Bank channel producers: operations of real `santander.clients` rows -> topic `channels.operations`.

    python -m datalake.producers.channels --channel atm --freq 20            # 20 events/s, until Ctrl-C
    python -m datalake.producers.channels --channel all --freq 0 --count 1000000   # five channels, flat out
    python -m datalake.producers.channels --channel mobile --count 500 --event-date 2026-11-28

One engine (`producers/engine.py`), five definitions (`generators/channels.py`). One shared topic
with a `channel` field (docs/bank-channels.md says why), keyed by client id so one client's
operations stay in order across channels; the record's timestamp is the event's own. The clients
come from MariaDB `santander.clients` (read at start and again every `--refresh` seconds), so
every event joins a real client in the lake.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Annotated

import typer
from datalake.generators.bank_domains import ClientRef
from datalake.generators.base import clock_on_date
from datalake.generators.channels import CHANNELS, Event, events
from datalake.producers import engine
from rich.console import Console
from tenacity import Retrying, retry_if_result, wait_fixed

from datalake.settings import get_settings

TOPIC = "channels.operations"
PARTITIONS = 4
EMPTY_WAIT_S = 10.0  # between reads of an empty santander.clients

app = typer.Typer(add_completion=False, help=__doc__)
console = Console(stderr=True)


class ClientPool:
    """The clients events draw from: `load()` again when older than `refresh_s`; waits while none."""

    def __init__(
        self,
        load: Callable[[], Sequence[ClientRef]],
        refresh_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._load, self.refresh_s, self._clock, self._sleep = load, refresh_s, clock, sleep
        self._clients: Sequence[ClientRef] = ()
        self._loaded_at = float("-inf")

    def __call__(self) -> Sequence[ClientRef]:
        if self._clock() - self._loaded_at >= self.refresh_s or not self._clients:
            # No deadline: a supervised producer waits for the bank's first clients however long.
            loaded = Retrying(
                retry=retry_if_result(lambda clients: not clients),
                wait=wait_fixed(EMPTY_WAIT_S),
                sleep=self._sleep,
                before_sleep=lambda _: console.print(
                    "santander.clients is empty: waiting for the bank generator (mysql_ingestion_pipeline)"
                ),
            )
            self._clients = loaded(self._load)
            self._loaded_at = self._clock()
        return self._clients


def load_clients() -> list[ClientRef]:
    from datalake.generators.bank_db import load_client_refs

    from datalake.mariadb import connect

    with connect() as conn:
        return load_client_refs(conn)


def ensure_topic(bootstrap: str, topic: str = TOPIC, partitions: int = PARTITIONS) -> None:
    """Create the channels' topic with its partitions if missing (auto-creation would give it one)."""
    from datalake.kafka_topics import ensure_topic as ensure

    ensure(topic, partitions, bootstrap=bootstrap)


def counted(source: Iterator[Event], counts: Counter[str]) -> Iterator[tuple[bytes, Event]]:
    """Key each event by its client id and count it per channel."""
    for event in source:
        counts[event["channel"]] += 1
        yield str(event["client_id"]).encode(), event


@app.command()
def main(
    channel: Annotated[str, typer.Option(help=f"one of {', '.join(CHANNELS)}, or all")] = "all",
    freq: Annotated[
        float | None,
        typer.Option(help="events per second per channel; 0 = as fast as possible (default: the channel's)"),
    ] = None,
    count: Annotated[int | None, typer.Option(help="stop after this many events")] = None,
    duration: Annotated[float | None, typer.Option(help="stop after this many seconds")] = None,
    seed: Annotated[int | None, typer.Option(help="seed of the draws (deterministic events)")] = None,
    topic: Annotated[str, typer.Option(help="target topic")] = TOPIC,
    refresh: Annotated[float, typer.Option(help="re-read santander.clients every N seconds")] = 60.0,
    event_date: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="stamp events on this UTC date (tests)")
    ] = None,
) -> None:
    """Produce channel operations to Kafka until --count, --duration or Ctrl-C."""
    if channel != "all" and channel not in CHANNELS:
        raise typer.BadParameter(f"unknown channel {channel!r}; choose from {', '.join(CHANNELS)} or all")
    chosen = list(CHANNELS.values()) if channel == "all" else [CHANNELS[channel]]
    per_channel = freq if freq is not None else chosen[0].default_rate
    rate = per_channel * len(chosen)  # <= 0 stays "flat out"
    clock: Callable[[], float] = time.time
    if event_date is not None:
        clock = clock_on_date(event_date.date())
    servers = get_settings().kafka_bootstrap
    ensure_topic(servers, topic)
    console.print(
        f"{topic} <- {', '.join(c.name for c in chosen)}; {rate or 'max'} events/s; bootstrap {servers}"
    )
    counts: Counter[str] = Counter()
    source = events(chosen, ClientPool(load_clients, refresh), seed=seed, clock=clock)
    config = engine.producer_config(servers, **{"client.id": f"channel-{channel}"})
    try:
        stats = engine.run(
            counted(source, counts),
            topic,
            config,
            rate=rate,
            max_events=count,
            duration=duration,
            timestamp=lambda event: event["timestamp"],
        )
    except engine.DeliveryError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(code=1) from exc
    for name, n in sorted(counts.items()):
        console.print(f"  {name:<17} {n:>10,} events  {n / max(stats.elapsed, 1e-9):>10,.1f} events/s")


if __name__ == "__main__":
    app()
