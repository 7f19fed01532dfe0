"""The OS account the services run as, and the folders it may write.

Started by root, every service runs as the unprivileged system user `settings.service_user`
(`datalake`, created by `start.sh`); PostgreSQL runs as Debian's `postgres`. supervisord itself
stays root, because only root can drop each program to its user, so everything it reads or writes
(its config, its socket, the programs' logs) lives in folders that user cannot write: a service
that could edit them could have supervisord run anything as root.

Started by anyone else, the services run as that user and nothing here changes owners.
"""

from __future__ import annotations

import getpass
import grp
import os
import pwd
import shutil
from pathlib import Path

from datalake.settings import Settings


class AccountError(RuntimeError):
    """The service account is missing or a folder cannot be handed over to it."""


def is_root() -> bool:
    return os.geteuid() == 0


def service_account(settings: Settings) -> str:
    """The OS (and HDFS) user name the services run as."""
    return settings.service_user if is_root() else getpass.getuser()


def check_service_user(settings: Settings) -> None:
    """Fail with the command to run when root starts the platform and the account is missing."""
    if not is_root():
        return
    try:
        pwd.getpwnam(settings.service_user)
    except KeyError:
        raise AccountError(
            f"the service account {settings.service_user!r} does not exist: ./start.sh creates it, or run "
            f"`useradd --system --user-group --no-create-home --shell /usr/sbin/nologin {settings.service_user}`"
        ) from None


def own(path: Path, user: str, *, recursive: bool = True, mode: int | None = None) -> None:
    """Give `path` (and, by default, everything below it) to `user`; a no-op unless run as root.

    Only entries with another owner are changed, so a second call costs one stat per entry.
    """
    if not is_root() or not path.exists():
        return
    uid, gid = pwd.getpwnam(user).pw_uid, grp.getgrnam(_group_of(user)).gr_gid
    entries = [path]
    if recursive and path.is_dir() and not path.is_symlink():
        for folder, dirs, files in os.walk(path):
            entries += [Path(folder, name) for name in dirs + files]
    for entry in entries:
        st = entry.lstat()
        if st.st_uid != uid or st.st_gid != gid:
            os.lchown(entry, uid, gid)
    if mode is not None:
        path.chmod(mode)


def _group_of(user: str) -> str:
    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


def share_read(path: Path, user: str) -> None:
    """Let `user`'s group read a root-owned file (e.g. `.env`) without being able to change it."""
    if not is_root() or not path.exists():
        return
    shutil.chown(path, "root", _group_of(user))
    path.chmod(0o640)


def hand_over(path: Path, user: str, *, mode: int = 0o700) -> Path:
    """Create `path` if missing and give it to `user` (a service's data or work folder)."""
    path.mkdir(parents=True, exist_ok=True)
    own(path, user, mode=mode)
    return path
