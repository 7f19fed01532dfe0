"""WebHDFS calls as the service account, the owner of the lake (HDFS simple authentication).

HDFS permissions are on: the raw zone is readable by the service account only, so the platform's
own tools (set-up, tests, benchmarks) name that account in `user.name`, as its jobs do through
`HADOOP_USER_NAME`. See docs/security.md for what simple authentication does and does not stop.
"""

from __future__ import annotations

from typing import Any

import requests

from datalake.settings import Settings, get_settings

TIMEOUT_S = 60


def webhdfs(
    method: str,
    path: str,
    op: str,
    *,
    user: str | None = None,
    settings: Settings | None = None,
    data: bytes | None = None,
    **params: Any,
) -> requests.Response:
    """One WebHDFS request (`GET /webhdfs/v1<path>?op=...`); `user` defaults to the service account,
    `data` is the body of a CREATE or APPEND (sent on to the DataNode the NameNode redirects to).

    The response is returned as is (status codes included), so callers decide what an error means.
    """
    from datalake.platform.accounts import service_account

    s = settings or get_settings()
    query = {"op": op, "user.name": user or service_account(s), **params}
    return requests.request(
        method,
        f"{s.webhdfs_url}/webhdfs/v1{path}",
        params=query,
        data=data,
        timeout=TIMEOUT_S,
        allow_redirects=True,
    )
