"""One-time initialisation before a service's first start, and the folders every start needs.

`initialise` steps run only when the service's data folder is missing (first start ever), so a
restart never re-formats anything. They run as the account the service will run as, so what they
create belongs to it. The idempotent steps after a service is up (accounts, grants, databases,
the lake's folders) are in `datalake.platform.provision`.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

from datalake.platform import provision
from datalake.platform.accounts import hand_over, is_root, own, share_read
from datalake.platform.launch import Context, postgres_bindir, service_environment
from datalake.settings import REPO_ROOT


def run_checked(
    cmd: list[str],
    ctx: Context,
    env: dict[str, str] | None = None,
    user: str | None = None,
    stdin: str | None = None,
) -> None:
    """Run a set-up command (as `user` when root); on failure raise with the tail of its output."""
    if user and is_root() and user != "root":
        cmd = ["runuser", "-u", user, "--", *cmd]
    result = subprocess.run(
        cmd,
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ctx.paths.home if user == ctx.service_user else "/",
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise RuntimeError(f"command failed ({result.returncode}): {' '.join(cmd)}\n{tail}")


# ---- every start: the folders each account may write -----------------------------------------------
# Relative to var/. Everything else under var/ stays the starting user's (root): supervisord's
# config and socket, the programs' logs (supervisord writes them), jars, rendered configs.
SERVICE_FOLDERS = (
    "home",
    "airflow",
    "run/mariadb",
    "data/mariadb",
    "data/mariadb-binlog",
    "data/mariadb-files",
    "data/kafka",
    "data/hdfs",
    "data/mongo",
    "superset/home",
)


def prepare_folders(ctx: Context) -> None:
    """Create the runtime folders and give each to the account that writes it (idempotent)."""
    p = ctx.paths
    for folder in (p.logs, p.run, p.data, p.conf):
        folder.mkdir(parents=True, exist_ok=True)
    p.supervisor.mkdir(parents=True, exist_ok=True)
    p.supervisor.chmod(0o700)  # supervisord's config and control socket: its starter's only
    for relative in SERVICE_FOLDERS:
        hand_over(p.var / relative, ctx.service_user, mode=0o700 if relative.startswith("data/") else 0o755)
    (p.data / "mariadb-files").chmod(0o700)
    if is_root():
        _let_user_traverse(p.var)  # the service accounts reach var/ through every parent
    # Services read their settings (passwords included) from .env: readable, not writable, by them.
    share_read(REPO_ROOT / ".env", ctx.service_user)


def _let_user_traverse(path: Path) -> None:
    """Service accounts must reach var/ through every parent folder (o+x, no listing)."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            print(f"  allowing traversal (o+x, no listing) of {folder}", flush=True)
            folder.chmod(mode | stat.S_IXOTH)


# ---- first start only ------------------------------------------------------------------------
def init_mariadb(ctx: Context) -> None:
    if (ctx.paths.data / "mariadb" / "mysql").exists():
        return
    cmd = [
        "mariadb-install-db",
        f"--defaults-file={ctx.conf('mariadb', 'my.cnf')}",
        # root@localhost with an empty password until `provision.setup_mariadb` sets one (and drops
        # the other root accounts this creates); no unix_socket plugin, which would tie root to an
        # OS account the service user is not.
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
    ]
    run_checked(cmd, ctx, user=ctx.service_user)


def init_postgres(ctx: Context) -> None:
    """initdb with scram everywhere (socket included) and the superuser's password from .env."""
    datadir = ctx.paths.data / "postgres"
    sockdir = ctx.paths.run / "postgres"
    for folder in (datadir, sockdir):
        folder.mkdir(parents=True, exist_ok=True)
        if is_root():
            shutil.chown(folder, "postgres", "postgres")
    sockdir.chmod(0o700)
    marker = datadir / ".superuser-password-set"
    password = ctx.settings.postgres_superuser_password
    if not (datadir / "PG_VERSION").exists():
        pwfile = sockdir / ".initdb-password"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        own(pwfile, "postgres", recursive=False)
        try:
            run_checked(
                [
                    str(postgres_bindir() / "initdb"),
                    *("-D", str(datadir), "-U", "postgres", "-E", "UTF8", "--locale=C"),
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    f"--pwfile={pwfile}",
                ],
                ctx,
                user="postgres",
            )
        finally:
            pwfile.unlink(missing_ok=True)
    elif not marker.exists():
        # A cluster initialised before passwords were required (local trust): set the superuser's
        # password in single-user mode, which needs no connection and so no authentication.
        quoted = password.replace("'", "''")
        run_checked(
            [str(postgres_bindir() / "postgres"), "--single", "-D", str(datadir), "postgres"],
            ctx,
            user="postgres",
            stdin=f"ALTER ROLE postgres PASSWORD '{quoted}';\n",
        )
    (datadir / "pg_hba.conf").write_text(provision.PG_HBA)
    own(datadir / "pg_hba.conf", "postgres", recursive=False)
    marker.touch()
    own(marker, "postgres", recursive=False)


