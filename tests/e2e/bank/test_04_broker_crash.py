"""Kill -9 the Kafka broker while Debezium streams new operations and the lake sink writes them:
supervisord restarts the broker, the connectors carry on by themselves, and every new row of
`santander.operations` is in the raw zone, each Kafka offset in exactly one file.

Marked `restart`: it runs alone after the two e2e lanes, since every other test's Kafka traffic
stalls while the broker is down. Debezium is at-least-once: a change the dead broker had taken but
not acknowledged can be sent again under a new offset. The test counts such second copies and
reports them (the curated tables keep the last event per key, so they do not show there).
"""

from __future__ import annotations

import pytest
from bank_e2e import CdcFault

pytestmark = [pytest.mark.e2e, pytest.mark.restart]

ROWS = 40_000
BROKER = "kafka"


def test_kill_minus_9_of_the_broker_mid_cdc_loses_nothing(bank_platform: None) -> None:
    fault, resent = CdcFault.during_load(BROKER, ROWS, grown=10_000, timeout_s=240)
    print(
        f"{BROKER} {fault.restart.pid} killed, restarted by supervisord in {fault.restart.restarted_s:.1f}s; "
        f"healthy in {fault.restart.healthy_s:.1f}s; {ROWS} new "
        f"operations all in raw, {resent} sent twice by Debezium; lake caught up {fault.recovered_s:.0f}s "
        "after the kill"
    )
