#!/usr/bin/env bash
# Computes the test vectors of test/fixtures/vectors.json with an independent tool, OpenSSL, so the verifier is
# checked against signatures it did not make itself:
#   v1 = lowercase hex of HMAC-SHA256(key = the secret's UTF-8 bytes, message = "<t>.<raw body>")
# Run from packages/receiver:  scripts/test-vectors.sh > test/fixtures/vectors.json   (needs openssl and jq)
# The output is committed; tests never run this script.
set -euo pipefail

vector() { # name secret timestamp body
  local name=$1 secret=$2 t=$3 body=$4 hex
  # printf '%s' keeps the body's bytes exactly (no trailing newline added); -hmac takes the key as given.
  hex=$(printf '%s.%s' "$t" "$body" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
  jq -n --arg name "$name" --arg secret "$secret" --argjson timestamp "$t" --arg body "$body" --arg v1 "$hex" \
    '{name: $name, secret: $secret, timestamp: $timestamp, body: $body, v1: $v1, header: "t=\($timestamp),v1=\($v1)"}'
}

{
  vector "compact event" "whsec_test_5f2a9c1e7b3d4a60" 1700000000 \
    '{"id":"event_01","object":"event","type":"webset.created","data":{"id":"webset_01","object":"webset"},"createdAt":"2023-11-14T22:13:20.000Z"}'
  vector "pretty-printed event (whitespace is part of what is signed)" "whsec_test_5f2a9c1e7b3d4a60" 1700000300 \
    "$(printf '{\n  "id": "event_02",\n  "object": "event",\n  "type": "webset.item.enriched",\n  "data": { "id": "witem_02" },\n  "createdAt": "2023-11-14T22:18:20Z"\n}\n')
"
  vector "non-ASCII body and secret (UTF-8 bytes on both sides)" "sécret-🔑-ключ" 1714000000 \
    '{"id":"event_03","object":"event","type":"webset.search.completed","data":{"query":"café ☕ — 東京"},"createdAt":"2024-04-24T23:06:40.000Z"}'
  vector "event type this version does not know" "another-secret" 1893456000 \
    '{"id":"event_04","object":"event","type":"webset.future.thing","data":{},"createdAt":"2030-01-01T00:00:00.000Z"}'
} | jq -s '{
  "$comment": "Computed by scripts/test-vectors.sh with openssl dgst -sha256 -hmac; do not edit by hand.",
  vectors: .
}'
