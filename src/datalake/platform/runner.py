"""Bringing the native stack up and down in dependency order, waiting on health, never on sleeps.

Each service gets a thread that waits for its dependencies to be ready, runs its one-time
initialisation, asks supervisord to start it, polls its health check and then runs its idempotent
setup. Independent services therefore start in parallel, which keeps a cold start short on 2 cores.

One file (~300 lines) on purpose: start, stop and status share the thread-per-service state and
the order, and reading them together is how their interplay is checked.
"""

from __future__ import annotations

import concurrent.futures
import errno
import graphlib
import socket
import threading
import time
from dataclasses import dataclass

import psutil

from datalake import pipelines
from datalake.platform import bootstrap, configs, credentials
from datalake.platform.accounts import AccountError, check_service_user
from datalake.platform.health import Unhealthy
from datalake.platform.launch import Context, context
from datalake.platform.secrets import ensure_env_file
from datalake.platform.services import Service, build_registry
from datalake.platform.supervisor import (
    RUNNING_STATES,
    Supervisor,
    process_trees,
    reap,
    render_config,
    session_members,
)
from datalake.settings import REPO_ROOT, get_settings
from datalake.waiting import wait_until


class PlatformError(RuntimeError):
    """A failure the user can act on; the message says what and where."""


@dataclass(frozen=True)
class Status:
    name: str
    role: str
    url: str
    process: str
    healthy: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {
            "service": self.name,
            "role": self.role,
            "url": self.url,
            "process": self.process,
            "healthy": self.healthy,
            "detail": self.detail,
        }


def log_tail(ctx: Context, name: str, lines: int = 40) -> str:
    path = ctx.paths.log_of(name)
    if not path.exists():
        return f"(no log at {path})"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def port_owner(port: int) -> str:
    """Who listens on a port, for the error message (best effort)."""
    try:
        for conn in psutil.net_connections(kind="inet"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
                proc = psutil.Process(conn.pid)
                return f"{proc.name()} (pid {conn.pid})"
    except (psutil.Error, PermissionError):
        pass
    return "another process"


def check_ports_free(service: Service) -> None:
    for port in service.ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                raise PlatformError(
                    f"port {port} is needed by {service.name} but is already in use by {port_owner(port)}. "
                    f"Stop that process (or run ./stop.sh if it is a leftover of this platform) and retry."
                ) from None


def ensure_secrets() -> None:
    """Generate missing secrets into .env before anything reads the settings from it."""
    if ensure_env_file(REPO_ROOT / ".env"):
        get_settings.cache_clear()  # anything read before the file existed is stale


def prepare(ctx: Context, services: list[Service]) -> Supervisor:
    """Folders, configs and credentials files, and a running supervisord that knows every program."""
    try:
        check_service_user(ctx.settings)
    except AccountError as exc:
        raise PlatformError(str(exc)) from None
    bootstrap.prepare_folders(ctx)
    configs.render_all(ctx.settings, ctx.paths)
    credentials.write_all(ctx.settings, ctx.paths, owner=ctx.service_user)
    text = render_config(services + pipelines.programs(), ctx)
    conf = ctx.paths.supervisor_conf
    if not conf.exists() or conf.read_text() != text:
        conf.write_text(text)
        conf.chmod(0o600)  # carries service passwords in environment= lines
    supervisor = Supervisor(ctx.paths)
    if supervisor.is_running():
        supervisor.reload()
    else:
        supervisor.start_daemon()
    return supervisor


def _wait_healthy(ctx: Context, supervisor: Supervisor, service: Service) -> str:
    """The service's health detail once its check passes; a stop while starting fails at once."""

    def probe() -> tuple[str | None, str]:
        """(the health detail, or None while not yet healthy; why not)."""
        state = supervisor.state(service.name)
        if state not in RUNNING_STATES:
            raise PlatformError(
                f"{service.name} stopped while starting (state {state}). Last lines of "
                f"{ctx.paths.log_of(service.name)}:\n{log_tail(ctx, service.name)}"
            )
        if service.check is None:
            return ("running" if state == "RUNNING" else None), f"state {state}"
        try:
            return service.check(ctx.settings), ""
        except Unhealthy as exc:
            return None, str(exc)

    detail, _ = wait_until(
        probe,
        lambda result: result[0] is not None,
        timeout_s=service.start_timeout_s,
        every_s=0.5,
        timeout_error=lambda last: PlatformError(
            f"{service.name} did not become healthy within {service.start_timeout_s}s ({last[1]}). "
            f"Last lines of {ctx.paths.log_of(service.name)}:\n{log_tail(ctx, service.name)}"
        ),
    )
    assert detail is not None
    return detail


def up(names: list[str] | None = None, progress: bool = True, with_pipelines: bool = True) -> list[Status]:
    """Start every service (or `names` and what they depend on) and wait until all are healthy.

    Then, unless `names` narrows the start or `with_pipelines` is off, bring the pipelines to life.
    """
    ensure_secrets()
    ctx = context()
    registry = build_registry()
    by_name = {s.name: s for s in registry}
    wanted = _with_dependencies(names or list(by_name), by_name)
    supervisor = prepare(ctx, registry)
    states = supervisor.states()
    for name in wanted:
        if states.get(name) not in RUNNING_STATES:
            check_ports_free(by_name[name])

    _start_in_dependency_order(ctx, supervisor, [by_name[n] for n in wanted], progress)
    pipelines_too = with_pipelines and not names
    if pipelines_too:
        start_pipelines(ctx, supervisor, progress)
    return settled_status(include_pipelines=pipelines_too)


def settled_status(include_pipelines: bool, timeout_s: float = 60.0) -> list[Status]:
    """The final table: a service that answered its health check while starting and misses one
    now (a slow reply while the freshly unpaused DAGs load the machine) gets until `timeout_s`
    to answer again; one that is still unhealthy then is reported as such."""
    from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

    retrying = Retrying(
        stop=stop_after_delay(timeout_s),
        wait=wait_fixed(2),
        retry=retry_if_result(lambda statuses: not all(s.healthy for s in statuses)),
        retry_error_callback=lambda state: state.outcome.result(),  # type: ignore[union-attr]
    )
    return retrying(status, include_pipelines=include_pipelines)


def start_pipelines(ctx: Context, supervisor: Supervisor | None, progress: bool) -> None:
    """Idempotent setup, then the supervised programs, then unpause the DAGs.

    Without a supervisor (compose, where the programs are services of docker-compose.yml) only
    the setup and the DAGs: `lake setup`.
    """
    from datalake.airflow_api import AirflowClient

    airflow = AirflowClient()
    for pipeline in pipelines.registry():
        if pipeline.setup:
            pipeline.setup(ctx)
        for program in pipeline.programs:
            if supervisor is None:
                break
            if supervisor.state(program.name) not in RUNNING_STATES:
                supervisor.start(program.name)
            _wait_healthy(ctx, supervisor, program)
        for dag_id in pipeline.dags:
            airflow.unpause_when_parsed(dag_id)
        if progress:
            print(f"  pipeline {pipeline.name:<15} running", flush=True)


def _start_in_dependency_order(
    ctx: Context, supervisor: Supervisor, services: list[Service], progress: bool
) -> None:
    """One thread per service: wait for its dependencies, init once, start, wait healthy, set up."""
    ready = {s.name: threading.Event() for s in services}
    failed = threading.Event()
    errors: list[BaseException] = []
    started_at = time.monotonic()

    def bring_up(service: Service) -> None:
        try:
            for dep in service.depends_on:
                while not ready[dep].wait(0.5):
                    if failed.is_set():
                        return
            if supervisor.state(service.name) not in RUNNING_STATES:
                if init := bootstrap.INITIALISE.get(service.name):
                    init(ctx)
                supervisor.start(service.name)
            _wait_healthy(ctx, supervisor, service)
            if setup := bootstrap.AFTER_START.get(service.name):
                setup(ctx)
            if progress:
                print(f"  {service.name:<22} healthy after {time.monotonic() - started_at:5.1f}s", flush=True)
            ready[service.name].set()
        except BaseException as exc:
            errors.append(exc)
            failed.set()

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(services)) as pool:
        list(pool.map(bring_up, services))
    if errors:
        first = errors[0]
        raise first if isinstance(first, PlatformError) else PlatformError(str(first)) from first


