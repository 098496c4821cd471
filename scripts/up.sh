#!/usr/bin/env bash
# up.sh: set up this machine, start a 3-node lab cluster, apply examples/, and show it working:
# the pods spread over the nodes, and one pod fetching a page from a pod on another node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

LAB_DIR=${FLOTILLA_LAB_DIR:-/var/lib/flotilla/lab}
if [ -f "$LAB_DIR/lab.json" ]; then
  echo "up: a lab already exists in $LAB_DIR; taking it down first"
  bin/flotilla lab down --data-dir "$LAB_DIR"
fi
bin/flotilla lab up --nodes 3 --data-dir "$LAB_DIR"
export FLOTILLA_CONFIG="$LAB_DIR/server/flotctl.yaml"

bin/flotctl apply -f examples/
bin/flotctl rollout status deployment/web --timeout 180s
bin/flotctl get pods -o wide
bin/flotilla lab fetch --data-dir "$LAB_DIR" -l app=web

cat <<EOT

The cluster is up. Try:
  export FLOTILLA_CONFIG=$FLOTILLA_CONFIG
  bin/flotctl get nodes
  bin/flotctl scale deployment web --replicas 9
  bin/flotilla lab status
  bin/flotilla lab down          # stops everything and removes all it made
EOT
