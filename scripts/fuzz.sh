#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ on the stable toolchain and runs each for a bounded time.
# No nightly and no cargo-fuzz: libfuzzer-sys links libFuzzer (built from its C++ sources with the
# system C++ compiler), and the coverage instrumentation is LLVM's SanitizerCoverage pass with the
# options cargo-fuzz passes, which stable rustc accepts (-C passes, -C llvm-args). No AddressSanitizer
# (that needs nightly's -Z sanitizer): the code under test forbids `unsafe`, and overflow checks and
# debug assertions are on, so a panic, an overflow, a hang or a runaway allocation is what is caught.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   build, then run each target (all by default) SECONDS
#                                           (default 20) from its seed corpus; any crash fails
#   FUZZ_RUNS=N scripts/fuzz.sh S TARGET    stop after N executions or S seconds, whichever comes
#                                           first (the long runs of docs/FUZZING.md)
#
# Corpora grown by a run go to fuzz/target/corpus/<target>/ (not committed); a crashing input is
# saved as fuzz/artifacts/<target>/crash-… and the command exits non-zero. Reproduce one with
#   fuzz/target/x86_64-unknown-linux-gnu/release/<target> fuzz/artifacts/<target>/crash-…
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-20}"
shift || true
all=(compact_decode verify_credential verify_compact trust_list status_list tlog_note
  signed_request bulk_csv multipart pdf_text)
targets=("${@:-${all[@]}}")
triple="$(rustc -vV | sed -n 's/^host: //p')"
# libfuzzer-sys compiles libFuzzer's C++ sources.
if ! command -v c++ >/dev/null; then
  ../scripts/install-debs.sh g++
fi

# --target keeps the instrumentation off build scripts and proc macros, as cargo-fuzz does.
RUSTFLAGS="-C passes=sancov-module \
  -C llvm-args=-sanitizer-coverage-level=4 \
  -C llvm-args=-sanitizer-coverage-inline-8bit-counters \
  -C llvm-args=-sanitizer-coverage-pc-table \
  -C llvm-args=-sanitizer-coverage-trace-compares \
  --cfg fuzzing -C debug-assertions -C overflow-checks" \
  cargo build --locked --release --target "$triple" --bins

# The longest input each target is given: a little over the largest that its decoder accepts
# where that is small (QR text 4,296 characters), else enough for realistic documents.
max_len() {
  case "$1" in
    compact_decode | verify_compact) echo 4400 ;;
    multipart | pdf_text) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

for target in "${targets[@]}"; do
  corpus="target/corpus/$target"
  mkdir -p "$corpus" "artifacts/$target"
  bounds=("-max_total_time=$seconds")
  if [ -n "${FUZZ_RUNS:-}" ]; then bounds+=("-runs=$FUZZ_RUNS"); fi
  echo "fuzz: $target (${bounds[*]})"
  # Seed 1 and the committed corpus: a short run repeats what it explores. -timeout: one input
  # taking over 10 s is a hang; -rss_limit_mb: over 2 GiB is a runaway allocation.
  log="target/fuzz-$target.log"
  if ! "target/$triple/release/$target" "$corpus" "corpus/$target" \
    -seed=1 "${bounds[@]}" -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="artifacts/$target/" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz: $target FAILED; the input is in fuzz/artifacts/$target/, the log in fuzz/$log" >&2
    exit 1
  fi
  grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$log"
done
