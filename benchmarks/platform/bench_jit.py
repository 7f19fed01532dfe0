"""Spark driver JIT thresholds: a small DAG-like task and a big aggregation, default JVM against ours.

    .venv/bin/python benchmarks/platform/bench_jit.py --rounds 3

`spark-defaults.conf` raises the C2 compiler's thresholds (`spark.driver.defaultJavaOptions`). This
script runs each workload as its own `spark-submit` (the way an Airflow task runs), alternating the
JVM's default thresholds and the platform's, and reports wall time and CPU time (the JVM and its
Python driver, from `getrusage` of the children) of each, with the ratio of the medians:

- small: what a DAG task does (metastore call, a 200 000-row Delta write to a scratch HDFS folder,
  read back and aggregated), where JVM start-up and planning dominate;
- heavy: a 100 M-row aggregation, where the generated code's hot loops dominate.

Needs the platform (HDFS, metastore) running. The scratch folder is deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Any harmless option: the launcher skips an empty one, and then the file's value would apply.
DEFAULT_JIT = "-Dbench.jit=default"


def workload(name: str, path: str) -> None:
    """Runs inside spark-submit."""
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName(f"bench_jit_{name}").getOrCreate()
    if name == "small":
        spark.sql("SHOW DATABASES").collect()
        df = spark.range(200_000).selectExpr("id", "id % 97 AS k", "CAST(id * 1.5 AS DECIMAL(18, 2)) AS v")
        df.write.format("delta").mode("overwrite").save(path)
        spark.read.format("delta").load(path).groupBy("k").agg({"v": "sum"}).collect()
    else:
        spark.range(100_000_000).selectExpr(
            "id % 1000 AS k", "id * 2 AS v", "CAST(id AS STRING) AS s"
        ).groupBy("k").agg({"v": "sum", "s": "max"}).collect()
    spark.stop()


def configured_options(conf_dir: Path) -> str:
    for line in (conf_dir / "spark-defaults.conf").read_text().splitlines():
        if line.startswith("spark.driver.defaultJavaOptions"):
            return line.split(None, 1)[1].strip()
    raise SystemExit(f"no spark.driver.defaultJavaOptions in {conf_dir}/spark-defaults.conf")


def run(name: str, options: str, path: str, conf_dir: Path) -> tuple[float, float]:
    env = {
        **os.environ,
        "SPARK_CONF_DIR": str(conf_dir),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": str(REPO / ".venv/bin/python"),
        "HADOOP_USER_NAME": "datalake",
    }
    command = [
        str(REPO / ".venv/bin/spark-submit"),
        *("--master", "local[2]", "--conf", "spark.ui.enabled=false"),
        *("--conf", f"spark.driver.defaultJavaOptions={options}"),
        __file__,
        *("--workload", name, "--path", path),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workload", choices=["small", "heavy"], help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workload:
        workload(args.workload, args.path)
        return

    from datalake.hdfs import webhdfs
    from datalake.settings import get_settings

    conf_dir = REPO / "var/conf/spark"
    ours = configured_options(conf_dir)
    s = get_settings()
    scratch = f"/tmp/bench-jit-{uuid.uuid4().hex[:8]}"
    variants = {"default": DEFAULT_JIT, "platform": ours}
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    try:
        for name in ("small", "heavy"):
            for i in range(args.rounds):
                for variant, options in variants.items():
                    wall, cpu = run(name, options, f"{s.hdfs_uri}{scratch}/{variant}", conf_dir)
                    results.setdefault((name, variant), []).append((wall, cpu))
                    print(
                        f"{name:5} {variant:8} round {i + 1}: wall {wall:6.1f} s  cpu {cpu:6.1f} s",
                        flush=True,
                    )
    finally:
        webhdfs("DELETE", scratch, "DELETE", recursive="true")

    print(f"\nplatform options: {ours}")
    print(
        f"{'workload':8} {'default wall/cpu s':>20} {'platform wall/cpu s':>20} {'wall ratio':>10} {'cpu ratio':>9}"
    )
    for name in ("small", "heavy"):
        d = [statistics.median(x) for x in zip(*results[(name, "default")], strict=True)]
        p = [statistics.median(x) for x in zip(*results[(name, "platform")], strict=True)]
        print(
            f"{name:8} {d[0]:9.1f} / {d[1]:6.1f}   {p[0]:9.1f} / {p[1]:6.1f}   "
            f"{p[0] / d[0]:10.2f} {p[1] / d[1]:9.2f}"
        )


if __name__ == "__main__":
    sys.exit(main())
