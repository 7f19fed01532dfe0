#!/usr/bin/env bash
# mongod as a one-node replica set (change streams need one) with authentication: a replica set
# with users needs a key file, generated here once into the data volume.
set -euo pipefail
keyfile=/data/db/replica-set.key
if [[ ! -s $keyfile ]]; then
  head -c 756 /dev/urandom | base64 > "$keyfile"
fi
chmod 400 "$keyfile" && chown 999:999 "$keyfile"
exec docker-entrypoint.sh mongod --replSet rs0 --bind_ip_all --keyFile "$keyfile"
