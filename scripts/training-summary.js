// The lines under results.md's table that say how long a training ran and where (scripts/quality.sh), for any
// training folder: `node scripts/training-summary.js RUN/train`. The same recipe reaches several times more steps on
// one CPU than on another, so each run carries its steps per task, what a step of each task cost, and the machine.
const fs = require("fs");
const dir = process.argv[2];
const state = JSON.parse(fs.readFileSync(`${dir}/last/trainer_state.json`, "utf8"));

// Steps per task, and what a step of each task costs: the time from the last loss row of the step before to the
// task's loss row (the median, so the gaps an evaluation, a save or a resume adds do not count).
const steps = {}, gaps = {};
let previous;
for (const line of fs.readFileSync(`${dir}/metrics.jsonl`, "utf8").split("\n")) {
  const row = line && JSON.parse(line);
  if (!row || row.kind !== "train" || !row.name.startsWith("loss/")) continue;
  // A task's loss, not a part of it (loss/summarize.sentences follows loss/summarize in the same step).
  const task = /^loss\/([a-z]+)$/.exec(row.name)?.[1];
  if (task) {
    steps[task] = (steps[task] || 0) + 1;
    if (previous && row.step === previous.step + 1)
      (gaps[task] ??= []).push((Date.parse(row.time) - Date.parse(previous.time)) / 1000);
  }
  previous = row;
}
const median = g => g.sort((a, b) => a - b)[g.length >> 1];
const tasks = Object.keys(steps).sort().map(t => `${t} ${steps[t]}`).join(", ");
const costs = Object.keys(gaps).sort().map(t => `${t} ${median(gaps[t]).toFixed(2)}`).join(", ");
console.log(`- Training: ${state.step} steps (${tasks}) in ${(state.elapsed_seconds / 60).toFixed(1)} minutes, seed ${state.seed}.`);
// A run of a single step has no step before it to time.
if (costs) console.log(`- Median seconds per step: ${costs}.`);
// A training from before machines.jsonl existed (1c9108d) has none.
if (!fs.existsSync(`${dir}/machines.jsonl`)) console.log("- Machine: not recorded (no machines.jsonl).");
else for (const m of fs.readFileSync(`${dir}/machines.jsonl`, "utf8").split("\n").filter(l => l).map(JSON.parse))
  console.log(`- From step ${m.from_step}: ${m.cpu.model}, ${m.cpu.cores} cores, features: ${m.cpu.features.join(" ") || "none of AVX2/AVX-512/VNNI/AMX"}; ${m.threads} threads; ${m.precision_reason}.`);
