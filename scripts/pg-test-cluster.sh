#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL cluster for the PostgreSQL tests:
#   scripts/pg-test-cluster.sh cargo test -p scs-ledger
# Installs PostgreSQL from Debian's packages when it is missing, creates a cluster in a
# temporary folder (initdb), starts it on a free port of 127.0.0.1, runs the command with
# SCS_TEST_POSTGRES=postgres://postgres@127.0.0.1:PORT (each test creates a database of its
# own there), and stops and removes the cluster when the command ends, however it ends. The
# command's exit code is this script's.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -eq 0 ]; then
  echo "usage: scripts/pg-test-cluster.sh COMMAND [ARGS...]" >&2
  exit 2
fi

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  scripts/install-debs.sh postgresql
fi
bin="$(pg_bin)"

# initdb and postgres refuse to run as root: run them as the `postgres` user the package made.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  as_owner=(runuser -u postgres --)
fi

# Under /tmp, which the postgres user can reach (a TMPDIR under /root it could not).
cluster="$(mktemp -d /tmp/scs-pg-test.XXXXXX)"
chmod 0755 "$cluster"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$cluster"
fi
stop_cluster() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$cluster"
}
trap stop_cluster EXIT

"${as_owner[@]}" "$bin/initdb" -D "$cluster/data" -U postgres -A trust -E UTF8 --no-locale \
  >"$cluster/initdb.log" 2>&1 || { cat "$cluster/initdb.log" >&2; exit 1; }
# A free port: a random one, another if the server cannot bind it. fsync and synchronous_commit
# stay on: the tests hold the registry to durable commits.
started=""
for _ in 1 2 3 4 5 6 7 8; do
  port=$((20000 + RANDOM % 40000))
  if "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
    -o "-p $port -k $cluster -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null; then
    started=yes
    break
  fi
done
if [ -z "$started" ]; then
  cat "$cluster/server.log" >&2
  exit 1
fi

export SCS_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port"
echo "PostgreSQL test cluster on 127.0.0.1:$port ($("$bin/postgres" --version))" >&2
set +e
"$@"
status=$?
set -e
exit "$status"
