"""`lake`: the platform's command line (installed into .venv/bin by the package)."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Run and inspect the native data lake platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# A wide table when piped (CI logs), the terminal width otherwise.
console = Console(width=None if sys.stdout.isatty() else 150)


def _print_table(statuses: list) -> None:
    table = Table(title="datalake platform")
    for column in ("service", "url", "process", "health", "detail"):
        table.add_column(column, overflow="fold")
    for s in statuses:
        health = "[green]healthy[/]" if s.healthy else "[red]unhealthy[/]"
        table.add_row(s.name, s.url or "-", s.process, health, s.detail)
    console.print(table)


@app.command()
def install() -> None:
    """Resolve the pinned JVM jars and build the platform's Java code (skipped when up to date)."""
    from datalake.platform.install import install_all

    install_all()


@app.command()
def up(
    services: Annotated[list[str] | None, typer.Argument(help="only these (and their dependencies)")] = None,
    platform_only: Annotated[bool, typer.Option("--platform-only", help="no pipelines")] = False,
) -> None:
    """Install what is missing, start every service and wait until all are healthy."""
    from datalake.platform.install import install_all
    from datalake.platform.runner import PlatformError, ensure_secrets
    from datalake.platform.runner import up as bring_up

    started = time.monotonic()
    try:
        ensure_secrets()  # first: every later step reads passwords from .env
        install_all()
        statuses = bring_up(services or None, with_pipelines=not platform_only)
    except PlatformError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    _print_table(statuses)
    unhealthy = [s.name for s in statuses if not s.healthy]
    if unhealthy:
        console.print(f"[red]unhealthy after {time.monotonic() - started:.1f}s:[/] {', '.join(unhealthy)}")
        raise typer.Exit(1)
    console.print(f"all services healthy in {time.monotonic() - started:.1f}s")


@app.command()
def down() -> None:
    """Stop every service (data is kept in var/data)."""
    from datalake.platform.runner import down as stop_all

    stop_all()
    console.print("platform stopped")


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """Each service, its URL and whether it is healthy. Exit code 1 if any is not."""
    from datalake.platform.runner import status as get_status

    statuses = get_status()
    if as_json:
        sys.stdout.write(json.dumps([s.as_dict() for s in statuses], indent=2) + "\n")
    else:
        _print_table(statuses)
    if not all(s.healthy for s in statuses):
        raise typer.Exit(1)


@app.command()
def logs(service: str, lines: int = typer.Option(50, "-n")) -> None:
    """The last lines of a service's log."""
    from datalake.platform.runner import log_tail
    from datalake.platform.services import context

    console.print(log_tail(context(), service, lines), highlight=False, markup=False)


@app.command()
def setup() -> None:
    """Set up every pipeline (topics, connectors, catalog) and unpause its DAGs, on services someone
    else runs: `./start.sh --compose` calls this inside the Airflow container."""
    from datalake.platform.runner import start_pipelines
    from datalake.platform.services import context

    start_pipelines(context(), None, progress=True)
    console.print("pipelines set up")


@app.command("sql-user")
def sql_user(
    name: Annotated[str, typer.Argument(help="user name for the Spark Thrift server")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="its password")
    ],
) -> None:
    """Add a Spark Thrift server user, or change its password (takes effect at the next login)."""
    from datalake.platform.credentials import set_user, thrift_users_file
    from datalake.platform.services import context

    ctx = context()
    try:
        changed = set_user(thrift_users_file(ctx.paths), name, password, owner=ctx.service_user)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(f"{name}: {'saved' if changed else 'unchanged (same password)'}")


if __name__ == "__main__":
    app()
