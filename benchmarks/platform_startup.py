"""Cold start and memory of the native stack.

Cold start = installed and stopped -> every service healthy (`./start.sh --platform-only`), then the
pipelines on top (`lake up`). Memory = resident set (RSS) and proportional set (PSS, shared pages
split between processes) of every process under the supervisor, per service and in total, measured
after the stack has settled. Absolute numbers: there is no reference for a start-up time.

    .venv/bin/python benchmarks/platform_startup.py [--runs 3] [--settle 30]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import time

import psutil

from datalake.platform.paths import get_paths
from datalake.platform.supervisor import Supervisor
from datalake.settings import REPO_ROOT


def _timed(*cmd: str) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return time.monotonic() - started, result.stdout


def memory_by_program() -> dict[str, tuple[float, float]]:
    """(RSS MiB, PSS MiB) of each supervised program, its child processes included."""
    supervisor = Supervisor(get_paths())
    usage: dict[str, tuple[float, float]] = {}
    for name, state in supervisor.states().items():
        if state != "RUNNING":
            continue
        root = psutil.Process(supervisor.pid(name))
        rss = pss = 0
        for proc in [root, *root.children(recursive=True)]:
            try:
                info = proc.memory_full_info()
            except psutil.Error:
                continue
            rss, pss = rss + info.rss, pss + info.pss
        usage[name] = (rss / 2**20, pss / 2**20)
    return usage


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="cold starts to time (0: memory only, of what runs)"
    )
    parser.add_argument("--settle", type=float, default=30, help="seconds to wait before measuring memory")
    args = parser.parse_args()

    platform_times, pipeline_times, per_service = [], [], {}
    for run in range(1, args.runs + 1):
        _timed("./stop.sh")
        elapsed, out = _timed("./start.sh", "--platform-only")
        platform_times.append(elapsed)
        for name, seconds in re.findall(r"^\s+(\S+)\s+healthy after\s+([\d.]+)s", out, re.M):
            per_service.setdefault(name, []).append(float(seconds))
        elapsed_pipelines, _ = _timed(".venv/bin/lake", "up")
        pipeline_times.append(elapsed_pipelines)
        print(
            f"run {run}: platform {platform_times[-1]:.1f}s, pipelines {pipeline_times[-1]:.1f}s", flush=True
        )

    time.sleep(args.settle)
    usage = memory_by_program()
    if args.runs:
        print("\n| step | median | min | max |\n|---|---|---|---|")
        for label, values in (
            ("./start.sh (stopped -> all healthy)", platform_times),
            ("pipelines up", pipeline_times),
        ):
            print(
                f"| {label} | {statistics.median(values):.1f} s | {min(values):.1f} s | {max(values):.1f} s |"
            )
        print("\n| service | healthy after (median) |\n|---|---|")
        for name, values in sorted(per_service.items(), key=lambda kv: statistics.median(kv[1])):
            print(f"| {name} | {statistics.median(values):.1f} s |")
    print("\n| program | RSS MiB | PSS MiB |\n|---|---|---|")
    for name, (rss, pss) in sorted(usage.items(), key=lambda kv: -kv[1][0]):
        print(f"| {name} | {rss:.0f} | {pss:.0f} |")
    total_rss, total_pss = sum(r for r, _ in usage.values()), sum(p for _, p in usage.values())
    print(f"| **total** | **{total_rss:.0f}** ({total_rss / 1024:.2f} GiB) | **{total_pss:.0f}** |")


if __name__ == "__main__":
    main()
