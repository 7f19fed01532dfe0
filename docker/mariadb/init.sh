#!/usr/bin/env bash
# First start only (docker-entrypoint-initdb.d): the same accounts and grants as natively
# (src/datalake/platform/provision.py), for clients on the compose network instead of loopback.
# The image's own MARIADB_ROOT_PASSWORD leaves root with a password; nothing is created without one.
set -euo pipefail
sql() { mariadb -uroot -p"$MARIADB_ROOT_PASSWORD" -e "$1"; }
quote() { printf "'%s'" "${1//\'/\'\'}"; }

for db in santander stock_market movie_ratings finance_marts; do
  sql "CREATE DATABASE IF NOT EXISTS \`$db\`"
done
sql "CREATE USER IF NOT EXISTS 'lake'@'%' IDENTIFIED BY $(quote "$MARIADB_PASSWORD")"
for db in santander stock_market movie_ratings finance_marts; do
  sql "GRANT ALL PRIVILEGES ON \`$db\`.* TO 'lake'@'%'"
done
sql "CREATE USER IF NOT EXISTS 'cdc'@'%' IDENTIFIED BY $(quote "$MARIADB_CDC_PASSWORD")"
sql "GRANT SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR ON *.* TO 'cdc'@'%'"
sql "CREATE USER IF NOT EXISTS 'analyst'@'%' IDENTIFIED BY $(quote "$MARIADB_ANALYST_PASSWORD")"
for db in movie_ratings finance_marts; do
  sql "GRANT SELECT ON \`$db\`.* TO 'analyst'@'%'"
done
sql "FLUSH PRIVILEGES"
