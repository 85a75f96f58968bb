#!/usr/bin/env bash
# One-shot: create (or update) the SCRAM-SHA-512 credential of the pipeline's Kafka user
# (docker-compose.security.yml, service kafka-scram-users).
#
# Runs in the apache/kafka image. It talks to the INTERNAL listener with mutual TLS (the admin
# certificate made by kafka-tls-init.sh), so no SASL credential has to exist beforehand: KRaft
# stores SCRAM credentials in the metadata log (KIP-554), and altering them needs no restart.
#
#   KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD  the user the motcua services log in as (secrets.env)
#   ADMIN_BOOTSTRAP   (default kafka-1:9094,kafka-2:9094,kafka-3:9094)
#   ADMIN_CONFIG      (default /etc/kafka/secrets/admin.properties)
#   SCRAM_ITERATIONS  (default 8192)
set -euo pipefail

: "${KAFKA_SASL_USERNAME:?set it in deploy/compose/secrets.env}"
: "${KAFKA_SASL_PASSWORD:?set it in deploy/compose/secrets.env}"
BOOTSTRAP=${ADMIN_BOOTSTRAP:-kafka-1:9094,kafka-2:9094,kafka-3:9094}
CONFIG=${ADMIN_CONFIG:-/etc/kafka/secrets/admin.properties}
ITERATIONS=${SCRAM_ITERATIONS:-8192}
BIN=${KAFKA_BIN:-/opt/kafka/bin}
# kafka-configs.sh parses "[k=v,k=v]": these characters would split the password.
if [[ "$KAFKA_SASL_PASSWORD" == *[],[=]* ]]; then
  echo "kafka-scram-users: KAFKA_SASL_PASSWORD must not contain , [ ] or =" >&2
  exit 1
fi

"$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --alter \
  --entity-type users --entity-name "$KAFKA_SASL_USERNAME" \
  --add-config "SCRAM-SHA-512=[iterations=$ITERATIONS,password=$KAFKA_SASL_PASSWORD]"

"$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CONFIG" --describe \
  --entity-type users --entity-name "$KAFKA_SASL_USERNAME"
echo "kafka-scram-users: SCRAM-SHA-512 credential set for user $KAFKA_SASL_USERNAME"
