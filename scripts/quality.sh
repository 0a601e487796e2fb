#!/usr/bin/env bash
# The full recipe end to end: builds the training mixes (scripts/recipe-data.sh), trains configs/full.json, exports
# the final checkpoint (fp32 + int8), fits its sentence ranker (nlpmtl salience; a bundle whose summarizer trained a
# sentence classifier keeps it, and scitldr-ranked reports its pick) and evaluates the bundle on every validation set;
# writes OUT/results.md.
#   DATA=DIR (else NLPMTL_DATA): the sets as `nlpmtl data get sst2 scitldr multi30k imdb tatoeba newstest --out DIR`
#   writes them.  OUT=runs/quality  BUDGET= (training minutes; unset: configs/full.json's time_budget_minutes, 120)
#   TOTAL=150 (minutes for the whole run, empty = no limit): the evaluations of the recipe's figures (each validation
#   set in fp32 and int8) always run; the diagnostic ones (other IMDB aggregations, generated summaries, 256-token
#   sources, paragraphs, news in clause pieces) start only while the run is within TOTAL, and results.md names those
#   it skipped. A CPU without AVX-512 evaluates several times slower than one with it (docs/benchmarks.md).
#   MAX_EVAL= (examples per evaluation, empty = all)  MULTI30K_COPIES= TATOEBA_JOINED= (scripts/recipe-data.sh's
#   translation mix)
#   SEED= (train --seed: the same recipe again under another seed, to see what chance moves; empty = the config's)
#   EVAL_ONLY=1 re-exports and re-evaluates OUT's finished training without training again (its clock starts anew).
#   NLPMTL_CLI= a command to run instead of the nlpmtl built from this checkout (the tests give a stand-in).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${DATA:-${NLPMTL_DATA:-}}"
[[ -n "$data" ]] || { echo "quality.sh: set DATA or NLPMTL_DATA to a data root (scripts/nlpmtl data get sst2 scitldr multi30k imdb tatoeba newstest --out DIR)" >&2; exit 1; }
out="$(realpath -m "${OUT:-$root/runs/quality}")"
total="${TOTAL-150}"
[[ -z "$total" || "$total" =~ ^[0-9]+$ ]] || { echo "quality.sh: TOTAL=$total: give the run's minutes as a whole number, or empty for no limit" >&2; exit 1; }
mkdir -p "$out"
# One build, then the CLI itself: scripts/nlpmtl checks the build on every call, seconds each on a slow CPU.
if [[ -n "${NLPMTL_CLI:-}" ]]; then
  nlpmtl() { "$NLPMTL_CLI" "$@"; }
else
  dotnet build "$root/src/NlpMtl.Worker" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
  nlpmtl() { dotnet "$root/src/NlpMtl.Worker/bin/Release/net10.0/nlpmtl.dll" "$@"; }
fi
recipe="$out/data"

if [[ "${EVAL_ONLY:-}" != 1 ]]; then
  "$root/scripts/recipe-data.sh" "$data" "$recipe"
  nlpmtl target-tokenizer --targets "$recipe/translate/train.de" --out "$recipe/translate/tokenizer"
  # configs/full.json without the trainer's own final evaluation: the bundle is evaluated below, on the same splits
  # and more.
  sed -e 's#"evaluation": {#"evaluation": { "final": false,#' "$root/configs/full.json" > "$out/config.json"
  budget="${BUDGET:+up to $BUDGET minutes}"
  echo "quality.sh: training for ${budget:-the time budget of the config} → $out/train" >&2
  nlpmtl train --config "$out/config.json" --data "$recipe" --out "$out/train" ${BUDGET:+--time-budget "$BUDGET"} \
    ${SEED:+--seed "$SEED"}
fi
# The final checkpoint, not best/: under the time budget the learning rate decays to zero at the last step, and the
# in-training pick (200 examples per task, greedy) is noisy. On the run of docs/benchmarks.md the final step beat the
# picked one on IMDB, Multi30k and Tatoeba and was within 0.1 pt on SST-2.
[[ -f "$out/train/last/config.json" ]] || { echo "quality.sh: no trained checkpoint at $out/train/last" >&2; exit 1; }

