"""Superset's users and databases, as the platform wants them; run by Superset's own interpreter
(var/superset/venv) at every start, after `superset db upgrade` and `superset init`.

Idempotent: the admin gets the password of `.env`; each database is created, or its URI updated, by
name. Inputs come from the environment (datalake.platform.bootstrap.init_superset sets them):
SUPERSET_ADMIN_USER, SUPERSET_ADMIN_PASSWORD and SUPERSET_DATABASES, a JSON object of
name -> SQLAlchemy URI.
"""

from __future__ import annotations

import json
import os

from superset.app import create_app


def main() -> None:
    app = create_app()
    with app.app_context():
        from superset import db, security_manager
        from superset.utils.database import get_or_create_db

        name, password = os.environ["SUPERSET_ADMIN_USER"], os.environ["SUPERSET_ADMIN_PASSWORD"]
        user = security_manager.find_user(username=name)
        if user is None:
            admin = security_manager.find_role("Admin")
            created = security_manager.add_user(
                name, "Superset", "Admin", f"{name}@localhost", admin, password=password
            )
            if not created:
                raise SystemExit(f"could not create the Superset user {name}")
        else:
            security_manager.reset_password(user.id, password)
        for database_name, uri in json.loads(os.environ["SUPERSET_DATABASES"]).items():
            database = get_or_create_db(database_name, uri)
            database.expose_in_sqllab = True
            database.allow_dml = False  # read-only use: the pipelines own every table
        db.session.commit()
        print(f"superset: admin {name}; databases {', '.join(json.loads(os.environ['SUPERSET_DATABASES']))}")


if __name__ == "__main__":
    main()
