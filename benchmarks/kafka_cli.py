"""Kafka's own command-line tools (from the pinned jars), shared by the benchmarks.

Import from a benchmark script with `sys.path.insert(0, <benchmarks folder>)`.
"""

from __future__ import annotations

import re
import subprocess

from datalake.settings import REPO_ROOT

KAFKA_CP = f"{REPO_ROOT}/var/jars/kafka/*"


def kafka_tool(*args: str) -> str:
    result = subprocess.run(
        ["java", "-cp", KAFKA_CP, *args], capture_output=True, text=True, check=False, timeout=900
    )
    if result.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{result.stdout[-1500:]}\n{result.stderr[-1500:]}")
    return result.stdout


def create_topic(bootstrap: str, topic: str, partitions: int = 1) -> None:
    kafka_tool(
        "org.apache.kafka.tools.TopicCommand",
        *("--bootstrap-server", bootstrap, "--create", "--if-not-exists", "--topic", topic),
        *("--partitions", str(partitions), "--replication-factor", "1"),
    )


def delete_topic(bootstrap: str, topic: str) -> None:
    kafka_tool(
        "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap, "--delete", "--topic", topic
    )


def reference_rate(bootstrap: str, topic: str, events: int, *, record_size: int, **props: str) -> float:
    """records/s reported by Kafka's ProducerPerformance (its final summary line).

    `props` are producer settings on top of acks=all and idempotence (e.g. the engine's own
    compression, linger and batch size, so both sides are configured alike).
    """
    out = kafka_tool(
        "org.apache.kafka.tools.ProducerPerformance",
        *("--topic", topic, "--num-records", str(events), "--record-size", str(record_size)),
        *("--throughput", "-1", "--producer-props", f"bootstrap.servers={bootstrap}", "acks=all"),
        "enable.idempotence=true",
        *(f"{k}={v}" for k, v in props.items()),
    )
    summary = [line for line in out.splitlines() if "records sent" in line][-1]
    return float(re.search(r"([\d.]+) records/sec", summary).group(1))  # type: ignore[union-attr]
