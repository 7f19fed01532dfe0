"""The pieces of docs/security.md that need no running service: accounts, files, allow lists."""

from __future__ import annotations

import getpass
import re
from pathlib import Path

import pytest

from datalake.connect.configs import CONNECTORS_DIR, env_names
from datalake.platform import credentials
from datalake.platform.launch import Context, connect_environment
from datalake.platform.paths import Paths
from datalake.platform.provision import PG_HBA, hdfs_layout, mariadb_statements
from datalake.settings import REPO_ROOT, Settings


def _ctx(tmp_path: Path) -> Context:
    return Context(
        Settings(_env_file=None, service_user=getpass.getuser()), Paths(repo=REPO_ROOT, var=tmp_path)
    )


def test_every_mariadb_account_is_created_with_a_password_and_extra_roots_are_dropped(tmp_path: Path) -> None:
    statements = mariadb_statements(_ctx(tmp_path), ["127.0.0.1", "::1", "host%name"])
    created = [s for s in statements if s.startswith("CREATE USER")]
    assert created and all("IDENTIFIED BY %(" in s for s in created)
    assert "DROP USER IF EXISTS 'root'@'::1'" in statements
    assert "DROP USER IF EXISTS 'root'@'host%%name'" in statements  # escaped for pymysql's formatting
    analyst_grants = [s for s in statements if "%(analyst)s" in s and s.startswith("GRANT")]
    assert analyst_grants == [
        "GRANT SELECT ON `movie_ratings`.* TO %(analyst)s@'127.0.0.1'",
        "GRANT SELECT ON `finance_marts`.* TO %(analyst)s@'127.0.0.1'",
    ]


def test_postgres_asks_every_connection_for_a_password() -> None:
    rules = [line.split() for line in PG_HBA.splitlines() if line and not line.startswith("#")]
    assert {rule[0] for rule in rules} == {"local", "host"}
    assert all(rule[-1] == "scram-sha-256" for rule in rules)


def test_raw_zone_is_private_and_curated_and_gold_are_readable() -> None:
    layout = hdfs_layout("hdfs://127.0.0.1:9000/lake")
    assert layout["/lake/raw"] == layout["/lake/quarantine"] == layout["/lake/_checkpoints"] == "700"
    assert layout["/lake/curated"] == layout["/lake/gold"] == layout["/lake"] == "755"
    assert "777" not in layout.values()


def test_password_hashes_round_trip_and_a_users_file_keeps_other_users(tmp_path: Path) -> None:
    entry = credentials.hash_password("s3cret", salt=bytes(16))
    assert re.fullmatch(r"pbkdf2-sha256:100000:0{32}:[0-9a-f]{64}", entry)
    assert credentials.verify_password(entry, "s3cret") and not credentials.verify_password(entry, "other")
    users = tmp_path / "thrift-users"
    me = getpass.getuser()
    assert credentials.set_user(users, "lake", "one", me)
    assert credentials.set_user(users, "alice", "two", me)
    assert not credentials.set_user(users, "lake", "one", me)  # unchanged password: file left alone
    assert credentials.set_user(users, "lake", "three", me)
    stored = credentials.read_users(users)
    assert list(stored) == ["lake", "alice"]
    assert credentials.verify_password(stored["lake"], "three")
    assert credentials.verify_password(stored["alice"], "two")
    assert users.stat().st_mode & 0o777 == 0o600
    with pytest.raises(ValueError, match="empty password"):
        credentials.set_user(users, "bob", "", me)


def test_connect_allow_list_is_what_the_connector_files_read_and_the_worker_provides(tmp_path: Path) -> None:
    names = env_names(CONNECTORS_DIR)
    texts = "".join(p.read_text() for p in CONNECTORS_DIR.glob("*.json"))
    assert names == set(re.findall(r"\$\{env:(\w+)\}", texts))
    assert names <= set(connect_environment(_ctx(tmp_path)))
    assert not {n for n in names if "ROOT" in n or n.startswith("AIRFLOW")}
