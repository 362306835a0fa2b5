#!/usr/bin/env bash
# Fuzzes the served OpenAPI document with schemathesis (PyPI), installed here in a virtualenv:
# a bounded number of examples per operation, anonymous and with a logged-in account; fails on
# any 5xx, any response that breaks the document, an undocumented status or content type.
set -euo pipefail
cd "$(dirname "$0")/.."

EXAMPLES="${SCHEMATHESIS_EXAMPLES:-15}"
PORT="${SCHEMATHESIS_PORT:-18091}"
VENV="${TMPDIR:-/tmp}/zjtx-schemathesis-venv"
if [ ! -x "$VENV/bin/st" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis>=4,<5"
fi

cargo build --quiet --bin zjtx
DATA="$(mktemp -d)"
./target/debug/zjtx serve --listen "127.0.0.1:$PORT" --db "$DATA" 2>"$DATA/serve.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 50); do
    curl -sf "$BASE/healthz" >/dev/null && break
    sleep 0.2
done

curl -sf -X POST "$BASE/api/v1/accounts" -H 'content-type: application/json' \
    -d '{"login_name":"fuzzer","password":"Fuzz-12345","kind":"legal","phone":"13900000001"}' >/dev/null
TOKEN="$(curl -sf -X POST "$BASE/api/v1/session" -H 'content-type: application/json' \
    -d '{"identifier":"fuzzer","password":"Fuzz-12345"}' | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')"

CHECKS=not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance
echo "-- anonymous"
"$VENV/bin/st" run "$BASE/api/v1/openapi.json" --url "$BASE" -n "$EXAMPLES" \
    --phases examples,fuzzing -c "$CHECKS" --no-color --seed "${SCHEMATHESIS_SEED:-20261122}"
echo "-- logged in"
"$VENV/bin/st" run "$BASE/api/v1/openapi.json" --url "$BASE" -n "$EXAMPLES" \
    --phases examples,fuzzing -c "$CHECKS" --no-color --seed "${SCHEMATHESIS_SEED:-20261122}" -H "Authorization: Bearer $TOKEN"
