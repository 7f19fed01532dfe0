#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are missing, or fails naming them when it
# cannot (not root, no apt-get). Used by start.sh (the platform's packages) and run_tests.sh (the
# browser tests' chromium). Packages' own services are kept from starting: the platform runs its
# own instances under its supervisor.
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
((${#missing[@]})) || exit 0
if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
  printf '\033[31merror:\033[0m %s\n' \
    "missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
printf '\033[1m==> %s\033[0m\n' "installing Debian packages: ${missing[*]}"
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
