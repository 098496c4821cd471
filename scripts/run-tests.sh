#!/usr/bin/env bash
# run-tests.sh [PATH...]: runs the compiled tests (dist/test by default) with node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
roots=("$@"); [ ${#roots[@]} -gt 0 ] || roots=(dist/test)
mapfile -t files < <(find "${roots[@]}" -name '*.test.js' | sort)
if [ ${#files[@]} -eq 0 ]; then echo "run-tests: no test files under ${roots[*]}" >&2; exit 1; fi
exec node --test --test-concurrency=1 --test-timeout=600000 "${files[@]}"
