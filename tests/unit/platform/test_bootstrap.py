"""The platform's first-start steps that are pure logic."""

from __future__ import annotations

import base64
import uuid

import pytest

from datalake.platform import bootstrap


def test_kafka_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0xf8 encodes to '-' as the first URL-safe base64 character: the first draw is refused.
    draws = iter([uuid.UUID(bytes=b"\xf8" + b"\x00" * 15), uuid.UUID(bytes=b"\x10" * 16)])
    monkeypatch.setattr(bootstrap.uuid, "uuid4", lambda: next(draws))
    cluster_id = bootstrap.kafka_cluster_id()
    assert cluster_id == base64.urlsafe_b64encode(b"\x10" * 16).decode().rstrip("=")
    assert len(cluster_id) == 22 and not cluster_id.startswith("-")
