#!/usr/bin/env bash
# Queue benchmark on a private Azurite: documents/s through the blob queue vs the engine alone, in one run.
#   scripts/bench-queue.sh --bundle DIR [--documents N] [--per-job K] [--rounds R] [--task sentiment|summarize|translate] [--job-by-job]
# Azurite keeps its blobs in memory here: it stands in for remote storage, so the less of the 2 cores it takes from
# the engine, the closer the ratio is to a deployment's (its CPU time is printed either way).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
AZURITE_DATA="$(mktemp -d)"
export AZURITE_DATA AZURITE_IN_MEMORY=1
trap 'scripts/azurite.sh stop; rm -rf "$AZURITE_DATA"' EXIT
connection="$(scripts/azurite.sh start)"
Storage__ConnectionString="$connection" scripts/bench queue --emulator-pid "$(cat "$AZURITE_DATA/azurite.pid")" "$@"
