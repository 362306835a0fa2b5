#!/usr/bin/env bash
# Fuzzes the served OpenAPI document with schemathesis (PyPI), installed here in a virtualenv:
# a bounded number of examples per operation, anonymous and logged in as each kind of account
# (on the demo data set); fails on any 5xx, any response that breaks the document, an
# undocumented status or content type.
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
# The demo data set: enterprises in every state, staff of every kind, all with known passwords,
# so that the logged-in runs reach the rules behind authentication.
./target/debug/zjtx demo --db "$DATA" >/dev/null
./target/debug/zjtx serve --listen "127.0.0.1:$PORT" --db "$DATA" 2>"$DATA/serve.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 50); do
    curl -sf "$BASE/healthz" >/dev/null && break
    sleep 0.2
done

token() {
    curl -sf -X POST "$BASE/api/v1/session" -H 'content-type: application/json' \
        -d "{\"identifier\":\"$1\",\"password\":\"Demo-2025!\"}" |
        python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])'
}

CHECKS=not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance
run() {
    "$VENV/bin/st" run "$BASE/api/v1/openapi.json" --url "$BASE" -n "$EXAMPLES" \
        --phases examples,fuzzing -c "$CHECKS" --no-color --seed "${SCHEMATHESIS_SEED:-20261122}" "$@"
}
echo "-- anonymous"
run
# Logged in as an enterprise, a province admin, a reviewer and support; without log-out, which
# would revoke the token every later call is made with.
for who in gz_ruixin gd_admin gd_prov kf_support; do
    echo "-- logged in as $who"
    run -H "Authorization: Bearer $(token "$who")" --exclude-operation-id logout
done
