#!/usr/bin/env bash
# Runs a command with a throw-away S3-compatible server for the S3 publishing tests:
#   scripts/s3-test-server.sh cargo test -p scs-cli --test publish
#   scripts/s3-test-server.sh cargo test -p scs-cli --bin scs publish::bucket
# Installs moto's server (PyPI `moto[server]`, the S3 emulator of the boto project) into a
# virtual environment under target/ when it is missing, starts it on a free port of 127.0.0.1,
# runs the command with SCS_TEST_S3=http://127.0.0.1:PORT (each test creates a bucket of its
# own there), and stops it when the command ends, however it ends. The command's exit code is
# this script's.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -eq 0 ]; then
  echo "usage: scripts/s3-test-server.sh COMMAND [ARGS...]" >&2
  exit 2
fi

# The readiness probe below.
if ! command -v curl >/dev/null; then
  scripts/install-debs.sh curl
fi

venv="target/moto-venv"
if [ ! -x "$venv/bin/moto_server" ]; then
  # Debian's python3 has the venv module but not ensurepip, which making one needs.
  if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    scripts/install-debs.sh python3-venv
  fi
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]>=5,<6'
fi

log="$(mktemp /tmp/scs-s3-test.XXXXXX)"
server=""
stop_server() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap stop_server EXIT

# A free port: a random one, another if the server cannot bind it.
for _ in 1 2 3 4 5 6 7 8; do
  port=$((20000 + RANDOM % 40000))
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null; then
      break 2
    fi
    if ! kill -0 "$server" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
done
if [ -z "$server" ]; then
  cat "$log" >&2
  exit 1
fi

export SCS_TEST_S3="http://127.0.0.1:$port"
echo "S3 test server (moto) on $SCS_TEST_S3" >&2
set +e
"$@"
status=$?
set -e
exit "$status"
