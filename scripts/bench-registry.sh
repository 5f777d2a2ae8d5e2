#!/usr/bin/env bash
# The registry under load (issue 3, item 10). Everything on loopback, bounded, stops by itself.
#
#   scripts/bench-registry.sh [--scale N] [--duration S] [--rounds R] [--port P] [--index-cache-mib M]
#                             [--store sled|postgres] [--update-doc] [--keep]
#
# --scale N      credentials registered through HTTP (default 100000; 1000000 for the scale
#                measurement: about 20-25 minutes on 2 cores)
# --duration S   seconds per wrk run (default 10)
# --rounds R     interleaved rounds of (static, registry) wrk runs; medians are reported (default 3)
# --port P       registry port (default 18080; the static ceiling listens on P+1). The demo signs
#                its trust list for the address it listens on, so status list URLs inside the
#                credentials name port P.
# --update-doc   replace the generated block of "## Registry under load" in docs/PERFORMANCE.md
# --index-cache-mib M  passed to scs serve (its default when not given)
# --keep         keep the data folder (it is deleted otherwise: ~9 KiB per credential)
# --store S      sled (the default) or postgres: the registry's log and indexes in a throw-away
#                PostgreSQL cluster (scripts/pg-test-cluster.sh: initdb in a temporary folder,
#                fsync and synchronous_commit on), and a second `scs serve` on the same database
#                (port P+2), a standby, whose GETs are measured beside the writer's
#
# Phases, one run, one registry (`scs serve --demo`, release build):
#   1. registrations: bench_load signs N allocate-status requests, sends them (32 clients),
#      signs N ★4 credentials with the entries reserved and their register requests, sends
#      those (32 clients); every answer comes after the log's fsync. In chunks of 100k so that
#      every request reaches the registry within its 300 s freshness window.
#   2. revocation → status list: 200 revocations one after the other; after each
#      acknowledgement, GET the status list until the bit is set.
#   3. stop (SIGTERM), bytes on disk, start again: start-up time (exec → first /v1/health
#      answer), RSS.
#   4. GET /v1/credentials/{id} (all N ids, shuffled) and GET /v1/status/revocation/{n} (every
#      list): wrk against the registry and against bench_static (a minimal axum handler with a
#      static body of the same size), interleaved, R rounds.
# Writes target/bench-registry/<time>/{results.json,summary.md}.
set -euo pipefail

SCALE=100000
DURATION=10
ROUNDS=3
PORT=18080
UPDATE_DOC=0
KEEP=0
STORE=sled
CACHE_ARGS=()
ARGS=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --update-doc) UPDATE_DOC=1; shift ;;
    --keep) KEEP=1; shift ;;
    --store) STORE="$2"; shift 2 ;;
    --index-cache-mib) CACHE_ARGS=(--index-cache-mib "$2"); shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
SPORT=$((PORT + 1))
STANDBY_PORT=$((PORT + 2))
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
case "$STORE" in
  sled) ;;
  postgres)
    # Under a throw-away cluster of its own: the script again, with SCS_TEST_POSTGRES set.
    if [ -z "${SCS_TEST_POSTGRES:-}" ]; then
      exec scripts/pg-test-cluster.sh "$0" "${ARGS[@]}"
    fi ;;
  *) echo "--store takes sled or postgres" >&2; exit 2 ;;
esac
COMMAND="scripts/bench-registry.sh --scale $SCALE --duration $DURATION --rounds $ROUNDS --store $STORE${CACHE_ARGS[*]:+ ${CACHE_ARGS[*]}}"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- tools -----------------------------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v jq >/dev/null || need+=(jq)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  scripts/install-debs.sh "${need[@]}" >/dev/null
fi
log "building (release)"
cargo build --release -q -p scs-cli
cargo build --release -q -p scs-registry --example bench_load --example bench_static
SCS="$ROOT/target/release/scs"
LOAD="$ROOT/target/release/examples/bench_load"
STATIC="$ROOT/target/release/examples/bench_static"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$PORT" "$SPORT"; do
  port_free "$p" || { echo "port $p is in use; pick another with --port" >&2; exit 1; }
done

