#!/usr/bin/env bash
# The package as it ships: build the wheel, import every module from it (not from the editable
# install), and run mypy --strict (settings in pyproject.toml) over it.
# jobs/, producers/ and generators/ become datalake.jobs, datalake.producers and
# datalake.generators only through pyproject's package-dir, which mypy cannot follow in the source
# tree. Errors name the unpacked files: datalake/jobs/… is jobs/…, datalake/… is src/datalake/….
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# setuptools keeps build/lib between builds: a module deleted from the tree would stay in the wheel.
rm -rf build
.tools/bin/uv build --wheel --quiet --out-dir "$out/dist" >/dev/null
.venv/bin/python -m zipfile -e "$out"/dist/*.whl "$out/site"
cd "$out/site"
# The working directory comes first on sys.path: `datalake` resolves to the unpacked wheel.
"$repo/.venv/bin/python" - "$out/site" <<'PY'
import importlib
import pkgutil
import sys

import datalake

site = sys.argv[1]
names = [m.name for m in pkgutil.walk_packages(datalake.__path__, "datalake.")]
for name in ["datalake", *names]:
    module = importlib.import_module(name)
    if not (module.__file__ or "").startswith(site):
        sys.exit(f"{name} was imported from {module.__file__}, not from the wheel")
print(f"{len(names) + 1} modules imported from the wheel")
PY
# The cache in the repository (git-ignored): a warm run takes seconds, a cold one most of a minute.
"$repo/.venv/bin/mypy" --config-file "$repo/pyproject.toml" --cache-dir "$repo/.mypy_cache" -p datalake
