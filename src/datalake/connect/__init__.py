"""Kafka Connect connectors, applied declaratively from `kafka_connect/connectors/*.json`.

One module per job, imported by name (this package re-exports nothing):
- `configs`: the connector files (lint, load, the `${env:NAME}` names they read), no network;
- `client`: the Connect REST client (`ConnectClient`: apply, wait until RUNNING, status, offsets);
- `probes`: catching up, read from Kafka and Connect (source GTIDs, end offsets, sink lag, dead letters);
- `errors`: the exceptions the three share;
- `__main__`: the CLI, `python -m datalake.connect apply kafka_connect/connectors`, `status NAME`, ...
"""