W="$ROOT/target/bench-registry/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$W"
DATA="$W/data"
SERVER_PID=""
STATIC_PID=""
STANDBY_PID=""
STORE_ARGS=()
if [ "$STORE" = postgres ]; then
  port_free "$STANDBY_PORT" || { echo "port $STANDBY_PORT is in use; pick another with --port" >&2; exit 1; }
  PSQL="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql"
  "$PSQL" -q "$SCS_TEST_POSTGRES/postgres" -c "CREATE DATABASE scs_bench"
  DB="$SCS_TEST_POSTGRES/scs_bench"
  STORE_ARGS=(--store "$DB")
fi
sql() { "$PSQL" -qtA "$DB" -c "$1"; }
cleanup() {
  for pid in $SERVER_PID $STANDBY_PID $STATIC_PID; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -INT "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [ "$KEEP" -eq 0 ]; then rm -rf "$DATA"; fi
}
trap cleanup EXIT

# --- helpers ---------------------------------------------------------------------------------
TCK=$(getconf CLK_TCK)
proc_cpu() { # CPU seconds used so far by a process (0 when gone)
  awk -v t="$TCK" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat" 2>/dev/null || echo 0
}
machine_busy() { # CPU seconds spent busy by the whole machine so far
  awk -v t="$TCK" '/^cpu /{printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / t}' /proc/stat
}
rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/{print $2}' "/proc/$1/status"; }
now_ms() { date +%s%3N; }

start_registry() { # → SERVER_PID, STARTUP_MS
  local t0 t1
  t0=$(now_ms)
  "$SCS" serve --demo --data "$DATA" --listen "127.0.0.1:$PORT" "${CACHE_ARGS[@]}" \
    "${STORE_ARGS[@]}" >>"$W/serve.out" 2>>"$W/serve.err" &
  SERVER_PID=$!
  wait_for_health "$SERVER_PID" "$PORT" "$t0" serve.err
  t1=$(now_ms)
  STARTUP_MS=$((t1 - t0))
}

wait_for_health() { # $1 = pid, $2 = port, $3 = start time (ms), $4 = its stderr file
  until curl -sf -o /dev/null "http://127.0.0.1:$2/v1/health"; do
    kill -0 "$1" 2>/dev/null || { echo "scs serve died; see $W/$4" >&2; exit 1; }
    [ $(( $(now_ms) - $3 )) -lt 120000 ] || { echo "scs serve did not start in 120 s" >&2; exit 1; }
    sleep 0.01
  done
}

start_standby() { # a second registry on the same database, with a data folder of its own
  "$SCS" serve --demo --data "$W/standby-data" --listen "127.0.0.1:$STANDBY_PORT" \
    "${CACHE_ARGS[@]}" "${STORE_ARGS[@]}" >>"$W/standby.out" 2>>"$W/standby.err" &
  STANDBY_PID=$!
  wait_for_health "$STANDBY_PID" "$STANDBY_PORT" "$(now_ms)" standby.err
}

wait_until_idle() { # $1 = pid: its CPU use has stopped growing (background loads done)
  local t0 prev cur
  t0=$(now_ms)
  prev=$(proc_cpu "$1")
  while :; do
    sleep 0.5
    cur=$(proc_cpu "$1")
    if awk -v a="$prev" -v b="$cur" 'BEGIN{exit !(b - a < 0.03)}'; then break; fi
    prev=$cur
    [ $(( $(now_ms) - t0 )) -lt 600000 ] || break
  done
}

stop_registry() { # → STOP_MS
  local t0
  t0=$(now_ms)
  kill -TERM "$SERVER_PID"
  for _ in $(seq 600); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "scs serve did not stop in 60 s" >&2; kill -KILL "$SERVER_PID"; exit 1
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  STOP_MS=$(( $(now_ms) - t0 ))
  SERVER_PID=""
}

