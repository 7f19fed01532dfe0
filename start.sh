#!/usr/bin/env bash
# Bring up the whole native platform on this machine: install what is missing, start, wait for health.
# Safe to run again: with everything installed and running it only checks health and prints the table.
#   ./start.sh             native (plain processes, no Docker)
#   ./start.sh --compose   the same pipelines on Docker Compose (needs a Docker engine)
set -euo pipefail
cd "$(dirname "$0")"

UV_VERSION=0.9.30
DEBIAN_PACKAGES=(mariadb-server mariadb-client postgresql postgresql-client openjdk-17-jdk-headless maven)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# --- Or the same platform on Docker Compose (docker-compose.yml, docs/compose.md) -------------------
if [[ ${1:-} == --compose ]]; then
  docker compose version >/dev/null 2>&1 && docker info >/dev/null 2>&1 \
    || die "--compose needs Docker with the Compose plugin and a running engine (docker info fails here); ./start.sh alone starts the native platform"
  # The same secret names as native, generated into the same git-ignored .env (stdlib only).
  PYTHONPATH=src python3 -c 'from pathlib import Path; from datalake.platform.secrets import ensure_env_file; ensure_env_file(Path(".env"))'
  say "building and starting the compose services (docker compose up -d --wait)"
  docker compose up -d --build --wait
  say "setting up the pipelines"
  docker compose exec airflow-scheduler lake setup
  echo "Airflow http://127.0.0.1:8080 (admin / AIRFLOW_ADMIN_PASSWORD in .env), HUE http://127.0.0.1:8888, MariaDB 127.0.0.1:3306"
  exit 0
fi

# --- Debian packages --------------------------------------------------------------------------
scripts/debian.sh "${DEBIAN_PACKAGES[@]}"
command -v java >/dev/null || die "java not found: install Java 17 (apt-get install openjdk-17-jdk-headless)"
java_major=$(java -XshowSettings:properties -version 2>&1 | awk -F= '/java.specification.version/ {gsub(/ /,"",$2); print $2}')
((java_major >= 17)) || die "Java 17 or newer is needed (found $java_major): apt-get install openjdk-17-jdk-headless"

# --- Python environment (pinned in pyproject.toml, locked in uv.lock) ---------------------------
source scripts/python.sh  # sets PYTHON, or exits naming the package to install
if [[ ! -x .tools/bin/uv ]] || [[ "$(.tools/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]]; then
  say "installing uv $UV_VERSION"
  "$PYTHON" -m venv .tools
  .tools/bin/pip install -q "uv==$UV_VERSION"
fi
# Compiled once here: the services run as an account that cannot write .venv's __pycache__.
UV_PYTHON="$PYTHON" .tools/bin/uv sync --frozen --extra dev --quiet --compile-bytecode

# --- The unprivileged account every service runs as (root only; see docs/security.md) ------------
SERVICE_USER=$(grep -s '^SERVICE_USER=' .env | cut -d= -f2 || true)
SERVICE_USER=${SERVICE_USER:-datalake}
if [[ $EUID -eq 0 ]]; then
  if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
    say "creating the service account $SERVICE_USER"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SERVICE_USER"
  fi
  runuser -u "$SERVICE_USER" -- "$PWD/.venv/bin/python" -c pass 2>/dev/null \
    || die "the service account $SERVICE_USER cannot run $PWD/.venv/bin/python ($(readlink -f .venv/bin/python)): \
recreate the venv with a system interpreter (rm -rf .venv; PYTHON=/usr/bin/python3.11 ./start.sh) and make sure \
every folder above $PWD is enterable by others (chmod o+x)"
fi

# --- Everything else: jars, configs, secrets, services (see src/datalake/platform/) ----------------
say "starting the platform"
exec .venv/bin/lake up "$@"
