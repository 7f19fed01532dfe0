#!/usr/bin/env bash
# Picks the Python 3.11 interpreter the platform's venv is built from, into PYTHON, or fails with the
# package to install. Sourced by start.sh; run alone (`bash scripts/python.sh`) it only checks, which
# is how tests/unit/platform/test_prerequisites.py tests the refusal without touching start.sh.
# As root, Debian's interpreter: the services run as another account, which must be able to execute
# the venv's python (an interpreter under /root, e.g. pyenv's, is out of its reach).
if [[ $EUID -eq 0 && -x /usr/bin/python3.11 ]]; then DEFAULT_PYTHON=/usr/bin/python3.11; else DEFAULT_PYTHON=python3.11; fi
PYTHON=${PYTHON:-$DEFAULT_PYTHON}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if ! "$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
  printf '\033[31merror:\033[0m %s\n' \
    "Python 3.11 is needed (found $("$PYTHON" --version 2>&1)): apt-get install python3.11 python3.11-venv" >&2
  exit 1
fi
