#!/usr/bin/env bash
# The REST API's user file (basic authentication, as natively: docs/security.md), then the worker.
set -euo pipefail
umask 077
mkdir -p /tmp/connect
printf '%s: %s\n' "${CONNECT_ADMIN_USER:-admin}" "$CONNECT_ADMIN_PASSWORD" > /tmp/connect/users.properties
cat > /tmp/connect/jaas.conf <<JAAS
KafkaConnect {
  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
  file="/tmp/connect/users.properties";
};
JAAS
export KAFKA_OPTS="-Djava.security.auth.login.config=/tmp/connect/jaas.conf ${KAFKA_OPTS:-}"
exec /opt/kafka/bin/connect-distributed.sh /opt/connect/connect-distributed.properties
