#!/usr/bin/env bash
# The main job on embedded defaults: builds nlpmtl, installs the pinned Azurite (npm) into .tools/, then runs
# `nlpmtl demo` — its own Azurite, the pretrained all-MiniLM-L6-v2, a short fine-tune of all three heads on samples/,
# export with parity, the sample documents through the blob queue and the worker, and each document's results.
# Everything it starts it stops. Extra arguments go to `nlpmtl demo` (e.g. --work DIR, --max-steps N).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in dotnet npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "demo.sh: $tool is not on PATH (the .NET SDK and Node.js 20+ are needed)" >&2; exit 1; }
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
echo "demo.sh: building nlpmtl and installing Azurite (first run restores packages: a few minutes)" >&2
./scripts/azurite.sh install
exec ./scripts/nlpmtl demo "$@"
