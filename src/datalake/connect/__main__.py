"""The CLI: `python -m datalake.connect apply kafka_connect/connectors`, `lint`, `status NAME`, ...

Separate so that importing the client or the probes does not build a typer app.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from datalake.connect.client import ApplyResult, ConnectClient
from datalake.connect.configs import CONNECTORS_DIR, connector_files, lint_connector
from datalake.connect.errors import ConnectError

app = typer.Typer(add_completion=False, help="Apply and inspect Kafka Connect connectors.")
UrlOption = Annotated[str, typer.Option(help="Connect REST URL (default: settings.connect_url)")]


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=True))


@app.command()
def apply(
    paths: Annotated[list[Path] | None, typer.Argument(help="connector files or folders")] = None,
    url: UrlOption = "",
    wait: Annotated[bool, typer.Option(help="wait until RUNNING")] = True,
    timeout: Annotated[float, typer.Option(help="seconds to wait per connector")] = 120.0,
) -> None:
    """Create or update connectors from JSON files (default: kafka_connect/connectors/)."""
    client = ConnectClient(url)
    results: list[ApplyResult] = []
    try:
        for path in paths or [CONNECTORS_DIR]:
            if path.is_dir():
                results += client.apply_all(path, wait=wait, timeout_s=timeout)
            else:
                results.append(client.apply(path, wait=wait, timeout_s=timeout))
    except ConnectError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for r in results:
        state = "RUNNING" if r.status else "submitted"
        typer.echo(f"{r.name}: {'created' if r.created else 'updated'}, {state}")


@app.command()
def lint(directory: Annotated[Path, typer.Argument()] = CONNECTORS_DIR) -> None:
    """Check connector files without contacting Connect."""
    problems = [p for f in connector_files(directory) for p in lint_connector(f)]
    for p in problems:
        typer.echo(p, err=True)
    raise typer.Exit(1 if problems else 0)


@app.command()
def status(name: str, url: UrlOption = "") -> None:
    """Print a connector's status (state, tasks, traces)."""
    _echo_json(ConnectClient(url).status(name))


@app.command("list")
def list_connectors(url: UrlOption = "") -> None:
    """Print the names of the registered connectors."""
    _echo_json(ConnectClient(url).connectors())


@app.command()
def plugins(url: UrlOption = "") -> None:
    """Print the connector plugins the worker has loaded."""
    _echo_json(ConnectClient(url).list_plugins())


@app.command()
def delete(name: str, url: UrlOption = "") -> None:
    """Delete a connector (its committed offsets stay in Kafka)."""
    typer.echo("deleted" if ConnectClient(url).delete(name) else "no such connector")


if __name__ == "__main__":
    app()
