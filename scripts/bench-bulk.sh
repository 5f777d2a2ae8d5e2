#!/usr/bin/env bash
# The /bulk page with a large supplier list (issue 13 item 6): how long each answer takes.
#
#   scripts/bench-bulk.sh [--rows N] [--register M] [--rounds R] [--port P]
#
# --rows N      rows in the list (default 10000, the page's limit)
# --register M  first register M more companies, one ★4 credential each, through HTTP
#               (crates/scs-registry/examples/bench_load.rs), and list them (default 0)
# --rounds R    answers timed (default 5); each line printed, then the median
# --port P      registry port (default 18090)
#
# `scs serve --demo` (release build) on loopback, stopped when the script ends. The list: every
# demo company (30, registered: their credentials are verified, up to 4 each) asked at ★3, ★4 and
# ★5, then the M registered companies at ★4 (each row verifies its credential), then distinct
# valid 法人番号 that nothing is registered for, up to N rows. The timed answer is the page with
# the results (POST /bulk, the file field, as the browser sends it).
set -euo pipefail

ROWS=10000
REGISTER=0
ROUNDS=5
PORT=18090
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS="$2"; shift 2 ;;
    --register) REGISTER="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
cargo build --release -q -p scs-cli
[ "$REGISTER" = 0 ] || cargo build --release -q -p scs-registry --example bench_load
WORK="$(mktemp -d)"
"$ROOT/target/release/scs" serve --demo --listen "127.0.0.1:$PORT" --data "$WORK/data" \
  >"$WORK/serve.log" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$PORT/v1/health" >/dev/null && break
  sleep 0.1
done

if [ "$REGISTER" != 0 ]; then
  "$ROOT/target/release/examples/bench_load" register --addr "127.0.0.1:$PORT" \
    --count "$REGISTER" --chunk "$REGISTER" --ids-out "$WORK/ids.tsv" >/dev/null
fi

# 法人番号: check digit = 9 - (Σ body digit × (1 at odd, 2 at even places from the right)) mod 9.
awk -v rows="$ROWS" -v registered="$REGISTER" '
  function number(body,   s, i, d, text) {
    text = sprintf("%012.0f", body); s = 0
    for (i = 1; i <= 12; i++) { d = substr(text, 13 - i, 1) + 0; s += d * (i % 2 ? 1 : 2) }
    return (9 - s % 9) text
  }
  BEGIN {
    print "法人番号,求める★"; n = 0
    for (c = 0; c < 30 && n < rows; c++)
      for (level = 3; level <= 5 && n < rows; level++) { print number(1001000000 + 7919 * c) "," level; n++ }
    # bench_load registers company k as body 5,000,000,000 + k.
    for (k = 0; k < registered && n < rows; k++) { print number(5000000000 + k) ",4"; n++ }
    for (k = 0; n < rows; k++) { print number(2000000000 + k) ",4"; n++ }
  }' >"$WORK/list.csv"
echo "list: $(($(wc -l <"$WORK/list.csv") - 1)) rows, $(wc -c <"$WORK/list.csv") bytes" >&2

times=()
for round in $(seq 1 "$ROUNDS"); do
  t=$(curl -s -o "$WORK/answer.html" -w '%{http_code} %{time_total}' \
    -F "file=@$WORK/list.csv;type=text/csv" "http://127.0.0.1:$PORT/bulk")
  code=${t% *}
  [ "$code" = 200 ] || { echo "answer $code" >&2; head -c 400 "$WORK/answer.html" >&2; exit 1; }
  echo "round $round: ${t#* } s ($(wc -c <"$WORK/answer.html") bytes)"
  times+=("${t#* }")
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print "median: " a[int((NR + 1) / 2)] " s" }'
