#!/usr/bin/env bash
# build.sh: the C parts (native/) and the TypeScript (dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f native/Makefile ]; then
  echo "build: native/"
  make -s -C native
fi
echo "build: tsc"
npx tsc -p tsconfig.json
