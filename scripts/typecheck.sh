#!/usr/bin/env bash
# mypy --strict (settings in pyproject.toml) over the package as it ships: the wheel, unpacked.
# jobs/, producers/ and generators/ become datalake.jobs, datalake.producers and
# datalake.generators only through pyproject's package-dir, which mypy cannot follow in the source
# tree. Building the wheel also proves that it holds every module (tests/unit/deploy checks the
# package list). Errors name the unpacked files: datalake/jobs/… is jobs/…, datalake/… is src/datalake/….
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
.tools/bin/uv build --wheel --quiet --out-dir "$out/dist" >/dev/null
.venv/bin/python -m zipfile -e "$out"/dist/*.whl "$out/site"
cd "$out/site"
"$repo/.venv/bin/mypy" --config-file "$repo/pyproject.toml" -p datalake