# Other processes on the machine (other users, builds) take CPU from the benchmark; each phase
# reports how much, so that numbers from a busy machine can be read as such.
phase_begin() { PB_T=$(now_ms); PB_BUSY=$(machine_busy); PB_SRV=$(proc_cpu "${SERVER_PID:-0}"); PB_STA=$(proc_cpu "${STATIC_PID:-0}"); }
phase_end() { # $1 = CPU seconds of the load generator → JSON object
  local secs busy srv sta
  secs=$(awk -v a="$PB_T" -v b="$(now_ms)" 'BEGIN{printf "%.2f", (b - a) / 1000}')
  busy=$(awk -v a="$PB_BUSY" -v b="$(machine_busy)" 'BEGIN{printf "%.2f", b - a}')
  srv=$(awk -v a="$PB_SRV" -v b="$(proc_cpu "${SERVER_PID:-0}")" 'BEGIN{printf "%.2f", b - a}')
  sta=$(awk -v a="$PB_STA" -v b="$(proc_cpu "${STATIC_PID:-0}")" 'BEGIN{printf "%.2f", b - a}')
  jq -n --argjson secs "$secs" --argjson busy "$busy" --argjson srv "$srv" --argjson sta "$sta" \
    --argjson gen "$1" --argjson cores "$(nproc)" \
    '{seconds: $secs, machineBusyCpuSeconds: $busy, serverCpuSeconds: ($srv + $sta),
      generatorCpuSeconds: $gen,
      otherCpuSeconds: ([($busy - $srv - $sta - $gen), 0] | max),
      otherShareOfMachine: (([($busy - $srv - $sta - $gen), 0] | max) / ($secs * $cores))}'
}

cat >"$W/paths.lua" <<'LUA'
-- Cycles through the request paths of the file named after `--`, one per line; each wrk
-- thread starts at a different offset. Prints one machine-readable RESULT line.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
local paths, n, i = {}, 0, 0
function init(args)
  for line in io.lines(args[1]) do
    n = n + 1
    paths[n] = line
  end
  i = ((id or 0) * 7919) % n
end
function request()
  i = i % n + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT %d %d %d %d %d %d %d %.2f\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout, os.clock()))
end
LUA

wrk_run() { # $1 = base URL, $2 = paths file, $3 = label, $4 = pid of the server asked → JSON
  local line before after
  before=$(proc_cpu "$4")
  line=$(wrk -t2 -c32 -d"${DURATION}s" --timeout 5s -s "$W/paths.lua" "$1" -- "$2" \
    | tee -a "$W/wrk.log" | grep '^RESULT')
  after=$(proc_cpu "$4")
  read -r _ req dur p50 p99 max status sock cpu <<<"$line"
  # The server's CPU time per answer: what a request costs it, whatever else the machine runs
  # (a rate alone moves with the other processes' load; for PostgreSQL, the database server's
  # own CPU is not in it).
  jq -n --arg lbl "$3" --argjson req "$req" --argjson dur "$dur" --argjson p50 "$p50" \
    --argjson p99 "$p99" --argjson max "$max" --argjson status "$status" --argjson sock "$sock" \
    --argjson cpu "$cpu" --argjson server "$(awk -v a="$before" -v b="$after" 'BEGIN{printf "%.2f", b - a}')" \
    '{label: $lbl, requests: $req, perSecond: ($req / ($dur / 1e6)), p50Ms: ($p50 / 1000),
      p99Ms: ($p99 / 1000), maxMs: ($max / 1000), non2xx: $status, socketErrors: $sock,
      wrkCpuSeconds: $cpu, serverCpuSeconds: $server,
      serverCpuUsPerRequest: (if $req > 0 then $server * 1e6 / $req else null end)}'
}

# --- machine ---------------------------------------------------------------------------------
MACHINE=$(jq -n --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
  --argjson nproc "$(nproc)" --arg kernel "$(uname -r)" --arg rustc "$(rustc --version)" \
  --arg wrk "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)" \
  --arg fs "$(df -T "$W" | awk 'NR==2{print $2}')" \
  --arg mem "$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)" \
  --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
  '{cpu: $cpu, nproc: $nproc, memory: $mem, kernel: $kernel, rustc: $rustc, wrk: $wrk,
    dataFilesystem: $fs, loadAverageAtStart: $load}')
log "machine: $(jq -c . <<<"$MACHINE")"
log "work folder: $W"

# --- 1. registrations ------------------------------------------------------------------------
start_registry
log "registry up (pid $SERVER_PID, demo seeded); registering $SCALE credentials"
phase_begin
"$LOAD" register --addr "127.0.0.1:$PORT" --count "$SCALE" --chunk 100000 --concurrency 32 \
  --ids-out "$W/ids.tsv" >"$W/register.json"
REGISTER_PHASE=$(phase_end "$(jq .generatorCpuSeconds "$W/register.json")")
jq -c '{registrationsPerSecond, allocationsPerSecond, registered}' "$W/register.json" >&2

