#!/usr/bin/env bash
# What can be checked without Azure: shellcheck on every script, C# layout and naming, and the Bicep templates compile with
# no warning. Both tools are pinned, checksummed and installed into .tools/ (git-ignored) on first use.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"

shellcheck_version=0.9.0-1
shellcheck_sha=8c40f8a4ecccf3d746b933853972f1cd1be6df84fc5977d0137269d4debefa4f
bicep_version=0.49.2
bicep_sha=4200806a921d2ba1ea7de78ec2e064cefe313f26f612be442e5161452af70d9d

# fetch URL FILE SHA256: download once, refuse a file whose checksum differs.
fetch() {
  [[ -f "$2" ]] && echo "$3  $2" | sha256sum -c --status && return 0
  mkdir -p "$(dirname "$2")"
  curl -sSfL --retry 3 -o "$2.partial" "$1"
  echo "$3  $2.partial" | sha256sum -c --status || { echo "check-static.sh: $1: checksum mismatch" >&2; rm -f "$2.partial"; exit 1; }
  mv "$2.partial" "$2"
}

shellcheck="$tools/shellcheck/usr/bin/shellcheck"
if [[ ! -x "$shellcheck" ]]; then
  # Debian 12's build (needs libgmp and libffi, which every Debian 12 has): a static binary is not on Debian's mirrors.
  fetch "http://deb.debian.org/debian/pool/main/s/shellcheck/shellcheck_${shellcheck_version}_amd64.deb" \
    "$tools/downloads/shellcheck.deb" "$shellcheck_sha"
  dpkg-deb -x "$tools/downloads/shellcheck.deb" "$tools/shellcheck"
fi
bicep="$tools/bicep/tools/bicep"
if [[ ! -x "$bicep" ]]; then
  # The Bicep CLI as Microsoft publishes it on NuGet.
  fetch "https://api.nuget.org/v3-flatcontainer/azure.bicep.commandline.linux-x64/$bicep_version/azure.bicep.commandline.linux-x64.$bicep_version.nupkg" \
    "$tools/downloads/bicep.nupkg" "$bicep_sha"
  mkdir -p "$tools/bicep"
  (cd "$tools/bicep" && unzip -q -o ../downloads/bicep.nupkg 'tools/*')
  chmod +x "$bicep"
fi

cd "$root"
"$shellcheck" -f gcc scripts/*.sh scripts/nlpmtl scripts/bench .ci/run
for template in deploy/*.bicep; do
  warnings="$(DOTNET_CLI_TELEMETRY_OPTOUT=1 "$bicep" build "$template" --stdout 2>&1 >/dev/null)" \
    || { echo "$warnings" >&2; exit 1; }
  [[ -z "$warnings" ]] || { echo "$warnings" >&2; echo "check-static.sh: $template compiles with warnings" >&2; exit 1; }
done

# C# conventions: layout is CSharpier's (pinned in .config/dotnet-tools.json; 120 columns from .editorconfig), names
# and code style are the .editorconfig rules as `dotnet format` applies them. Whitespace is left to CSharpier, whose
# layout `dotnet format whitespace` would re-indent (nested loops without braces).
dotnet tool restore >/dev/null
dotnet csharpier check . >/dev/null || { echo "check-static.sh: C# layout differs from CSharpier's; run: dotnet csharpier format ." >&2; exit 1; }
# CSharpier keeps code within the limit but leaves comments and string literals as written: count those too.
long_lines="$(git ls-files -z '*.cs' | LC_ALL=C.UTF-8 xargs -0 grep -nP '^.{121,}' || true)"
[[ -z "$long_lines" ]] || { echo "$long_lines" >&2; echo "check-static.sh: C# lines over 120 columns" >&2; exit 1; }
dotnet format style NlpMtl.sln --verify-no-changes
dotnet format analyzers NlpMtl.sln --verify-no-changes
echo "check-static.sh: shellcheck clean, deploy/*.bicep compile, C# layout and names as .editorconfig says" >&2
