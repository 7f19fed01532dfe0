"""PySpark job of the bank channels: channel operations (raw zone) -> financas.channel_operations."""
