"""PySpark job of process_finances: the daily finance marts (docs/finance-marts.md)."""
