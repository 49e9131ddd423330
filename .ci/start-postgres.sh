#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on a free loopback port for the test suite.
# Prints one line: "URL DATADIR BINDIR". Uses the machine's PostgreSQL binaries, installing
# Debian's package when they are missing.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/postgres" ]; then
  echo "installing the PostgreSQL server package" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d /tmp/aupguard-pg.XXXXXX)
run_as=()
if [ "$(id -u)" = "0" ]; then
  # initdb refuses to run as root; the package's postgres account owns the cluster.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$data"
  run_as=(runuser -u postgres --)
fi
cd /  # the postgres account may not be allowed into the caller's folder
"${run_as[@]}" "$bindir/initdb" -D "$data/db" -U aupguard --auth=trust -E UTF8 >"$data/initdb.log" 2>&1 \
  || { cat "$data/initdb.log" >&2; exit 1; }
"${run_as[@]}" "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w \
  -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$data -c fsync=off -c max_connections=200" \
  start >&2 || { cat "$data/server.log" >&2; exit 1; }
echo "postgresql+psycopg://aupguard@127.0.0.1:$port/postgres $data $bindir"