def kafka_cluster_id() -> str:
    """A random cluster id as Kafka writes them (URL-safe base64 of 16 bytes), never starting with
    '-': the storage tool would read such an id as an option and refuse to format (1 start in 64
    failed so, in a CI rehearsal). Kafka's own `Uuid.randomUuid` draws again for the same reason."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def init_kafka(ctx: Context) -> None:
    if (ctx.paths.data / "kafka" / "meta.properties").exists():
        return
    cluster_id = kafka_cluster_id()
    cmd = [
        ctx.java,
        f"-Dlog4j2.configurationFile={ctx.conf('kafka', 'log4j2.properties')}",
        "-cp",
        str(ctx.paths.jars / "kafka" / "*"),
        "kafka.tools.StorageTool",
        "format",
        "--standalone",
        "-t",
        cluster_id,
        "-c",
        ctx.conf("kafka", "server.properties"),
    ]
    run_checked(cmd, ctx, user=ctx.service_user)


def init_namenode(ctx: Context) -> None:
    if (ctx.paths.data / "hdfs" / "name" / "current" / "VERSION").exists():
        return
    from datalake.platform.launch import hadoop_java

    cmd = [
        *hadoop_java(ctx, "256m", "org.apache.hadoop.hdfs.server.namenode.NameNode"),
        "-format",
        "-nonInteractive",
    ]
    run_checked(cmd, ctx, user=ctx.service_user)


def init_airflow(ctx: Context) -> None:
    """Migrate the metadata DB once per Airflow version, and write the admin's password file."""
    from datalake.platform.launch import airflow_environment

    home = ctx.paths.airflow_home
    passwords = home / "passwords.json"
    wanted = json.dumps({ctx.settings.airflow_admin_user: ctx.settings.airflow_admin_password})
    if not passwords.exists() or passwords.read_text() != wanted:
        passwords.write_text(wanted)
    passwords.chmod(0o600)
    own(passwords, ctx.service_user, recursive=False)
    import airflow

    marker = home / f".migrated-{airflow.__version__}"
    if marker.exists():
        return
    env = {**airflow_environment(ctx), **service_environment(ctx)}
    run_checked([str(ctx.paths.venv_bin / "airflow"), "db", "migrate"], ctx, env=env, user=ctx.service_user)
    marker.touch()


def init_superset(ctx: Context) -> None:
    """Migrate Superset's metadata database (a no-op when current: its own Alembic version says so)
    and sync its roles and permissions once per locked environment. Its admin, databases and
    dashboards are set after it is up, at every start (`provision.setup_superset`)."""
    from datalake.platform.install import files_digest
    from datalake.platform.launch import superset_environment

    bin_dir = ctx.paths.superset_venv / "bin"
    env = {**superset_environment(ctx), **service_environment(ctx)}
    run_checked([str(bin_dir / "superset"), "db", "upgrade"], ctx, env=env, user=ctx.service_user)
    lock = ctx.paths.services / "superset" / "requirements.txt"
    marker = ctx.paths.superset_home / "home" / f".init-{files_digest([lock])[:16]}"
    if not marker.exists():
        run_checked([str(bin_dir / "superset"), "init"], ctx, env=env, user=ctx.service_user)
        marker.touch()


INITIALISE: dict[str, Callable[[Context], None]] = {
    "mariadb": init_mariadb,
    "postgres": init_postgres,
    "kafka": init_kafka,
    "hdfs-namenode": init_namenode,
    "airflow-api-server": init_airflow,
    "superset": init_superset,
}

AFTER_START: dict[str, Callable[[Context], None]] = {
    "mariadb": provision.setup_mariadb,
    "postgres": provision.setup_postgres,
    "hdfs-datanode": provision.setup_hdfs,
    "superset": provision.setup_superset,
}
