"""`lake`: the platform's command line (installed into .venv/bin by the package)."""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from datalake.platform.runner import Status

app = typer.Typer(
    help="Run and inspect the native data lake platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# A wide table when piped (CI logs), the terminal width otherwise.
console = Console(width=None if sys.stdout.isatty() else 150)


def _print_table(statuses: list[Status]) -> None:
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
    from datalake.platform.launch import context
    from datalake.platform.runner import log_tail

    console.print(log_tail(context(), service, lines), highlight=False, markup=False)


@app.command()
def setup() -> None:
    """Set up every pipeline (topics, connectors, catalog) and unpause its DAGs, on services someone
    else runs: `./start.sh --compose` calls this inside the Airflow container."""
    from datalake.platform.launch import context
    from datalake.platform.runner import start_pipelines

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
    from datalake.platform.launch import context

    ctx = context()
    try:
        changed = set_user(thrift_users_file(ctx.paths), name, password, owner=ctx.service_user)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(f"{name}: {'saved' if changed else 'unchanged (same password)'}")


# ---- a user's day: query, trigger, look around -------------------------------------------------------
@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="one SQL statement for the Spark Thrift server")],
    max_rows: Annotated[int, typer.Option(help="print at most this many rows")] = 100,
) -> None:
    """Run SQL on the lake (every Delta and Hive table) through the Spark Thrift server, as `lake`."""
    from datalake import thrift

    try:
        conn = thrift.connect()
    except Exception as exc:  # connection refused, bad password: one line, not a Thrift traceback
        console.print(f"[red]error:[/] cannot reach the Spark Thrift server: {exc}", highlight=False)
        raise typer.Exit(1) from None
    with conn:
        cursor = conn.cursor()
        try:
            cursor.execute(query)
        except Exception as exc:
            console.print("[red]error:[/]", thrift.error_message(exc), highlight=False)
            raise typer.Exit(1) from None
        if cursor.description is None:
            console.print("ok")
            return
        rows = cursor.fetchmany(max_rows + 1)
    table = Table(*(column[0] for column in cursor.description))
    for row in rows[:max_rows]:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    console.print(table)
    more = " (more not shown: --max-rows)" if len(rows) > max_rows else ""
    console.print(f"{min(len(rows), max_rows)} row(s){more}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def mysql(ctx: typer.Context) -> None:
    """The MariaDB client as the read-only `analyst` (the results: top_movies, finance marts).
    Extra arguments go to the client: `lake mysql -e "SELECT ..." movie_ratings`."""
    import os
    import shutil

    from datalake.mariadb import client_command

    try:
        argv, env = client_command(list(ctx.args))
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    binary = shutil.which("mariadb") or shutil.which("mysql")
    if binary is None:
        console.print("[red]error:[/] no `mariadb` client on PATH (Debian: apt-get install mariadb-client)")
        raise typer.Exit(1)
    sys.stdout.flush()
    os.execve(binary, argv, {**os.environ, **env})


@app.command()
def trigger(
    dag_id: Annotated[str, typer.Argument(help="the DAG to run")],
    date: Annotated[
        str | None, typer.Option("--date", help="logical date YYYY-MM-DD (default: today, UTC)")
    ] = None,
    conf: Annotated[str | None, typer.Option(help="the run's conf, as JSON")] = None,
    timeout: Annotated[float, typer.Option(help="give up waiting after this many seconds")] = 3600,
) -> None:
    """Trigger a DAG run, follow it until it ends and print its task states (exit 1 unless success)."""
    from datetime import UTC, datetime
    from datetime import date as Date

    from datalake.airflow_api import AirflowClient, AirflowError, summarize_states

    try:
        # Airflow keeps one run per logical date: without --date the run is stamped now (its
        # {{ ds }} is still today), so a second trigger the same day is a new run, not a conflict.
        logical = (
            datetime.combine(Date.fromisoformat(date), datetime.min.time(), UTC)
            if date
            else datetime.now(UTC)
        )
        run_conf = json.loads(conf) if conf else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    day = logical.date()
    try:
        client = AirflowClient()
        run_id = client.trigger(dag_id, logical.isoformat(), conf=run_conf)
    except AirflowError as exc:
        hint = (
            f" (a run for {day} exists: clear it in the Airflow UI to run it again)"
            if " 409 " in str(exc)
            else ""
        )
        console.print(f"[red]error:[/] {exc}{hint}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    console.print(f"{dag_id}: run {run_id} for {day}", highlight=False)
    with console.status(f"{dag_id}: queued") as spinner:

        def progress(state: str) -> None:
            spinner.update(f"{dag_id}: {state}; tasks {summarize_states(client.task_states(dag_id, run_id))}")

        try:
            state = client.wait_for_run(dag_id, run_id, timeout_s=timeout, on_poll=progress)
        except AirflowError as exc:
            console.print(f"[red]{exc}[/] (it keeps running in Airflow)", highlight=False)
            raise typer.Exit(1) from None
    table = Table("task", "state")
    for task, task_state in client.task_states(dag_id, run_id).items():
        colour = "green" if task_state == "success" else "red" if task_state == "failed" else "yellow"
        table.add_row(task, f"[{colour}]{task_state}[/]")
    console.print(table)
    if state != "success":
        console.print(client.failure_report(dag_id, run_id), highlight=False, markup=False)
        console.print(f"[red]{dag_id} run {run_id}: {state}[/]")
        raise typer.Exit(1)
    console.print(f"[green]{dag_id} run {run_id}: success[/]")


@app.command()
def urls() -> None:
    """Each UI and endpoint, its login user and which `.env` line holds its password."""
    from datalake.platform.logins import logins
    from datalake.settings import get_settings

    table = Table("what", "url", "user", "password")
    for login in logins(get_settings()):
        table.add_row(login.what, login.url, login.user, login.secret)
    console.print(table)


@app.command()
def topics(
    topic: Annotated[str | None, typer.Argument(help="show this topic's last messages")] = None,
    last: Annotated[int, typer.Option("--last", "-n", help="how many messages")] = 10,
) -> None:
    """Topics with their records and the consumer groups' lag; or a topic's last messages."""
    from datalake import kafka_inspect

    try:
        if topic is not None:
            messages = kafka_inspect.last_messages(topic, last)
            table = Table("partition", "offset", "timestamp", "key", "value")
            for m in messages:
                stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(m.timestamp_ms / 1000))
                table.add_row(str(m.partition), str(m.offset), stamp, m.key or "", m.value or "")
            console.print(table)
            console.print(f"{len(messages)} message(s) of {topic}", highlight=False)
            return
        listing = Table("topic", "partitions", "records held", "records written")
        for t in kafka_inspect.list_topics():
            listing.add_row(t.name, str(t.partitions), f"{t.messages:,}", f"{t.end:,}")
        console.print(listing)
        lags = Table("consumer group", "topic", "committed", "end", "lag")
        for g in kafka_inspect.consumer_lags():
            lags.add_row(g.group, g.topic, f"{g.committed:,}", f"{g.end:,}", f"{g.lag:,}")
        console.print(lags)
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None


if __name__ == "__main__":
    app()
