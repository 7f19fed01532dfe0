"""Reading a closed raw day before and after `compact_raw`, in one Spark application.

    env SPARK_CONF_DIR=var/conf/spark SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=.venv/bin/python \\
        HADOOP_USER_NAME=datalake .venv/bin/spark-submit --master 'local[2]' \\
        --conf spark.ui.enabled=false benchmarks/platform/bench_compact_raw.py --files 8640

Writes one day of one topic partition as the lake sink leaves it at its 10 s rotation (`--files`
files of `--lines` change-log lines each) into a scratch folder on HDFS, reads it as `curate_cdc`
does (`spark.read.text` of every `*.jsonl`, recursively, each line parsed with `from_json`), compacts
it with the job's own `compact_day`, and reads it again. Each read is timed `--rounds` times (all
before, then all after) and the best kept; the ratio is the figure, the line counts must be equal.
The scratch folder is deleted at the end.
"""

from __future__ import annotations

import argparse
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from datalake.jobs.platform.compact_raw import committed_name, compact_day
from pyspark.sql import functions as F

from datalake.settings import get_settings
from datalake.spark import build_session, hadoop_path

TOPIC = "cdc.bench.compact"
LINE = "topic STRING, partition INT, offset BIGINT, value STRING"


def _line(offset: int) -> str:
    return (
        f'{{"topic":"{TOPIC}","partition":0,"offset":{offset},"key":{{"id":{offset}}},'
        f'"value":{{"op":"c","after":{{"id":{offset},"valor":"{offset % 997}.50"}}}}}}\n'
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=8640, help="files of the day (8640: one per 10 s)")
    parser.add_argument("--lines", type=int, default=20, help="lines per file")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    spark = build_session("bench_compact_raw")
    root = f"{get_settings().lake.raw('kafka', '').rstrip('/')}-bench-{uuid.uuid4().hex[:8]}"
    jvm, folder, fs = hadoop_path(spark, f"{root}/{TOPIC}/dt=2020-01-01")
    try:
        started = time.perf_counter()

        def write(i: int) -> None:
            first = i * args.lines
            name = committed_name(TOPIC, 0, first, first + args.lines - 1)
            out = fs.create(jvm.org.apache.hadoop.fs.Path(folder, name))
            out.write(bytearray("".join(_line(o) for o in range(first, first + args.lines)).encode()))
            out.close()

        # HDFS's close() waits for the NameNode to complete the block (~0.3 s here): in parallel.
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(write, range(args.files)))
        print(
            f"wrote {args.files} files of {args.lines} lines in {time.perf_counter() - started:.1f} s",
            flush=True,
        )

        def read() -> tuple[float, int]:
            t = time.perf_counter()
            lines = (
                spark.read.option("recursiveFileLookup", "true")
                .option("pathGlobFilter", "*.jsonl")
                .text(str(folder))
            )
            n = (
                lines.select(F.from_json("value", LINE).alias("l"))
                .where(F.col("l.offset").isNotNull())
                .count()
            )
            return time.perf_counter() - t, n

        before = [read() for _ in range(args.rounds)]
        t = time.perf_counter()
        files_before, files_after = compact_day(fs, jvm, folder, 256 << 20)
        compact_s = time.perf_counter() - t
        after = [read() for _ in range(args.rounds)]
        assert {n for _, n in before} == {n for _, n in after} == {args.files * args.lines}, (before, after)
        best_before, best_after = min(s for s, _ in before), min(s for s, _ in after)
        print(
            f"files {files_before} -> {files_after}; compaction {compact_s:.1f} s; "
            f"read {args.files * args.lines} lines: before {best_before:.2f} s, after {best_after:.2f} s, "
            f"ratio {best_before / best_after:.1f}x"
        )
    finally:
        fs.delete(jvm.org.apache.hadoop.fs.Path(root), True)
        spark.stop()


if __name__ == "__main__":
    main()
