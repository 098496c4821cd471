#!/usr/bin/env bash
# test.sh: set up this machine (packages, C build, tsc), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
make -s -C native test      # the C unit tests of the shim's parsers
bash scripts/run-tests.sh
