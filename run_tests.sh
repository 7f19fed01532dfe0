#!/usr/bin/env bash
# The whole test suite, as CI runs it: install and start everything, then lint, JUnit and pytest.
#   unit         tests/unit          no services
#   integration  tests/integration   real clients against the running platform
#   e2e          tests/e2e           whole pipelines; the stop/start test runs last
set -euo pipefail
cd "$(dirname "$0")"

./start.sh

echo "==> lint"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "==> lake sink connector (JUnit)"
mvn -q -B -f kafka_connect/lake-sink/pom.xml test

echo "==> pytest"
# pytest exits 5 when it collects nothing: with `set -e` that fails the run, as it should.
.venv/bin/pytest -ra tests/unit tests/integration tests/e2e "$@"