# --- 2. revocation → served status list ------------------------------------------------------
log "revocations: time from acknowledgement to the bit in the served list"
"$LOAD" revoke --addr "127.0.0.1:$PORT" --ids "$W/ids.tsv" --count 200 >"$W/revoke.json"
jq -c . "$W/revoke.json" >&2

# --- 3. stop, disk, start-up -----------------------------------------------------------------
RSS_LOADED=$(rss_kib "$SERVER_PID")
HWM_LOADED=$(hwm_kib "$SERVER_PID")
stop_registry
sync
if [ "$STORE" = postgres ]; then
  DISK_LOG=$(sql "SELECT pg_total_relation_size('log_entries')")
  DISK_INDEX=$(sql "SELECT pg_total_relation_size('index_kv')")
  DISK_TOTAL=$(sql "SELECT pg_database_size('scs_bench')")
  LOG_ENTRIES=$(sql "SELECT count(*) FROM log_entries")
else
  DISK_TOTAL=$(du -sb "$DATA" | cut -f1)
  DISK_LOG=$(du -sb "$DATA/log" | cut -f1)
  DISK_INDEX=$(du -sb "$DATA/index" | cut -f1)
  LOG_ENTRIES=$(( $(stat -c %s "$DATA/log/leaves.bin") / 44 ))
fi
log "stopped in ${STOP_MS} ms; on disk: $DISK_TOTAL bytes ($LOG_ENTRIES log entries)"
start_registry
RSS_START=$(rss_kib "$SERVER_PID")
LEDGER_OPEN_MS=$(grep 'ledger open' "$W/serve.err" | tail -1 | sed 's/\x1b\[[0-9;]*m//g' \
  | grep -o 'elapsed_ms=[0-9]*' | cut -d= -f2)
log "restarted: first /v1/health answer after ${STARTUP_MS} ms (ledger open ${LEDGER_OPEN_MS} ms), RSS ${RSS_START} KiB"
# The name index and the credential directory load in the background after start-up; wait until
# the registry is idle so that it does not run during the measurements.
T_IDLE0=$(now_ms)
wait_until_idle "$SERVER_PID"
BACKGROUND_MS=$(( $(now_ms) - T_IDLE0 + STARTUP_MS ))
RSS_IDLE=$(rss_kib "$SERVER_PID")
log "idle (name index and credential directory loaded) ${BACKGROUND_MS} ms after exec; RSS ${RSS_IDLE} KiB"
if [ "$STORE" = postgres ]; then
  start_standby
  wait_until_idle "$STANDBY_PID"
  log "standby up (pid $STANDBY_PID, port $STANDBY_PORT) and idle"
fi

# --- 4. GETs against the static ceiling ------------------------------------------------------
cut -f1 "$W/ids.tsv" | sed 's|^|/v1/credentials/|' | shuf >"$W/credential-paths.txt"
cut -f2 "$W/ids.tsv" | sort -un | sed 's|^|/v1/status/revocation/|' >"$W/status-paths.txt"
CRED_BYTES=$(head -20 "$W/credential-paths.txt" | while read -r p; do
  curl -s -o /dev/null -w '%{size_download}\n' "http://127.0.0.1:$PORT$p"; done \
  | awk '{s += $1} END {printf "%d", s / NR}')
STATUS_BYTES=$(while read -r p; do
  curl -s -o /dev/null -w '%{size_download}\n' "http://127.0.0.1:$PORT$p"; done \
  <"$W/status-paths.txt" | awk '{s += $1} END {printf "%d", s / NR}')
"$STATIC" --listen "127.0.0.1:$SPORT" --credential-bytes "$CRED_BYTES" \
  --status-bytes "$STATUS_BYTES" >"$W/static.out" 2>&1 &
STATIC_PID=$!
until curl -sf -o /dev/null "http://127.0.0.1:$SPORT/v1/status/revocation/0"; do sleep 0.05; done
log "static ceiling up: credential body $CRED_BYTES B, status list body $STATUS_BYTES B"

REG="http://127.0.0.1:$PORT"
STA="http://127.0.0.1:$SPORT"
SBY="http://127.0.0.1:$STANDBY_PORT"
TARGETS=("static-credential $STA credential-paths $STATIC_PID"
  "registry-credential $REG credential-paths $SERVER_PID")
