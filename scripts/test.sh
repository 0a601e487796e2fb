#!/usr/bin/env bash
# The one test command: restores what the tests need, checks scripts, templates and C# conventions, builds, runs
# every test project, prints a summary line. `--unit` runs only the fast tests (no Azurite, no training, no export:
# the classes without [Trait("Category", "Integration")]) and skips the static checks. Other arguments go to
# `dotnet test`. Needs the .NET SDK (global.json) and Node.js/npm (for Azurite) on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

unit=0
if [ "${1:-}" = "--unit" ]; then
  unit=1
  shift
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK is not on PATH (see global.json for the version)" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# A full build and test run writes about 2 GB here (package files are hard links into the NuGet cache where it shares
# this file system; about 17 GB where it does not): say so up front rather than fail mid-build with MSB3027.
free_kb=$(df -Pk . | awk 'NR == 2 { print $4 }')
if [ "${free_kb:-0}" -lt $((4 * 1024 * 1024)) ]; then
  echo "test.sh: warning: $((free_kb / 1024)) MB free on $(df -P . | awk 'NR == 2 { print $6 }'); the build needs about 2 GB, more without hard links" >&2
fi
if [ "$unit" = 0 ]; then
  # The queue's integration tests run against a real Azurite (pinned npm package, git-ignored .tools/).
  ./scripts/azurite.sh install
  # Shell scripts, the Bicep templates and the C# conventions (pinned tools in .tools/ and .config/).
  ./scripts/check-static.sh
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet build NlpMtl.sln -c Release -nologo -clp:ErrorsOnly
set +e
filter=()
if [ "$unit" = 1 ]; then filter=(--filter "Category!=Integration"); fi
dotnet test NlpMtl.sln -c Release --no-build -nologo "${filter[@]}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# dotnet test prints one "Passed!/Failed! - Failed: F, Passed: P, Skipped: S" line per test assembly; add them up.
awk -F'[:,]' '/(Passed|Failed)! +- +Failed:/ { f += $2; p += $4; s += $6 } END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