echo "quality.sh: export (fp32 + int8) → $out/bundle" >&2
# int8 keeps the feed-forward output projections in fp32: on the AVX2-only run's checkpoint the largest int8-fp32 gap
# over the six validation sets fell from 0.36 to 0.17 and int8 changed fewer translations (docs/benchmarks.md, "int8
# that changes fewer answers"); the issue asks int8 to stay within 0.5 of fp32 on every set.
nlpmtl export --checkpoint "$out/train/last" --out "$out/bundle" --quantize int8 --int8-exclude ffn-output \
  --validation-sentiment "$recipe/sst2/glue_dev.tsv" \
  --validation-translate "$recipe/multi30k/val.en" --validation-translate-target "$recipe/multi30k/val.de"

# The sentence ranker: the summarizer's trained sentence classifier, which export wrote and salience keeps, or one
# fitted on the bundle's own encoder (SciTLDR train). Its top sentence on validation is the scitldr-ranked
# evaluation below (salience --validation computes the same figure, with a second encoder pass for baselines).
echo "quality.sh: sentence ranker → $out/bundle/salience.json" >&2
nlpmtl salience --bundle "$out/bundle" --data "$recipe/scitldr/train.jsonl" > "$out/salience-fit.json"

# name | eval arguments. Each writes OUT/eval-NAME.json; the int8 rows use the bundle's int8 graphs. The recipe's
# figures come first, translation first among them (the sets furthest from their goals); the diagnostics after.
limit=(); [[ -n "${MAX_EVAL:-}" ]] && limit=(--max-examples "$MAX_EVAL")
figures=(
  "multi30k|--task translate --data $recipe/multi30k/val.en --target $recipe/multi30k/val.de"
  "tatoeba|--task translate --data $recipe/tatoeba/validation.en --target $recipe/tatoeba/validation.de"
  "newstest2013|--task translate --data $recipe/newstest/newstest2013.en --target $recipe/newstest/newstest2013.de"
  "sst2-glue-dev|--task sentiment --data $recipe/sst2/glue_dev.tsv"
  "imdb|--task sentiment --data $recipe/imdb/validation.tsv"
  "scitldr|--task summarize --data $recipe/scitldr/validation.jsonl"
  "scitldr-ranked|--task summarize --data $recipe/scitldr/validation.jsonl --summary-style Ranked"
  "multi30k-int8|--int8 --task translate --data $recipe/multi30k/val.en --target $recipe/multi30k/val.de"
  "tatoeba-int8|--int8 --task translate --data $recipe/tatoeba/validation.en --target $recipe/tatoeba/validation.de"
  "newstest2013-int8|--int8 --task translate --data $recipe/newstest/newstest2013.en --target $recipe/newstest/newstest2013.de"
  "sst2-glue-dev-int8|--int8 --task sentiment --data $recipe/sst2/glue_dev.tsv"
  "imdb-int8|--int8 --task sentiment --data $recipe/imdb/validation.tsv"
  "scitldr-int8|--int8 --task summarize --data $recipe/scitldr/validation.jsonl"
)
diagnostics=(
  "sst2-validation|--task sentiment --data $recipe/sst2/validation.tsv"
  "scitldr-abstractive|--task summarize --data $recipe/scitldr/validation.jsonl --summary-style Abstractive"
  "multi30k-paragraphs|--task translate --data $recipe/multi30k/val.en --target $recipe/multi30k/val.de --paragraphs 3-8"
  "imdb-first-window|--task sentiment --data $recipe/imdb/validation.tsv --sentiment-aggregation FirstWindow"
  "imdb-mean-probabilities|--task sentiment --data $recipe/imdb/validation.tsv --sentiment-aggregation MeanProbabilities"
  "scitldr-lead-256|--task summarize --data $recipe/scitldr/validation.jsonl --summary-selection Lead --summary-source-tokens 256"
  "scitldr-salience-256|--task summarize --data $recipe/scitldr/validation.jsonl --summary-source-tokens 256"
  "newstest2013-pieces-34|--task translate --data $recipe/newstest/newstest2013.en --target $recipe/newstest/newstest2013.de --translation-piece-tokens 34"
)
evaluate() {
  local name="${1%%|*}" args started=$SECONDS
  read -r -a args <<< "${1#*|}"
  echo "quality.sh: eval $name" >&2
  nlpmtl eval --bundle "$out/bundle" "${args[@]}" "${limit[@]}" > "$out/eval-$name.json"
  evaluated+=("$name")
  seconds+=("$name $(( SECONDS - started ))")
}
evaluated=(); skipped=(); seconds=()
for entry in "${figures[@]}"; do evaluate "$entry"; done
for entry in "${diagnostics[@]}"; do
  if [[ -z "$total" ]] || (( SECONDS < total * 60 )); then evaluate "$entry"; else skipped+=("${entry%%|*}"); fi
