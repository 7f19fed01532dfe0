#!/usr/bin/env bash
# The whole test suite, as CI runs it: install and start everything, then lint, type check, JUnit and pytest.
#   unit         tests/unit          no services (runs beside the integration tier)
#   integration  tests/integration   real clients against the running platform
#   e2e          tests/e2e           whole pipelines; the stop/start test runs last
set -euo pipefail
cd "$(dirname "$0")"

./start.sh
# The browser tests drive Debian's chromium (pytest-playwright; no browser download).
scripts/debian.sh chromium

echo "==> lint"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "==> the wheel: every module imports from it, mypy --strict on it (scripts/check_wheel.sh)"
scripts/check_wheel.sh

echo "==> deployment targets: terraform fmt, docker compose config (no engine needed)"
terraform fmt -check -recursive terraform
DOCKER_CONFIG=$(docker/compose-cli.sh) docker compose config --quiet

echo "==> lake sink connector (JUnit)"
mvn -q -B -f kafka_connect/lake-sink/pom.xml test

echo "==> pytest"
# pytest exits 5 when it collects nothing: every step below must collect and pass.
status=0
# The unit tier needs no service (its Spark is local, its catalog in memory), so it runs beside the
# integration tier instead of before it; its report follows the integration tier's.
unit_log=$(mktemp)
.venv/bin/pytest -o cache_dir=.pytest_cache/unit -ra --durations=10 tests/unit "$@" >"$unit_log" 2>&1 &
unit_pid=$!
# An interrupted run does not leave the unit tier (and its Spark JVM) behind.
trap 'kill "$unit_pid" 2>/dev/null || true; rm -f "$unit_log"' EXIT
.venv/bin/pytest -ra --durations=10 tests/integration "$@" || status=1
wait "$unit_pid" || status=1
echo "==> unit tier (ran beside the integration tier)"
cat "$unit_log"
rm -f "$unit_log"
trap - EXIT
# Two lanes side by side (tests/e2e/conftest.py): Kafka Connect's pipelines, and the others.
.venv/bin/pytest -ra --durations=15 -n 2 --dist loadgroup -m "not restart" tests/e2e "$@" || status=1
# Last and alone: stops and starts the whole platform.
.venv/bin/pytest -ra --durations=10 -m restart tests/e2e "$@" || status=1
exit $status
