"""Compact the raw zone: merge each closed day's lake-sink files, per topic partition, into few.

The lake sink commits a file every `rotate.interval.ms` (10 s) or `flush.size` records, per topic
partition, so a day of steady traffic leaves up to 8 640 small files per partition, and every
reader lists and opens each of them. Run daily by `platform_maintenance`.

A file's name is its offset range (`topic+partition+start+end.jsonl`, inclusive), and the sink
finds where to resume from the highest end it sees. A merged file keeps that meaning: only files
whose ranges follow each other (next start = end + 1) are merged, up to `--max-file-mb`, and the
result is named by the first start and the last end. Each merge writes a hidden part file,
renames it into place, then deletes the files it replaced. A crash between the rename and the
deletes leaves files whose range a merged file covers: the next run deletes them first, since
their lines are in the merged file byte for byte. Until then a reader sees those offsets twice,
which every reader of the raw zone tolerates (one line per topic, partition and offset is kept).

Only `dt=` folders before the run date are touched (the sink still writes today's); the bytes are
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


def covered(files: list[RawFile]) -> list[RawFile]:
    """Files whose offset range lies within another file's of the same partition: what an
    interrupted merge left beside its result. Of two files with the same range, the later name
    goes."""
    gone = []
    for f in files:
        for g in files:
            if g is f or (g.topic, g.partition) != (f.topic, f.partition):
                continue
            if (
                g.start <= f.start
                and f.end <= g.end
                and ((g.start, g.end) != (f.start, f.end) or g.name < f.name)
            ):
                gone.append(f)
                break
    return gone


def merges(files: list[RawFile], max_bytes: int) -> list[list[RawFile]]:
    """Runs of two or more files of one partition whose ranges follow each other, each run at most
    `max_bytes` (a file larger than that stays as it is)."""
    by_partition: dict[tuple[str, int], list[RawFile]] = defaultdict(list)
    for f in files:
        by_partition[(f.topic, f.partition)].append(f)
    out: list[list[RawFile]] = []
    for key in sorted(by_partition):
        run: list[RawFile] = []
        for f in sorted(by_partition[key], key=lambda f: f.start):
            if run and f.start == run[-1].end + 1 and sum(r.size for r in run) + f.size <= max_bytes:
                run.append(f)
                continue
            if len(run) > 1:
                out.append(run)
            run = [f]
        if len(run) > 1:
            out.append(run)
    return out


def closed_days(folders: list[str], run_date: date) -> list[str]:
    """The `dt=` folders before the run date, oldest first."""
    return sorted(n for n in folders if (m := DT.fullmatch(n)) and date.fromisoformat(m[1]) < run_date)


def compact_day(fs: Any, jvm: Any, folder: Any, max_bytes: int) -> tuple[int, int]:
    """Compact one `dt=` folder; returns (files before, files after)."""
    Path = jvm.org.apache.hadoop.fs.Path
    files = [
        f
        for s in fs.listStatus(folder)
        if s.isFile() and (f := parse(s.getPath().getName(), int(s.getLen()))) is not None
    ]
    before = len(files)
    leftovers = covered(files)
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
    from datalake.spark import build_session

    args = parse_args(argv)
    root = args.root or get_settings().lake.raw("kafka", "").rstrip("/")
    spark = build_session("compact-raw")
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    top = jvm.org.apache.hadoop.fs.Path(root)
    fs = top.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())  # type: ignore[union-attr]
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
