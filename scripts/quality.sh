#!/usr/bin/env bash
# Full multi-task training on SST-2, SciTLDR and Multi30k, export with int8, and evaluation of the bundle on the
# validation splits (sentiment with the int8 graphs too); writes OUT/results.md.
# The data (`nlpmtl data get sst2 scitldr multi30k --out DIR` writes it):
#   DATA=DIR (else NLPMTL_DATA) holding sst2/, scitldr/, multi30k/, or each of SST2_DIR SCITLDR_DIR MULTI30K_DIR
#   OUT=runs/quality  BUDGET=110 (training minutes)  MAX_EVAL= (validation examples per task, empty = all)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${DATA:-${NLPMTL_DATA:-}}"
if [[ -z "$data" && ( -z "${SST2_DIR:-}" || -z "${SCITLDR_DIR:-}" || -z "${MULTI30K_DIR:-}" ) ]]; then
  echo "quality.sh: set DATA or NLPMTL_DATA to a data root (scripts/nlpmtl data get sst2 scitldr multi30k --out DIR)" >&2; exit 1
fi
sst2="$(realpath -m "${SST2_DIR:-$data/sst2}")"
scitldr="$(realpath -m "${SCITLDR_DIR:-$data/scitldr}")"
multi30k="$(realpath -m "${MULTI30K_DIR:-$data/multi30k}")"
out="$(realpath -m "${OUT:-$root/runs/quality}")"
budget="${BUDGET:-110}"
for f in "$sst2/train.tsv" "$sst2/validation.tsv" "$scitldr/train.jsonl" "$scitldr/validation.jsonl" \
         "$multi30k/train.en" "$multi30k/train.de" "$multi30k/val.en" "$multi30k/val.de"; do
  [[ -f "$f" ]] || { echo "quality.sh: missing $f (set DATA or SST2_DIR/SCITLDR_DIR/MULTI30K_DIR)" >&2; exit 1; }
done
mkdir -p "$out"
nlpmtl() { "$root/scripts/nlpmtl" "$@"; }
limit=(); [[ -n "${MAX_EVAL:-}" ]] && limit=(--max-examples "$MAX_EVAL")

# A data root of links to the three folders (so SST2_DIR and the others can point anywhere), and configs/full.json
# with an absolute tokenizer path (the copy lives elsewhere) and without the trainer's own final evaluation: the
# bundle is evaluated below, on the same splits.
mkdir -p "$out/data"
ln -sfn "$sst2" "$out/data/sst2"; ln -sfn "$scitldr" "$out/data/scitldr"; ln -sfn "$multi30k" "$out/data/multi30k"
sed -e "s#\"\.\./tokenizers/#\"$root/tokenizers/#g" -e 's#"evaluation": {#"evaluation": { "final": false,#' \
    "$root/configs/full.json" > "$out/config.json"

echo "quality.sh: training for up to $budget minutes → $out/train" >&2
nlpmtl train --config "$out/config.json" --data "$out/data" --out "$out/train" --time-budget "$budget"
echo "quality.sh: export (fp32 + int8) → $out/bundle" >&2
nlpmtl export --checkpoint "$out/train/best" --out "$out/bundle" --quantize int8 \
  --validation-sentiment "$sst2/validation.tsv" --validation-translate "$multi30k/val.en" --validation-translate-target "$multi30k/val.de"
echo "quality.sh: evaluating the bundle on the validation splits" >&2
nlpmtl eval --bundle "$out/bundle" --task sentiment --data "$sst2/validation.tsv" "${limit[@]}" > "$out/eval-sentiment.json"
nlpmtl eval --bundle "$out/bundle" --task summarize --data "$scitldr/validation.jsonl" "${limit[@]}" > "$out/eval-summarize.json"
nlpmtl eval --bundle "$out/bundle" --task translate --data "$multi30k/val.en" --target "$multi30k/val.de" "${limit[@]}" > "$out/eval-translate.json"
# The int8 graphs on sentiment (what quantization costs in accuracy; export's own check uses at most 500 examples).
nlpmtl eval --bundle "$out/bundle" --int8 --task sentiment --data "$sst2/validation.tsv" "${limit[@]}" > "$out/eval-sentiment-int8.json"

# One table from the JSON files (flat objects: task, bundle, graphs, examples, then metric → number).
{
  echo "| task | graphs | examples | metric | value |"
  echo "|---|---|---|---|---|"
  for run in sentiment sentiment-int8 summarize translate; do
    node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      for (const [k, v] of Object.entries(r))
        if (typeof v === "number" && k !== "examples") console.log(`| ${r.task} | ${r.graphs} | ${r.examples} | ${k} | ${v.toFixed(2)} |`);
    ' "$out/eval-$run.json"
  done
  echo
  echo "Validation splits: SST-2 validation, SciTLDR-A validation, Multi30k val (bundle: $out/bundle; \`scripts/quality.sh\`)."
} > "$out/results.md"
cat "$out/results.md"
