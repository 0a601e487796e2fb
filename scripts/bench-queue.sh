#!/usr/bin/env bash
# Queue benchmark on a private Azurite: documents/s through the blob queue vs the engine alone, in one run.
#   scripts/bench-queue.sh --bundle DIR [--documents N] [--per-job K] [--task sentiment|summarize|translate]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export AZURITE_DATA="$(mktemp -d)"
trap 'scripts/azurite.sh stop; rm -rf "$AZURITE_DATA"' EXIT
connection="$(scripts/azurite.sh start)"
Storage__ConnectionString="$connection" scripts/nlpmtl bench queue "$@"
