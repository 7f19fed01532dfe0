"""The DataNode's check asks the DataNode: a killed DataNode stays "live" in the NameNode's count
for ten minutes, so a check on that count passed while no DataNode process was there."""

from __future__ import annotations

import json
from typing import Any

import pytest

from datalake.platform import health


def _bean(*actors: dict[str, str]) -> dict[str, Any]:
    return {"beans": [{"XceiverCount": 1, "BPServiceActorInfo": json.dumps(list(actors))}]}


@pytest.mark.parametrize(
    ("answer", "healthy"),
    [
        (
            _bean(
                {"ActorState": "RUNNING", "NamenodeHaState": "active", "NamenodeAddress": "localhost:9000"}
            ),
            True,
        ),
        (_bean({"ActorState": "CONNECTING", "NamenodeHaState": "active"}), False),
        (_bean(), False),
        ({"beans": []}, False),
    ],
)
def test_datanode_is_healthy_only_when_registered_with_the_active_namenode(
    monkeypatch: pytest.MonkeyPatch, answer: dict[str, Any], healthy: bool
) -> None:
    monkeypatch.setattr(health, "_http_json", lambda url, **_: answer)
    if healthy:
        assert health.datanode_registered("http://dn") == "registered with localhost:9000, 1 transfers"
    else:
        with pytest.raises(health.Unhealthy, match="not registered with an active NameNode"):
            health.datanode_registered("http://dn")


def test_a_datanode_that_does_not_answer_is_unhealthy() -> None:
    with pytest.raises(health.Unhealthy):
        health.datanode_registered("http://127.0.0.1:9")
