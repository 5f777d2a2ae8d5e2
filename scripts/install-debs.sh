#!/usr/bin/env bash
# Installs Debian packages the tests need: as root, or through sudo (README: Prerequisites).
#   scripts/install-debs.sh PACKAGE...
set -euo pipefail
run=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "error: installing $* needs root or sudo (README.md: Prerequisites)" >&2
    exit 2
  fi
  run=(sudo)
fi
"${run[@]}" apt-get update -qq
"${run[@]}" apt-get install -y -qq "$@"