[ "$STORE" = postgres ] && TARGETS+=("standby-credential $SBY credential-paths $STANDBY_PID")
TARGETS+=("static-status $STA status-paths $STATIC_PID" "registry-status $REG status-paths $SERVER_PID")
[ "$STORE" = postgres ] && TARGETS+=("standby-status $SBY status-paths $STANDBY_PID")
log "warm-up (${DURATION} s each, not counted)"
wrk -t2 -c32 -d"${DURATION}s" -s "$W/paths.lua" "$REG" -- "$W/credential-paths.txt" >/dev/null
wrk -t2 -c32 -d"${DURATION}s" -s "$W/paths.lua" "$STA" -- "$W/credential-paths.txt" >/dev/null
if [ "$STORE" = postgres ]; then
  wrk -t2 -c32 -d"${DURATION}s" -s "$W/paths.lua" "$SBY" -- "$W/credential-paths.txt" >/dev/null
fi
echo '[]' >"$W/wrk.json"
phase_begin
WRK_CPU=0
for round in $(seq "$ROUNDS"); do
  for target in "${TARGETS[@]}"; do
    read -r label url paths pid <<<"$target"
    result=$(wrk_run "$url" "$W/$paths.txt" "$label" "$pid" | jq --argjson r "$round" '. + {round: $r}')
    WRK_CPU=$(awk -v a="$WRK_CPU" -v b="$(jq .wrkCpuSeconds <<<"$result")" 'BEGIN{print a + b}')
    jq --argjson x "$result" '. + [$x]' "$W/wrk.json" >"$W/wrk.json.tmp" && mv "$W/wrk.json.tmp" "$W/wrk.json"
    log "round $round $label: $(jq -c '{perSecond: (.perSecond|floor), p99Ms, non2xx, serverCpuUsPerRequest}' <<<"$result")"
  done
done
GET_PHASE=$(phase_end "$WRK_CPU")
RSS_END=$(rss_kib "$SERVER_PID")
HWM_END=$(hwm_kib "$SERVER_PID")
stop_registry
if [ -n "$STANDBY_PID" ]; then
  SERVER_PID=$STANDBY_PID stop_registry
  STANDBY_PID=""
fi

