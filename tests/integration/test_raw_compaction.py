"""`compact_raw` on a scratch copy of the raw zone's layout (never the live one): a closed day's
contiguous files merge into one file named by the whole range, byte for byte; what an interrupted
merge left (a covered file, a part file) goes; the partition's last file, a lone file after a gap
and the run date's own folder stay as they are."""

from __future__ import annotations

from urllib.parse import urlparse

from datalake.jobs.platform.compact_raw import committed_name

from datalake.hdfs import webhdfs
from datalake.settings import REPO_ROOT, get_settings

TOPIC = "cdc.it.compact"


def _line(offset: int) -> bytes:
    return f'{{"topic":"{TOPIC}","partition":0,"offset":{offset},"value":{{"n":{offset}}}}}\n'.encode()


def _put(path: str, offsets: range) -> None:
    body = b"".join(_line(o) for o in offsets)
    response = webhdfs("PUT", path, "CREATE", data=body, overwrite="true")
    assert response.status_code == 201, response.text


def _listing(path: str) -> list[str]:
    response = webhdfs("GET", path, "LISTSTATUS")
    response.raise_for_status()
    return sorted(f["pathSuffix"] for f in response.json()["FileStatuses"]["FileStatus"])


def test_a_closed_day_is_merged_per_partition_and_today_is_left_alone(spark_submit, unique: str) -> None:
    root = urlparse(get_settings().lake.raw("kafka", "")).path.rstrip("/") + f"-it-{unique}"
    closed, today = f"{root}/{TOPIC}/dt=2020-01-01", f"{root}/{TOPIC}/dt=2020-01-02"
    # 0..29 in three files; 30..39 is in the run date's folder, contiguous with 40..49 there;
    # 50..59 after a gap, then 60..69 (the partition's last file); 50..54 as an interrupted merge
    # would have left it beside 50..59, and a part file a merge that died before its rename left.
    for start, end in ((0, 9), (10, 19), (20, 29), (50, 59), (50, 54), (60, 69)):
        _put(f"{closed}/{committed_name(TOPIC, 0, start, end)}", range(start, end + 1))
    _put(f"{closed}/.compact-{committed_name(TOPIC, 0, 0, 19)}", range(0, 20))
    _put(f"{today}/{committed_name(TOPIC, 0, 30, 39)}", range(30, 40))
    _put(f"{today}/{committed_name(TOPIC, 0, 40, 49)}", range(40, 50))
    try:
        out = spark_submit(
            str(REPO_ROOT / "jobs/platform/compact_raw.py"),
            *("--run-date", "2020-01-02", "--root", get_settings().hdfs_uri + root),
        )
        assert _listing(closed) == [
            committed_name(TOPIC, 0, 0, 29),
            committed_name(TOPIC, 0, 50, 59),
            committed_name(TOPIC, 0, 60, 69),
        ], out.stdout
        merged = webhdfs("GET", f"{closed}/{committed_name(TOPIC, 0, 0, 29)}", "OPEN")
        assert merged.content == b"".join(_line(o) for o in range(30))
        assert _listing(today) == [committed_name(TOPIC, 0, 30, 39), committed_name(TOPIC, 0, 40, 49)]
        assert f"{TOPIC}/dt=2020-01-01: 6 files -> 3" in out.stdout

        again = spark_submit(
            str(REPO_ROOT / "jobs/platform/compact_raw.py"),
            *("--run-date", "2020-01-02", "--root", get_settings().hdfs_uri + root),
        )
        assert len(_listing(closed)) == 3
        assert "3 files -> 3" in again.stdout
    finally:
        webhdfs("DELETE", root, "DELETE", recursive="true")
