"""Bank lake jobs (BRIEF §4.2): Debezium change logs in the raw zone -> typed curated Hive tables."""
