"""Compact the raw zone: merge each closed day's lake-sink files, per topic partition, into few.

The lake sink commits a file every `rotate.interval.ms` (10 s) or `flush.size` records, per topic
partition, so a day of steady traffic leaves up to 8 640 small files per partition, and every
reader lists and opens each of them. Run daily by `platform_maintenance`.

A file's name is its offset range (`topic+partition+start+end.jsonl`, inclusive), and the sink
finds where to resume from the highest end it sees. A merged file keeps that meaning: only files
whose ranges follow each other (next start = end + 1) are merged, up to `--max-file-mb`, and the
result is named by the first start and the last end; each partition's last file stays as it is
(see `merges`). Each merge writes a hidden part file, renames it into place, then deletes the files
it replaced. A crash before the rename leaves a part file, which the next run deletes; a crash
between the rename and the deletes leaves files whose range a merged file covers, which the next
run deletes, since their lines are in the merged file byte for byte. Until then a reader of that
day sees those offsets twice: `curate_cdc` and the Mongo curation keep one event per key and
offset, `channel_operations` (which reads one day) would count them twice and its reconcile check
fails the run; docs/reliability.md says which days each reader reads.

Only `dt=` folders before `--run-date` are touched: the DAG passes the day before its logical date,
so the day that has just closed, and today's, are left to the sink and the daily DAGs. The bytes are
copied by Hadoop's FileSystem API, so the same job runs on HDFS and on GCS.

    spark-submit jobs/platform/compact_raw.py --run-date 2026-11-30 [--root hdfs://.../raw/kafka]
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from datalake.settings import get_settings

# The sink's naming rule (kafka_connect/lake-sink/.../LakeFiles.java): Kafka topic names are
# [a-zA-Z0-9._-]+, so '+' separates the fields.
COMMITTED = re.compile(r"([a-zA-Z0-9._-]+)\+(\d+)\+(\d{20})\+(\d{20})\.jsonl")
DT = re.compile(r"dt=(\d{4}-\d{2}-\d{2})")
PART_PREFIX = ".compact-"  # hidden from readers, and not the sink's `.*.tmp` it deletes on start


@dataclass(frozen=True)
class RawFile:
    topic: str
    partition: int
    start: int
    end: int
    size: int
    name: str


def parse(name: str, size: int) -> RawFile | None:
    """A committed file's coordinates; None for anything else, hidden files (the sink's and this
    job's part files, which readers skip too) included."""
    m = COMMITTED.fullmatch(name)
    if not m or name.startswith((".", "_")):
        return None
    return RawFile(m[1], int(m[2]), int(m[3]), int(m[4]), size, name)


def committed_name(topic: str, partition: int, start: int, end: int) -> str:
    return f"{topic}+{partition}+{start:020d}+{end:020d}.jsonl"


def _by_partition(files: list[RawFile]) -> dict[tuple[str, int], list[RawFile]]:
    """Each partition's files, by start offset (the widest first when two start together)."""
    groups: dict[tuple[str, int], list[RawFile]] = defaultdict(list)
    for f in files:
        groups[(f.topic, f.partition)].append(f)
    return {key: sorted(fs, key=lambda f: (f.start, -f.end)) for key, fs in sorted(groups.items())}


def covered(files: list[RawFile]) -> list[RawFile]:
    """Files whose offset range lies within another file's of the same partition: what an
    interrupted merge left beside its result. (Two files of one folder never share a range: the
    range is the name.)"""
    gone = []
    for group in _by_partition(files).values():
        reach = -1
        for f in group:
            if f.end <= reach:
                gone.append(f)
            reach = max(reach, f.end)
    return gone


def merges(files: list[RawFile], max_bytes: int) -> list[list[RawFile]]:
    """Runs of two or more files of one partition whose ranges follow each other, each run at most
    `max_bytes` (a file larger than that stays as it is).

    A partition's last file (the highest end) is never merged: the sink, on (re)start, takes the
    highest end it finds in a listing, and a listing taken while a merge renames and deletes could
    otherwise miss both the merged file and the last file it replaced, and rewrite their offsets."""
    out: list[list[RawFile]] = []
    for group in _by_partition(files).values():
        run: list[RawFile] = []
        size = 0
        for f in sorted(group, key=lambda f: f.start)[:-1]:
            if run and f.start == run[-1].end + 1 and size + f.size <= max_bytes:
                run.append(f)
                size += f.size
                continue
            if len(run) > 1:
                out.append(run)
            run, size = [f], f.size
        if len(run) > 1:
            out.append(run)
    return out


def closed_days(folders: list[str], run_date: date) -> list[str]:
    """The `dt=` folders before the run date, oldest first."""
    return sorted(n for n in folders if (m := DT.fullmatch(n)) and date.fromisoformat(m[1]) < run_date)


def compact_day(fs: Any, jvm: Any, folder: Any, max_bytes: int) -> tuple[int, int]:
    """Compact one `dt=` folder; returns (files before, files after)."""
    Path = jvm.org.apache.hadoop.fs.Path
    listing = [(s.getPath().getName(), int(s.getLen())) for s in fs.listStatus(folder) if s.isFile()]
    # A part file is left only by a merge that died before its rename: its sources are all still
    # there, and the next merge may be named differently (a late file joined the day).
    for name, _ in listing:
        if name.startswith(PART_PREFIX):
            fs.delete(Path(folder, name), False)
    files = [f for name, size in listing if (f := parse(name, size)) is not None]
    before = len(files)
    leftovers = set(covered(files))
    for f in leftovers:
        fs.delete(Path(folder, f.name), False)
    files = [f for f in files if f not in leftovers]
    after = len(files)
    for run in merges(files, max_bytes):
        final = committed_name(run[0].topic, run[0].partition, run[0].start, run[-1].end)
        part = Path(folder, PART_PREFIX + final)
        out = fs.create(part, True)
        try:
            for f in run:
                source = fs.open(Path(folder, f.name))
                try:
                    jvm.org.apache.hadoop.io.IOUtils.copyBytes(source, out, 1 << 20, False)
                finally:
                    source.close()
        finally:
            out.close()
        if not fs.rename(part, Path(folder, final)):
            raise SystemExit(f"could not rename {part} to {final}")
        for f in run:
            fs.delete(Path(folder, f.name), False)
        after -= len(run) - 1
    return before, after


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--run-date", type=date.fromisoformat, required=True, help="days before it are compacted"
    )
    parser.add_argument("--root", default="", help="the sink's topics folder (default: the lake's raw/kafka)")
    parser.add_argument("--max-file-mb", type=int, default=256, help="largest merged file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    from datalake.spark import build_session, hadoop_path

    args = parse_args(argv)
    root = args.root or get_settings().lake.raw("kafka", "").rstrip("/")
    spark = build_session("compact-raw")
    jvm, top, fs = hadoop_path(spark, root)
    if not fs.exists(top):
        print(f"{root}: no raw zone yet, nothing to compact")
        spark.stop()
        return
    total_before = total_after = 0
    for topic in sorted((s.getPath() for s in fs.listStatus(top) if s.isDirectory()), key=str):
        days = {s.getPath().getName(): s.getPath() for s in fs.listStatus(topic) if s.isDirectory()}
        for day in closed_days(list(days), args.run_date):
            before, after = compact_day(fs, jvm, days[day], args.max_file_mb << 20)
            total_before, total_after = total_before + before, total_after + after
            if before != after:
                print(f"{topic.getName()}/{day}: {before} files -> {after}", flush=True)
    print(f"raw zone before {args.run_date}: {total_before} files -> {total_after}")
    spark.stop()


if __name__ == "__main__":
    main()