# --- results ---------------------------------------------------------------------------------
jq -n --argjson machine "$MACHINE" --arg command "$COMMAND" --argjson scale "$SCALE" \
  --slurpfile register "$W/register.json" --slurpfile revoke "$W/revoke.json" \
  --slurpfile wrk "$W/wrk.json" --argjson registerPhase "$REGISTER_PHASE" \
  --argjson getPhase "$GET_PHASE" \
  --argjson startup "$STARTUP_MS" --argjson ledgerOpen "${LEDGER_OPEN_MS:-null}" \
  --argjson stop "$STOP_MS" --argjson background "$BACKGROUND_MS" --argjson rssIdle "$RSS_IDLE" \
  --argjson rssStart "$RSS_START" --argjson rssEnd "$RSS_END" --argjson hwmEnd "$HWM_END" \
  --argjson rssLoaded "$RSS_LOADED" --argjson hwmLoaded "$HWM_LOADED" \
  --argjson disk "$DISK_TOTAL" --argjson diskLog "$DISK_LOG" --argjson diskIndex "$DISK_INDEX" \
  --argjson entries "$LOG_ENTRIES" --argjson credBytes "$CRED_BYTES" --argjson statusBytes "$STATUS_BYTES" \
  --arg store "$STORE" '
  def median: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
  def stat($name; f): [$wrk[0][] | select(.label == $name) | f] | median;
  {
    command: $command, machine: $machine, scale: $scale, store: $store,
    registrations: ($register[0] + {phase: $registerPhase}),
    revocation: $revoke[0],
    scaleState: {logEntries: $entries, startupMs: $startup, ledgerOpenMs: $ledgerOpen,
      gracefulStopMs: $stop, idleAfterStartMs: $background,
      rssKiBAfterStart: $rssStart, rssKiBIdleAfterStart: $rssIdle, rssKiBAfterGetLoad: $rssEnd, peakRssKiBAfterRestart: $hwmEnd,
      rssKiBAfterLoading: $rssLoaded, peakRssKiBWhileLoading: $hwmLoaded,
      diskBytes: $disk, diskBytesLog: $diskLog, diskBytesIndex: $diskIndex},
    gets: {
      bodyBytes: {credential: $credBytes, statusList: $statusBytes},
      phase: $getPhase,
      runs: $wrk[0],
      credential: {
        staticPerSecond: stat("static-credential"; .perSecond),
        registryPerSecond: stat("registry-credential"; .perSecond),
        staticP99Ms: stat("static-credential"; .p99Ms),
        registryP99Ms: stat("registry-credential"; .p99Ms),
        standbyPerSecond: stat("standby-credential"; .perSecond),
        standbyP99Ms: stat("standby-credential"; .p99Ms),
        cpuUsPerRequest: {static: stat("static-credential"; .serverCpuUsPerRequest),
          registry: stat("registry-credential"; .serverCpuUsPerRequest),
          standby: stat("standby-credential"; .serverCpuUsPerRequest)}},
      status: {
        staticPerSecond: stat("static-status"; .perSecond),
        registryPerSecond: stat("registry-status"; .perSecond),
        staticP99Ms: stat("static-status"; .p99Ms),
        registryP99Ms: stat("registry-status"; .p99Ms),
        standbyPerSecond: stat("standby-status"; .perSecond),
        standbyP99Ms: stat("standby-status"; .p99Ms),
        cpuUsPerRequest: {static: stat("static-status"; .serverCpuUsPerRequest),
          registry: stat("registry-status"; .serverCpuUsPerRequest),
          standby: stat("standby-status"; .serverCpuUsPerRequest)}}
    }
  }
  | .gets.credential.ratio = (.gets.credential.registryPerSecond / .gets.credential.staticPerSecond)
  | .gets.status.ratio = (.gets.status.registryPerSecond / .gets.status.staticPerSecond)
  | .gets.credential.standbyRatio = (if .gets.credential.standbyPerSecond then .gets.credential.standbyPerSecond / .gets.credential.staticPerSecond else null end)
  | .gets.status.standbyRatio = (if .gets.status.standbyPerSecond then .gets.status.standbyPerSecond / .gets.status.staticPerSecond else null end)
  ' >"$W/results.json"

