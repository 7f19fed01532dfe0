"""Files that hold a service's credentials, written from `.env` on every `lake up`.

- the Spark Thrift server's users file: salted PBKDF2-SHA256 hashes, read by
  `services/spark/src/.../PasswordFileAuthenticator.java` (CUSTOM authentication);
- Kafka Connect's REST users: the JAAS configuration and property file of Kafka's
  `BasicAuthSecurityRestExtension`.

Each file is private (0600) and owned by the account of the service that reads it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from datalake.platform.accounts import own
from datalake.platform.paths import Paths
from datalake.settings import Settings

SCHEME = "pbkdf2-sha256"
# ~50 ms per login here: slow for guessing, fast enough for a connection pool.
ITERATIONS = 100_000


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """`pbkdf2-sha256:<iterations>:<salt hex>:<hash hex>`, the format the Java side verifies."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{SCHEME}:{iterations}:{salt.hex()}:{digest.hex()}"


def verify_password(entry: str, password: str) -> bool:
    parts = entry.split(":")
    if len(parts) != 4 or parts[0] != SCHEME:
        return False
    _, iterations, salt, expected = parts
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(digest.hex(), expected)


def read_users(path: Path) -> dict[str, str]:
    """user -> hash entry, in file order (comments and blank lines skipped)."""
    users: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and ":" in line:
                user, _, entry = line.partition(":")
                users[user] = entry
    return users


def set_user(path: Path, user: str, password: str, owner: str) -> bool:
    """Add or update one user of a users file; False when its password was already that one.

    Other users (added with `lake sql-user`) are kept as they are.
    """
    if not user or ":" in user:
        raise ValueError(f"invalid user name {user!r}")
    if not password:
        raise ValueError(f"refusing an empty password for {user!r}")
    users = read_users(path)
    if user in users and verify_password(users[user], password):
        return False
    users[user] = hash_password(password)
    header = "# Spark Thrift server users (lake up / lake sql-user). user:pbkdf2-sha256:iterations:salt:hash"
    _write_private(path, "\n".join([header, *(f"{u}:{e}" for u, e in users.items())]) + "\n", owner)
    return True


def _write_private(path: Path, text: str, owner: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text)
        tmp.chmod(0o600)
        tmp.replace(path)  # atomic: the Thrift server re-reads the file when it changes
    path.chmod(0o600)
    own(path, owner, recursive=False)


def thrift_users_file(paths: Paths) -> Path:
    return paths.conf / "spark" / "thrift-users"


def connect_jaas_file(paths: Paths) -> Path:
    return paths.conf / "kafka" / "connect-jaas.conf"


def write_all(settings: Settings, paths: Paths, owner: str) -> None:
    """Every credentials file, from the current `.env` values."""
    set_user(thrift_users_file(paths), settings.thrift_user, settings.thrift_password, owner)
    users_file = paths.conf / "kafka" / "connect-users.properties"
    # PropertyFileLoginModule compares plain text; the file is readable by the service account only.
    _write_private(users_file, f"{settings.connect_admin_user}: {settings.connect_admin_password}\n", owner)
    _write_private(
        connect_jaas_file(paths),
        "KafkaConnect {\n"
        "  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n"
        f'  file="{users_file}";\n'
        "};\n",
        owner,
    )
