#!/usr/bin/env bash
# The whole test suite, as README.md gives it and .ci/run calls it. Installs what the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."

# Node.js runs the third-party (Digital Bazaar) interoperability harness.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  scripts/install-debs.sh nodejs npm
fi
npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error
# Debian's headless Chromium and a Japanese font run the browser tests of the web pages;
# poppler-utils' pdftotext reads back the text of a certificate printed to PDF.
if [ ! -x /usr/bin/chromium ] || [ ! -e /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] \
  || ! command -v pdftotext >/dev/null; then
  scripts/install-debs.sh chromium chromium-driver fonts-ipafont-gothic poppler-utils
fi
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
# Debian's nginx serves a static mirror (`scs publish`) in crates/scs-cli/tests/publish.rs; the
# test runs its own nginx in the foreground, never the system service.
if [ ! -x /usr/sbin/nginx ] && ! command -v nginx >/dev/null; then
  scripts/install-debs.sh nginx
fi

# rustfmt and clippy come with rustup's default profile; add them when a minimal one left them out.
for tool in rustfmt clippy; do
  cargo "${tool/rustfmt/fmt}" --version >/dev/null 2>&1 || rustup component add "$tool"
done
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# No broken or private intra-doc link in the API documentation. (Missing docs and stray `pub`
# in scs-core, scs-verifier, scs-issuer, scs-qr and scs-ledger fail clippy above.)
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
# scs-ledger is the registry's domain without HTTP: none of the web stack in what it builds.
if cargo tree -p scs-ledger -e normal --locked --prefix none | grep -E '^(axum|hyper|tower|http)[a-z0-9-]* v'; then
  echo "error: scs-ledger depends on the HTTP stack (the crates above)" >&2
  exit 1
fi
# The PostgreSQL tests run against a throw-away cluster started (and removed) around the tests,
# the S3 publishing tests (tests/publish.rs and the bucket tests in scs-cli's publish/bucket.rs)
# against a throw-away S3-compatible server (moto); without them they
# fail, never pass unrun (scripts/pg-test-cluster.sh installs PostgreSQL from Debian,
# scripts/s3-test-server.sh moto from PyPI into a virtual environment under target/).
# Then the router and page tests and the end-to-end tests of `scs serve --demo` run a second
# time with their registry on PostgreSQL (SCS_TEST_BACKEND=postgres): one storage contract,
# two backends (the ledger's own store tests run on both in the first pass).
scripts/pg-test-cluster.sh scripts/s3-test-server.sh bash -c '
  set -euo pipefail
  cargo test --workspace --locked
  export SCS_TEST_BACKEND=postgres
  cargo test -p scs-registry --locked --test router --test web
  cargo test -p scs-cli --locked --test registry --test watch --test evidence --test bundle \
    --test verify_batch --test publish'
# Every decoder of outside bytes under libFuzzer, 20 s each from its seed corpus (docs/FUZZING.md).
scripts/fuzz.sh 20
node --test tests/interop/harness.test.mjs
cargo build -p scs-cli --locked   # target/debug/scs for the browser tests (screenshots: target/browser-artifacts/)
node --test tests/browser/pages.test.mjs
