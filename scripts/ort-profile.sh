#!/usr/bin/env bash
# Sums ONNX Runtime profiles (written by `nlpmtl predict|eval --ort-profile PREFIX`) by node: for each file, the time
# its runs took and the nodes that took most of it, with their share and call count.
#   scripts/ort-profile.sh [--top N] PREFIX_*.json
set -euo pipefail
top=15
if [[ "${1:-}" == "--top" ]]; then top="$2"; shift 2; fi
(( $# > 0 )) || { echo "usage: scripts/ort-profile.sh [--top N] PROFILE.json..." >&2; exit 1; }
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
  const fs = require("fs");
  const [top, ...files] = process.argv.slice(1);
  for (const file of files) {
    let events;
    try { events = JSON.parse(fs.readFileSync(file, "utf8")); }
    catch (e) { console.error(`ort-profile.sh: ${file}: not an ONNX Runtime profile (${e.message})`); process.exit(1); }
    if (!Array.isArray(events)) { console.error(`ort-profile.sh: ${file}: not an ONNX Runtime profile (no event array)`); process.exit(1); }
    let runMs = 0, runs = 0;
    const nodes = new Map(); // node name -> { op, ms, calls }
    for (const e of events) {
      if (e.cat === "Session" && e.name === "model_run") { runMs += e.dur / 1000; runs++; }
      if (e.cat === "Node" && e.name.endsWith("_kernel_time")) {
        const name = e.name.slice(0, -"_kernel_time".length);
        const node = nodes.get(name) ?? { op: e.args?.op_name ?? "?", ms: 0, calls: 0 };
        node.ms += e.dur / 1000; node.calls++;
        nodes.set(name, node);
      }
    }
    console.log(`${file}: ${runs} runs, ${runMs.toFixed(1)} ms`);
    if (runs === 0) continue;
    const sorted = [...nodes].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(top));
    for (const [name, n] of sorted)
      console.log(`  ${(100 * n.ms / runMs).toFixed(1).padStart(5)} %  ${n.ms.toFixed(1).padStart(9)} ms  ${String(n.calls).padStart(6)} calls  ${n.op.padEnd(20)} ${name}`);
  }
' "$top" "$@"
