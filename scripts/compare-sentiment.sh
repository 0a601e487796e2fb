#!/usr/bin/env bash
# Two bundles' sentiment predictions on the same labelled sentences and reviews, example by example: how often each
# is right, on how many examples they disagree, and McNemar's chi-square (with continuity correction) of those
# disagreements. Two runs of one recipe that differ only by chance show how large a difference chance makes
# (docs/benchmarks.md).
#   scripts/compare-sentiment.sh RECIPE BUNDLE_A BUNDLE_B OUT
# RECIPE: scripts/recipe-data.sh's output (reads sst2/glue_dev.tsv and imdb/validation.tsv: header, text TAB label).
# Labels are read as names through the bundles' manifest (sentiment.label_names), which both must share. OUT gets each
# set's texts and both bundles' predictions; predictions already there are reused.
set -euo pipefail
[[ $# -eq 4 ]] || { echo "usage: compare-sentiment.sh RECIPE BUNDLE_A BUNDLE_B OUT" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
recipe=$1; out=$4
declare -A bundles=([a]=$2 [b]=$3)
names=$(jq -c '.sentiment.label_names // empty' "$2/manifest.json")
[[ -n "$names" ]] || { echo "compare-sentiment.sh: $2/manifest.json: no sentiment.label_names" >&2; exit 1; }
[[ "$(jq -c '.sentiment.label_names' "$3/manifest.json")" == "$names" ]] ||
  { echo "compare-sentiment.sh: $3/manifest.json: sentiment.label_names differ from $2's" >&2; exit 1; }
mkdir -p "$out"
for set in sst2/glue_dev imdb/validation; do
  tsv="$recipe/$set.tsv"
  [[ -f "$tsv" ]] || { echo "compare-sentiment.sh: $tsv: no such file (scripts/recipe-data.sh writes it)" >&2; exit 1; }
  name=${set//\//-}
  tail -n +2 "$tsv" | cut -f1 > "$out/$name.txt"
  tail -n +2 "$tsv" | cut -f2 |
    jq -R -r --argjson names "$names" --arg tsv "$tsv" \
      '$names[.] // error("\($tsv): label \(.) is not in the bundles\u0027 label_names")' > "$out/$name.gold"
  for side in a b; do
    [[ -f "$out/$name.$side.jsonl" ]] || "$root/scripts/nlpmtl" predict --bundle "${bundles[$side]}" --task sentiment \
      --input "$out/$name.txt" --output "$out/$name.$side.jsonl" >&2
  done
  paste "$out/$name.gold" <(jq -r '.label' "$out/$name.a.jsonl") <(jq -r '.label' "$out/$name.b.jsonl") |
    awk -F'\t' -v set="$set" '
      { a = ($2 == $1); b = ($3 == $1)
        n++; right_a += a; right_b += b; only_a += (a && !b); only_b += (b && !a); neither += (!a && !b) }
      END {
        differ = only_a + only_b; gap = only_a > only_b ? only_a - only_b : only_b - only_a
        chi2 = differ ? (gap > 0 ? gap - 1 : 0) ^ 2 / differ : 0
        printf "%s: %d examples; A %.2f %%, B %.2f %%; only A right %d, only B right %d, both wrong %d; " \
          "they differ on %.2f %%; McNemar chi2 %.2f (3.84 is p = 0.05)\n",
          set, n, 100 * right_a / n, 100 * right_b / n, only_a, only_b, neither, 100 * differ / n, chi2 }'
done
