#!/usr/bin/env bash
# One-shot TLS material for the Kafka cluster (docker-compose.security.yml, service kafka-tls-init).
#
# Runs in the apache/kafka image (keytool only, no openssl needed). Idempotent: an existing CA is
# kept, so restarting the stack does not invalidate certificates clients already trust.
#
#   CA_KEY_DIR   (default /ca-key)   the CA's private key (ca.p12); mounted in this service only
#   SECRETS_DIR  (default /etc/kafka/secrets, the same path the brokers mount it at) broker-only
#                material: PKCS12 keystores, truststore, JAAS file, admin.properties (the
#                mutual-TLS admin client of the INTERNAL listener)
#   CA_DIR       (default /ca)       public: ca.pem, the CA every client trusts (KAFKA_SSL_CAFILE)
#   BROKERS      (default "kafka-1 kafka-2 kafka-3")  host names put in each certificate's SAN
#   KAFKA_SSL_KEYSTORE_PASSWORD, KAFKA_SSL_TRUSTSTORE_PASSWORD  store passwords (kafka-tls.env)
#   TLS_VALIDITY_DAYS (default 825), TLS_CA_KEY_SIZE (3072), TLS_KEY_SIZE (2048)
set -euo pipefail

CA_KEY_DIR=${CA_KEY_DIR:-/ca-key}
SECRETS_DIR=${SECRETS_DIR:-/etc/kafka/secrets}
CA_DIR=${CA_DIR:-/ca}
BROKERS=${BROKERS:-"kafka-1 kafka-2 kafka-3"}
DAYS=${TLS_VALIDITY_DAYS:-825}
: "${KAFKA_SSL_KEYSTORE_PASSWORD:?set it in deploy/compose/kafka-tls.env}"
: "${KAFKA_SSL_TRUSTSTORE_PASSWORD:?set it in deploy/compose/kafka-tls.env}"
KS_PASS=$KAFKA_SSL_KEYSTORE_PASSWORD
TS_PASS=$KAFKA_SSL_TRUSTSTORE_PASSWORD
# PKCS12 keystores made by keytool have one password for the store and its keys.
if [[ -n "${KAFKA_SSL_KEY_PASSWORD:-}" && "$KAFKA_SSL_KEY_PASSWORD" != "$KS_PASS" ]]; then
  echo "KAFKA_SSL_KEY_PASSWORD must equal KAFKA_SSL_KEYSTORE_PASSWORD (PKCS12)" >&2
  exit 1
fi

umask 077
mkdir -p "$CA_KEY_DIR" "$SECRETS_DIR" "$CA_DIR"
cd "$SECRETS_DIR"
CA_KS="$CA_KEY_DIR/ca.p12"

if [[ ! -f "$CA_KS" ]]; then
  keytool -genkeypair -alias ca -dname "CN=motcua Kafka CA" -keyalg RSA \
    -keysize "${TLS_CA_KEY_SIZE:-3072}" -validity "$DAYS" -ext bc:c -ext KU=keyCertSign,cRLSign \
    -keystore "$CA_KS" -storetype PKCS12 -storepass "$KS_PASS"
fi
keytool -exportcert -rfc -alias ca -keystore "$CA_KS" -storepass "$KS_PASS" -file ca.pem

# issue NAME SAN: a PKCS12 keystore NAME.keystore.p12 holding a key and its CA-signed chain.
issue() {
  local name=$1 san=$2 eku=$3
  [[ -f "$name.keystore.p12" ]] && return 0
  keytool -genkeypair -alias "$name" -dname "CN=$name" -keyalg RSA -keysize "${TLS_KEY_SIZE:-2048}" \
    -validity "$DAYS" -keystore "$name.keystore.p12" -storetype PKCS12 -storepass "$KS_PASS"
  keytool -certreq -alias "$name" -keystore "$name.keystore.p12" -storepass "$KS_PASS" -file "$name.csr"
  keytool -gencert -rfc -alias ca -keystore "$CA_KS" -storepass "$KS_PASS" -validity "$DAYS" \
    -infile "$name.csr" -outfile "$name.crt" ${san:+-ext "SAN=$san"} \
    -ext KU=digitalSignature,keyEncipherment -ext "EKU=$eku"
  keytool -importcert -noprompt -alias ca -file ca.pem -keystore "$name.keystore.p12" -storepass "$KS_PASS"
  keytool -importcert -alias "$name" -file "$name.crt" -keystore "$name.keystore.p12" -storepass "$KS_PASS"
  rm -f "$name.csr"
}

for broker in $BROKERS; do
  issue "$broker" "dns:$broker,dns:localhost" "serverAuth,clientAuth"
done
issue admin "" "clientAuth"

if [[ ! -f truststore.p12 ]]; then
  keytool -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 -storetype PKCS12 \
    -storepass "$TS_PASS"
fi

# Brokers authenticate SASL/SCRAM clients; no server-side credentials are needed in JAAS.
cat > kafka_server_jaas.conf <<'EOF'
KafkaServer {
  org.apache.kafka.common.security.scram.ScramLoginModule required;
};
EOF

cat > admin.properties <<EOF
security.protocol=SSL
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECRETS_DIR/admin.keystore.p12
ssl.keystore.password=$KS_PASS
ssl.key.password=$KS_PASS
ssl.truststore.type=PKCS12
ssl.truststore.location=$SECRETS_DIR/truststore.p12
ssl.truststore.password=$TS_PASS
EOF

cp ca.pem "$CA_DIR/ca.pem"
chmod 0755 "$CA_DIR"
chmod 0644 "$CA_DIR/ca.pem"
# The apache/kafka image runs as appuser (uid 1000): it must read the broker material.
if [[ $(id -u) -eq 0 ]]; then
  chown -R "${KAFKA_UID:-1000}:0" "$SECRETS_DIR"
fi
chmod 0640 "$SECRETS_DIR"/*
echo "kafka-tls-init: CA $(keytool -list -keystore "$CA_KS" -storepass "$KS_PASS" -alias ca | tail -1)"
echo "kafka-tls-init: keystores for $BROKERS admin; ca.pem in $CA_DIR"
