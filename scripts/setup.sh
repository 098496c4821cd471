#!/usr/bin/env bash
# setup.sh: everything Flotilla needs on a fresh Debian 12 machine with Node 20, then the build.
# Idempotent: packages already present are not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_debs=()
for pair in etcd:etcd-server busybox:busybox-static runc:runc crun:crun docker-registry:docker-registry ip:iproute2 nft:nftables make:make cc:gcc openssl:openssl musl-gcc:musl-tools; do
  bin=${pair%%:*}; pkg=${pair#*:}
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || need_debs+=("$pkg")
done
if [ ${#need_debs[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: need root to install Debian packages: ${need_debs[*]}" >&2; exit 1
  fi
  echo "setup: installing Debian packages: ${need_debs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_debs[@]}" >/dev/null
fi

# The packages' own install scripts are not needed (protobufjs' only checks versions); koffi ships its binaries.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

bash scripts/build.sh