def _with_dependencies(names: list[str], by_name: dict[str, Service]) -> list[str]:
    """`names` and every service they depend on, each after its dependencies; a cycle is an error
    (the threads of `_start_in_dependency_order` would otherwise wait on each other for ever)."""
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise PlatformError(f"unknown service(s): {', '.join(unknown)}; known: {', '.join(by_name)}")
    graph: dict[str, tuple[str, ...]] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        if name not in graph:
            graph[name] = by_name[name].depends_on
            pending.extend(graph[name])
    try:
        return list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        raise PlatformError(f"services depend on each other in a cycle: {' -> '.join(exc.args[1])}") from exc


def down() -> None:
    """Stop services in reverse dependency order, then the supervisor itself. Data stays in var/data."""
    ctx = context()
    supervisor = Supervisor(ctx.paths)
    if not supervisor.is_running():
        return
    registry = build_registry()
    order = _with_dependencies([s.name for s in registry], {s.name: s for s in registry})
    running = supervisor.states()
    processes = process_trees([supervisor.pid(n) for n, state in running.items() if state in RUNNING_STATES])
    leader = supervisor.session()
    # Anything else under the supervisor (pipelines) goes first.
    for name in [n for n in running if n not in order] + order[::-1]:
        if running.get(name) in RUNNING_STATES:
            supervisor.stop(name)
    supervisor.shutdown()
    if leader is not None:  # orphans of programs killed earlier: in no tree or group above
        taken = {p.pid for p in processes}
        processes += [p for p in session_members(leader) if p.pid not in taken]
    if leftovers := reap(processes):
        print(
            f"stopped {len(leftovers)} process(es) the services left behind: {', '.join(sorted(set(leftovers)))}"
        )


def status(include_pipelines: bool = True) -> list[Status]:
    ctx = context()
    registry = build_registry() + (pipelines.programs() if include_pipelines else [])
    states = Supervisor(ctx.paths).states()

    def one(service: Service) -> Status:
        process = states.get(service.name, "STOPPED")
        if service.check is None:
            return Status(service.name, service.role, service.url, process, process == "RUNNING", "process")
        try:
            detail, healthy = service.check(ctx.settings), process == "RUNNING"
            if not healthy:
                detail = f"answers, but not under this platform's supervisor ({process})"
        except Unhealthy as exc:
            detail, healthy = str(exc), False
        return Status(service.name, service.role, service.url, process, healthy, detail)

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(registry)) as pool:
        return list(pool.map(one, registry))
