"""Pipelines that `./start.sh` brings to life once the platform is healthy.

A pipeline is: an idempotent `setup` (load a catalog, apply connectors), long-running `programs`
the supervisor keeps alive (a streaming job, a generator), and the DAGs to unpause. Adding a
pipeline means adding a module here and listing it in `registry()`; the runner does the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from datalake.platform.launch import Context
from datalake.platform.services import Service


@dataclass(frozen=True)
class Pipeline:
    name: str
    programs: tuple[Service, ...] = ()
    setup: Callable[[Context], None] | None = None
    dags: tuple[str, ...] = ()
    connectors: tuple[str, ...] = ()  # kafka_connect/connectors/<name>.json its setup applies


def apply_connectors(pipeline: Pipeline, timeout_s: float = 180.0) -> None:
    """Create or update the pipeline's `connectors` from their files, waiting until each is RUNNING."""
    from datalake.connect.client import ConnectClient

    for result in ConnectClient().apply_all(names=pipeline.connectors, timeout_s=timeout_s):
        print(
            f"  {pipeline.name}: connector {result.name} {'created' if result.created else 'updated'}, RUNNING"
        )


def registry() -> list[Pipeline]:
    from datalake.pipelines import bank, channels, finances, maintenance, mongo, movie_ratings

    return [
        movie_ratings.PIPELINE,
        bank.PIPELINE,
        mongo.PIPELINE,
        channels.PIPELINE,
        finances.PIPELINE,
        maintenance.PIPELINE,
    ]


def programs() -> list[Service]:
    return [program for pipeline in registry() for program in pipeline.programs]