jq -r '
  def f0: . * 1 | round | tostring;
  def f1: (. * 10 | round) / 10 | tostring;
  def f2: (. * 100 | round) / 100 | tostring;
  def mib: . / 1024 | f0;
  def verdict($ok): if $ok then "met" else "**missed**" end;
  . as $r |
  "Command: `\(.command)` (store: \(.store)) — \(.machine.nproc) × \(.machine.cpu), \(.machine.memory), " +
  "\(.machine.dataFilesystem), \(.machine.rustc), \(.machine.wrk); load average at start " +
  "\(.machine.loadAverageAtStart).\n",
  "| measurement | registry | baseline (same run) | ratio | target |",
  "|---|---:|---:|---:|---|",
  "| `GET /v1/credentials/{id}` req/s (\(.scale) ids, random) | \(.gets.credential.registryPerSecond | f0) | \(.gets.credential.staticPerSecond | f0) (static \(.gets.bodyBytes.credential) B) | **\(.gets.credential.ratio | f2)×** | ≥ 0.5×: \(verdict(.gets.credential.ratio >= 0.5)) |",
  "| `GET /v1/credentials/{id}` p99 | \(.gets.credential.registryP99Ms | f2) ms | \(.gets.credential.staticP99Ms | f2) ms | \(.gets.credential.registryP99Ms / .gets.credential.staticP99Ms | f1)× | |",
  "| `GET /v1/status/revocation/{n}` req/s | \(.gets.status.registryPerSecond | f0) | \(.gets.status.staticPerSecond | f0) (static \(.gets.bodyBytes.statusList) B) | **\(.gets.status.ratio | f2)×** | ≥ 0.8×: \(verdict(.gets.status.ratio >= 0.8)) |",
  "| `GET /v1/status/revocation/{n}` p99 | \(.gets.status.registryP99Ms | f2) ms | \(.gets.status.staticP99Ms | f2) ms | \(.gets.status.registryP99Ms / .gets.status.staticP99Ms | f1)× | |",
  (if .gets.credential.standbyRatio then
    "| standby: `GET /v1/credentials/{id}` req/s | \(.gets.credential.standbyPerSecond | f0) (p99 \(.gets.credential.standbyP99Ms | f2) ms) | \(.gets.credential.staticPerSecond | f0) | **\(.gets.credential.standbyRatio | f2)×** | ≥ 0.5×: \(verdict(.gets.credential.standbyRatio >= 0.5)) |",
    "| standby: `GET /v1/status/revocation/{n}` req/s | \(.gets.status.standbyPerSecond | f0) (p99 \(.gets.status.standbyP99Ms | f2) ms) | \(.gets.status.staticPerSecond | f0) | **\(.gets.status.standbyRatio | f2)×** | ≥ 0.5×: \(verdict(.gets.status.standbyRatio >= 0.5)) |"
  else empty end),
  "| durable registrations/s, 32 clients (\(.registrations.registered) credentials) | \(.registrations.registrationsPerSecond | f0) /s (p99 per chunk: \([.registrations.chunks[].register.p99Ms | f0] | join(", ")) ms) | | | ≥ 2,000/s: \(verdict(.registrations.registrationsPerSecond >= 2000)) |",
  "| status allocations/s, 32 clients | \(.registrations.allocationsPerSecond | f0) /s | | | (not a target) |",
  "| revocation acknowledged → bit set in served list | p50 \(.revocation.visibleAfterAckP50Ms | f2) ms, p99 \(.revocation.visibleAfterAckP99Ms | f2) ms, max \(.revocation.visibleAfterAckMaxMs | f2) ms (\(.revocation.revocations) revocations; ack itself p50 \(.revocation.ackP50Ms | f1) ms) | | | < 100 ms: \(verdict(.revocation.visibleAfterAckMaxMs < 100)) |",
  "| start-up with \(.registrations.registered) credentials (\(.scaleState.logEntries) log entries) | \(.scaleState.startupMs) ms exec → first `/v1/health` answer (ledger open \(.scaleState.ledgerOpenMs) ms) | | | < 2 s: \(verdict(.scaleState.startupMs < 2000)) |",
  "| RSS | \(.scaleState.rssKiBAfterStart | mib) MiB at the first answer, \(.scaleState.rssKiBIdleAfterStart | mib) MiB once the name index and the credential directory are loaded (\(.scaleState.idleAfterStartMs / 1000 | f1) s after exec), \(.scaleState.rssKiBAfterGetLoad | mib) MiB after the GET runs (peak \(.scaleState.peakRssKiBAfterRestart | mib) MiB; \(.scaleState.rssKiBAfterLoading | mib) MiB after loading, peak \(.scaleState.peakRssKiBWhileLoading | mib) MiB) | | | < 512 MiB: \(verdict(.scaleState.peakRssKiBAfterRestart < 524288)) |",
  "| bytes on disk | \(.scaleState.diskBytes / 1048576 | f0) MiB (log \(.scaleState.diskBytesLog / 1048576 | f0) MiB, \(if .store == "postgres" then "index_kv" else "sled" end) \(.scaleState.diskBytesIndex / 1048576 | f0) MiB), \(.scaleState.diskBytes / .registrations.registered | f0) B per credential | | | |",
  "",
  "CPU taken by other processes on the machine: \(.registrations.phase.otherShareOfMachine * 100 | f0)% of the machine during the registrations (\(.registrations.phase.seconds | f0) s), \(.gets.phase.otherShareOfMachine * 100 | f0)% during the GET runs."
' "$W/results.json" >"$W/summary.md"

cat "$W/summary.md"
log "results: $W/results.json"

if [ "$UPDATE_DOC" -eq 1 ]; then
  DOC="$ROOT/docs/PERFORMANCE.md"
  BEGIN='<!-- bench-registry:begin (generated by scripts/bench-registry.sh --update-doc) -->'
  END='<!-- bench-registry:end -->'
  if grep -qF "$BEGIN" "$DOC"; then
    awk -v b="$BEGIN" -v e="$END" -v f="$W/summary.md" '
      $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
      $0 == e { skip = 0 }
      !skip' "$DOC" >"$DOC.tmp" && mv "$DOC.tmp" "$DOC"
    log "updated the generated block in docs/PERFORMANCE.md"
  else
    log "no generated block in docs/PERFORMANCE.md; not updated"
  fi
fi
