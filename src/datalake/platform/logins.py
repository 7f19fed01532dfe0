"""Where a user logs in: each UI or endpoint of the platform, its user, and where its password is.

`lake urls` prints this; docs/security.md explains every account. A password is never printed,
only the name of its line in `.env`, so the output is safe to paste into a ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from datalake.settings import Settings

NO_LOGIN = "no login (loopback only)"


@dataclass(frozen=True)
class Login:
    what: str
    url: str
    user: str
    secret: str  # the `.env` name holding the password, or why there is none


def logins(s: Settings) -> list[Login]:
    """The platform's entry points for people, from the settings of the current mode."""
    superset = (
        [
            Login(
                "Superset (SQL Lab, dashboards)",
                s.superset_url,
                s.superset_admin_user,
                "SUPERSET_ADMIN_PASSWORD",
            )
        ]
        if s.superset_on
        else []
    )
    return [
        Login("Airflow UI and REST API", s.airflow_url, s.airflow_admin_user, "AIRFLOW_ADMIN_PASSWORD"),
        *superset,
        Login(
            "MariaDB results (read-only)",
            f"mysql://{s.mariadb_host}:{s.mariadb_port}",
            s.mariadb_analyst_user,
            "MARIADB_ANALYST_PASSWORD  (`lake mysql`)",
        ),
        Login(
            "Spark Thrift server (every lake table)",
            f"jdbc:hive2://{s.thrift_host}:{s.thrift_port}",
            s.thrift_user,
            "THRIFT_PASSWORD  (`lake sql`)",
        ),
        Login("Kafka Connect REST", s.connect_url, s.connect_admin_user, "CONNECT_ADMIN_PASSWORD"),
        Login("HDFS NameNode UI", s.webhdfs_url, "-", NO_LOGIN),
        Login("Kafka broker", s.kafka_bootstrap, "-", f"{NO_LOGIN}  (`lake topics`)"),
        Login(
            "MongoDB",
            s.mongo_uri,
            "lake (compose)",
            "MONGO_PASSWORD on compose's mongo:7; the native stand-in has no login (loopback only)",
        ),
    ]
