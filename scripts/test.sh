#!/usr/bin/env bash
# The one test command: restores what the tests need, builds, runs every test project, prints a summary line.
# Needs the .NET SDK (global.json) and Node.js/npm (for Azurite) on PATH; packages are fetched on first run.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK is not on PATH (see global.json for the version)" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The queue's integration tests run against a real Azurite (pinned npm package, git-ignored .tools/).
./scripts/azurite.sh install
# Shell scripts and the Bicep templates, checked without a build (pinned shellcheck and Bicep CLI in .tools/).
./scripts/check-static.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet build NlpMtl.sln -c Release -nologo -clp:ErrorsOnly
set +e
dotnet test NlpMtl.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# dotnet test prints one "Passed!/Failed! - Failed: F, Passed: P, Skipped: S" line per test assembly; add them up.
awk -F'[:,]' '/(Passed|Failed)! +- +Failed:/ { f += $2; p += $4; s += $6 } END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
