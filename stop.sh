#!/usr/bin/env bash
# Stop every service of the native platform. Data stays in var/data and is there after ./start.sh.
set -euo pipefail
cd "$(dirname "$0")"
[[ -x .venv/bin/lake ]] || { echo "nothing to stop: the platform was never installed here"; exit 0; }
exec .venv/bin/lake down
