#!/usr/bin/env bash
# First start only (docker-entrypoint-initdb.d): Airflow's, the Hive metastore's and HUE's
# databases, each owned by its own role with its own password (src/datalake/platform/provision.py).
set -euo pipefail
for spec in "airflow:airflow:POSTGRES_AIRFLOW_PASSWORD" "hive:metastore:POSTGRES_HIVE_PASSWORD" "hue:hue:POSTGRES_HUE_PASSWORD"; do
  IFS=: read -r role database variable <<<"$spec"
  psql -v ON_ERROR_STOP=1 -U postgres -v role="$role" -v db="$database" -v pw="${!variable}" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"role";
SQL
done
