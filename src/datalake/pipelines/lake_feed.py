"""How a DAG knows the lake sink has landed a source's records: shared by every Kafka-fed pipeline.

A feed is one lake sink connector and the topics it reads. The DAG records the topics' end offsets
once the source has written everything up to its marker, then pokes until the sink's committed
offsets (reported only for files renamed into the raw zone) reach them. Records the sink sent to
its dead-letter topic never land in a file, so a gap made only of dead letters is not lag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

TopicPartition = tuple[str, int]


def parse_targets(targets: dict[str, int]) -> dict[TopicPartition, int]:
    """XCom's `topic:partition` keys back to (topic, partition)."""
    return {(k.rsplit(":", 1)[0], int(k.rsplit(":", 1)[1])): v for k, v in targets.items()}


@dataclass(frozen=True)
class LakeFeed:
    """A lake sink and its topics. The topics' regex and the dead-letter topic are read from the
    sink's connector file (`kafka_connect/connectors/<sink>.json`), where they are declared once;
    a sink without a file (a benchmark's) gives them here."""

    sink: str  # the lake sink connector's name
    topics_regex: str | None = None
    dlq_topic: str | None = None

    @cached_property
    def _config(self) -> dict[str, str]:
        from datalake.connect.configs import CONNECTORS_DIR, load_connector

        return load_connector(CONNECTORS_DIR / f"{self.sink}.json")[1]

    @property
    def topics(self) -> str:
        """Regex of the topics the sink reads (its `topics.regex`, or its `topics` list as one)."""
        if self.topics_regex:
            return self.topics_regex
        if "topics.regex" in self._config:
            return self._config["topics.regex"]
        return "|".join(re.escape(t.strip()) for t in self._config["topics"].split(","))

    @property
    def dlq(self) -> str:
        """The sink's dead-letter topic."""
        return self.dlq_topic or self._config["errors.deadletterqueue.topic.name"]

    def end_offsets(self) -> dict[str, int]:
        """The topics' end offsets, JSON-friendly (`topic:partition` -> offset) for XCom."""
        from datalake.connect.probes import topic_end_offsets

        return {f"{t}:{p}": off for (t, p), off in topic_end_offsets(self.topics).items()}

    def lag(self, targets: dict[TopicPartition, int] | None = None) -> dict[TopicPartition, tuple[int, int]]:
        """Partitions whose records are not all in committed raw files yet: {tp: (committed, target)}."""
        from datalake.connect.client import ConnectClient
        from datalake.connect.probes import sink_lag

        return sink_lag(ConnectClient(), self.sink, self.topics, self.dlq, targets)

    def poke(self, targets: dict[str, int]) -> tuple[bool, str]:
        """One poke of a sink sensor: (done, the partitions still missing as (committed, target)).

        Connect being briefly unreachable (a worker restart) is "not yet", not a failure.
        """
        from datalake.connect.errors import ConnectError

        try:
            lag = self.lag(parse_targets(targets))
            return not lag, f"partitions not yet in the lake (committed, target): {lag}"
        except ConnectError as exc:
            return False, f"Kafka Connect not answering yet: {exc}"
