"""HDFS (NameNode + DataNode) stores and serves a file through WebHDFS."""

from __future__ import annotations

import requests

from datalake.settings import get_settings


def test_write_read_delete_through_webhdfs(unique: str) -> None:
    base = f"{get_settings().webhdfs_url}/webhdfs/v1/tmp/it-{unique}.txt"
    created = requests.put(
        f"{base}?op=CREATE&user.name=lake&overwrite=true", allow_redirects=True, data=b"hello lake"
    )
    assert created.status_code == 201, created.text
    assert requests.get(f"{base}?op=OPEN&user.name=lake", timeout=10).content == b"hello lake"
    assert requests.delete(f"{base}?op=DELETE&user.name=lake", timeout=10).json()["boolean"] is True