done

# One table from the JSON files: the headline metrics of each evaluation.
{
  echo "| evaluation | graphs | examples | metric | value |"
  echo "|---|---|---|---|---|"
  for name in "${evaluated[@]}"; do
    # shellcheck disable=SC2016 # JavaScript, not shell
    node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      for (const k of ["accuracy", "macro_f1", "rouge1", "rouge2", "rougeL", "bleu", "bleu_one_by_one", "length_ratio", "ratio", "words_in_source", "novel_bigrams", "reference_novel_bigrams", "numbers", "numbers_missing", "numbers_restored", "restored_numbers_in_reference", "reference_numbers_missing", "windows", "truncated"])
        if (typeof r[k] === "number") console.log(`| ${process.argv[2]} | ${r.graphs} | ${r.examples} | ${k} | ${Number.isInteger(r[k]) ? r[k] : r[k].toFixed(2)} |`);
    ' "$out/eval-$name.json" "$name"
  done
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (!r.kept) console.log(`| salience-fit (held-out SciTLDR train documents) | fp32 | ${r.held_out_documents} | rouge_mean | ${r.held_out_rouge.toFixed(2)} |`);
  ' "$out/salience-fit.json"
  echo
  # int8 against fp32 on each set (the issue asks for at most 0.5 pt / 0.5 BLEU): each pair's headline metric.
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const fs = require("fs"), [dir, ...names] = process.argv.slice(1);
    const read = n => JSON.parse(fs.readFileSync(`${dir}/eval-${n}.json`, "utf8"));
    const gaps = names.filter(n => names.includes(`${n}-int8`)).map(n => {
      const [a, b] = [read(n), read(`${n}-int8`)];
      const metric = ["accuracy", "bleu", "rouge1"].find(k => typeof a[k] === "number");
      return { n, metric, gap: b[metric] - a[metric] };
    });
    if (gaps.length) {
      const worst = gaps.reduce((w, g) => (Math.abs(g.gap) > Math.abs(w.gap) ? g : w));
      const signed = g => `${g.gap >= 0 ? "+" : "−"}${Math.abs(g.gap).toFixed(2)}`;
      console.log(`- int8 − fp32: ${gaps.map(g => `${g.n} ${g.metric} ${signed(g)}`).join(", ")}; largest ${Math.abs(worst.gap).toFixed(2)} (${worst.n}).`);
    }
  ' "$out" "${evaluated[@]}"
  # Where and how long it trained, and what a step of each task cost.
  node "$root/scripts/training-summary.js" "$out/train"
  if (( ${#skipped[@]} )); then
    echo "- Not run, the run having passed TOTAL=$total minutes: ${skipped[*]}. \`EVAL_ONLY=1\` runs them."
  fi
  timings="$(printf '%s, ' "${seconds[@]}")"
  echo "- Seconds each evaluation took: ${timings%, }."
  echo "- Whole run: $(( SECONDS / 60 )) minutes$([[ "${EVAL_ONLY:-}" == 1 ]] && echo " (EVAL_ONLY: export and evaluation)")."
  echo
  echo "Validation sets written by scripts/recipe-data.sh from DATA: SST-2 GLUE dev and validation split, IMDB every"
  echo "12th review, SciTLDR-A validation, Multi30k val (whole, and as paragraphs of 3-8 captions), Tatoeba every 85th"
  echo "sentence, newstest2013 (bundle: $out/bundle; \`scripts/quality.sh\`)."
} > "$out/results.md"
cat "$out/results.md"
