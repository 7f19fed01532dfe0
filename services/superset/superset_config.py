"""Superset's configuration in native mode (SUPERSET_CONFIG_PATH points here).

Secrets and the metadata database come from the environment supervisord gives the service
(datalake.platform.launch.superset_environment), never from this file.
"""

from __future__ import annotations

import os

import pymysql

# Superset's MySQL engine reads column types from MySQLdb (mysqlclient, a C extension with no
# wheels); PyMySQL answers under that name with the same constants.
pymysql.install_as_MySQLdb()

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_DATABASE_URI"]
# Data is the platform's own: no example dashboards, no telemetry, no third-party calls.
SUPERSET_LOAD_EXAMPLES = False
SCARF_ANALYTICS = False
# The Spark Thrift server starts a JVM job per query: a first query on a cold table takes a while.
SQLLAB_TIMEOUT = 300
SUPERSET_WEBSERVER_TIMEOUT = 300
# Nothing is uploaded into the lake through Superset (the pipelines own every table).
ALLOW_FILE_UPLOAD = False
