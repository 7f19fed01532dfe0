"""PySpark jobs of the Mongo strand: nubank_data through the Spark connector, marketing through Kafka."""
