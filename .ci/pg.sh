# A throwaway PostgreSQL cluster for the tests. Source this file, then:
#
#   zjtx_pg_start   # initdb + start on 127.0.0.1, export ZJTX_TEST_PG, stop and delete on exit
#
# If ZJTX_TEST_PG is already set, that server is used and nothing is started. The cluster uses
# the machine's PostgreSQL 15 binaries (installed with apt-get when missing), lives in a temporary
# directory owned by the `postgres` user when run as root (initdb refuses root), listens only on
# 127.0.0.1 (first free port from 54329), trusts loopback connections, and runs with fsync off:
# it holds nothing worth keeping.
#
# `bash .ci/pg.sh` on its own starts a cluster, prints the export line and keeps it until ctrl-c
# (for running the PostgreSQL tests by hand).

ZJTX_PG_BIN=""
ZJTX_PG_DIR=""

zjtx_pg_find_bin() {
    local d
    for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            ZJTX_PG_BIN="$d"
            return 0
        fi
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        ZJTX_PG_BIN="$(dirname "$(command -v pg_ctl)")"
        return 0
    fi
    return 1
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
zjtx_pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

zjtx_pg_port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

zjtx_pg_stop() {
    if [ -n "$ZJTX_PG_DIR" ] && [ -d "$ZJTX_PG_DIR" ]; then
        zjtx_pg_as_owner "$ZJTX_PG_BIN/pg_ctl" -D "$ZJTX_PG_DIR/data" -m immediate -w stop \
            >/dev/null 2>&1 || true
        rm -rf "$ZJTX_PG_DIR"
    fi
    ZJTX_PG_DIR=""
}

zjtx_pg_start() {
    if [ -n "${ZJTX_TEST_PG:-}" ]; then
        echo "== PostgreSQL: using ZJTX_TEST_PG from the environment"
        return 0
    fi
    if ! zjtx_pg_find_bin; then
        echo "== PostgreSQL: installing postgresql-15"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
        zjtx_pg_find_bin || { echo "no PostgreSQL binaries after installing postgresql-15" >&2; return 1; }
    fi
    local port=54329
    while ! zjtx_pg_port_free "$port"; do
        port=$((port + 1))
        if [ "$port" -gt 54399 ]; then
            echo "no free port for PostgreSQL in 54329..54399" >&2
            return 1
        fi
    done
    ZJTX_PG_DIR="$(mktemp -d /tmp/zjtx-pg.XXXXXX)"
    trap zjtx_pg_stop EXIT
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$ZJTX_PG_DIR"
    fi
    zjtx_pg_as_owner "$ZJTX_PG_BIN/initdb" -D "$ZJTX_PG_DIR/data" -U postgres -A trust \
        -E UTF8 --locale=C --no-sync >"$ZJTX_PG_DIR/initdb.log" 2>&1 \
        || { cat "$ZJTX_PG_DIR/initdb.log" >&2; return 1; }
    zjtx_pg_as_owner "$ZJTX_PG_BIN/pg_ctl" -D "$ZJTX_PG_DIR/data" -l "$ZJTX_PG_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $ZJTX_PG_DIR -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null \
        || { cat "$ZJTX_PG_DIR/server.log" >&2; return 1; }
    export ZJTX_TEST_PG="postgres://postgres@127.0.0.1:$port/postgres"
    echo "== PostgreSQL: throwaway cluster at $ZJTX_TEST_PG ($("$ZJTX_PG_BIN/pg_ctl" --version))"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    zjtx_pg_start
    echo "export ZJTX_TEST_PG=$ZJTX_TEST_PG"
    echo "(ctrl-c stops and deletes the cluster)"
    trap 'exit 0' INT TERM
    while :; do sleep 3600 & wait $!; done
fi
