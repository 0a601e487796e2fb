#!/usr/bin/env bash
# Builds the data configs/full.json reads, from the sets `nlpmtl data get` writes, in a folder of its own (the sets
# are only read):
#   sst2/ scitldr/ multi30k/ newstest/ links to DATA's folders
#   sentiment/train.tsv   SST-2 train + the IMDB training part (whole reviews; the trainer reads long ones as windows)
#   imdb/validation.tsv   every 12th IMDB review of each label (the file alternates labels, so every 12th line would
#                         be all one label), none of their texts left in the training part
#   translate/train.en|de Multi30k train (MULTI30K_COPIES times, default 3) + the Tatoeba training part + TATOEBA_JOINED
#                         (default 15000) pairs that each join 2 to 4 training-part pairs, both sides, into one longer
#                         pair (at most 32 words a side): Tatoeba's sentences average 7 words, news
#                         sentences 19, and a translator that never read a long sentence loses its way in one
#   tatoeba/validation.en|de  every 85th line's English sentence with its first translation; every other line with
#                         that sentence leaves training too (Tatoeba repeats sentences with other translations)
# Deterministic (line numbers; the joined pairs' draws come from a fixed integer generator, not awk's rand, which
# differs between awks), so every machine gets the same split.
# Usage: scripts/recipe-data.sh DATA OUT
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: scripts/recipe-data.sh DATA OUT (DATA holds sst2/ scitldr/ multi30k/ imdb/ tatoeba/ newstest/)" >&2; exit 2; }
data="$(realpath -m "$1")"; out="$(realpath -m "$2")"
copies="${MULTI30K_COPIES:-3}"
[[ "$copies" =~ ^[1-9][0-9]*$ ]] || { echo "recipe-data.sh: MULTI30K_COPIES must be a whole number >= 1, got '$copies'" >&2; exit 2; }
joined="${TATOEBA_JOINED:-15000}"
[[ "$joined" =~ ^[0-9]+$ ]] || { echo "recipe-data.sh: TATOEBA_JOINED must be a whole number >= 0, got '$joined'" >&2; exit 2; }
for f in sst2/train.tsv sst2/glue_dev.tsv scitldr/train.jsonl scitldr/validation.jsonl multi30k/train.en multi30k/train.de \
         multi30k/val.en multi30k/val.de imdb/train.tsv tatoeba/train.en tatoeba/train.de; do
  [[ -f "$data/$f" ]] || { echo "recipe-data.sh: missing $data/$f (scripts/nlpmtl data get sst2 scitldr multi30k imdb tatoeba newstest --out $data)" >&2; exit 1; }
done
mkdir -p "$out/sentiment" "$out/imdb" "$out/translate" "$out/tatoeba"
for set in sst2 scitldr multi30k newstest; do [[ -d "$data/$set" ]] && ln -sfn "$data/$set" "$out/$set"; done

# IMDB: header kept for validation; the training part is appended to SST-2 train (same columns: sentence, label).
awk -F'\t' -v val="$out/imdb/validation.tsv" -v train="$out/imdb/train-part.tsv" '
  NR == FNR { if (FNR > 1 && ++seen[$2] % 12 == 0) held[$1] = 1; next }
  FNR == 1 { print > val; next }
  ($1 in held) { if (!done[$1]++) print > val; next }
  { print > train }' "$data/imdb/train.tsv" "$data/imdb/train.tsv"
{ cat "$data/sst2/train.tsv"; cat "$out/imdb/train-part.tsv"; } > "$out/sentiment/train.tsv"
rm "$out/imdb/train-part.tsv"

# Tatoeba: pairs joined with a unit separator (no line holds one), split by English sentence.
# The first pass reads only the English side (no line holds the separator, so $1 is the whole line).
paste -d $'\x1f' "$data/tatoeba/train.en" "$data/tatoeba/train.de" | awk -F $'\x1f' -v out="$out" '
  NR == FNR { if (FNR % 85 == 0) held[$1] = 1; next }
  ($1 in held) { if (!done[$1]++) { print $1 > (out "/tatoeba/validation.en"); print $2 > (out "/tatoeba/validation.de") }; next }
  { print $1 > (out "/tatoeba/train-part.en"); print $2 > (out "/tatoeba/train-part.de") }' \
  "$data/tatoeba/train.en" -
# Joined pairs: MINSTD draws (48271 * 2^31 stays exact in awk's doubles); a draw over the length caps is skipped.
paste -d $'\x1f' "$out/tatoeba/train-part.en" "$out/tatoeba/train-part.de" | awk -F $'\x1f' -v out="$out" -v want="$joined" '
  { en[NR] = $1; de[NR] = $2 }
  function draw() { state = (state * 48271) % 2147483647; return state }
  END {
    state = 42; made = 0
    for (tries = 0; made < want && tries < 4 * want; tries++) {
      size = 2 + draw() % 3; e = ""; d = ""
      for (k = 0; k < size; k++) { i = 1 + draw() % NR; e = e (k ? " " : "") en[i]; d = d (k ? " " : "") de[i] }
      if (split(e, words, " ") > 32 || split(d, words, " ") > 32) continue
      print e > (out "/tatoeba/joined.en"); print d > (out "/tatoeba/joined.de"); made++
    }
  }'
touch "$out/tatoeba/joined.en" "$out/tatoeba/joined.de"
# Copies of Multi30k raise the captions' share of the translation steps without a sampler per file (docs/data.md).
for side in en de; do
  { for ((copy = 0; copy < copies; copy++)); do cat "$data/multi30k/train.$side"; done
    cat "$out/tatoeba/train-part.$side" "$out/tatoeba/joined.$side"; } > "$out/translate/train.$side"
  rm "$out/tatoeba/train-part.$side" "$out/tatoeba/joined.$side"
done
echo "recipe-data.sh: $(($(wc -l < "$out/sentiment/train.tsv") - 1)) sentiment training rows, $(($(wc -l < "$out/imdb/validation.tsv") - 1)) IMDB validation reviews, $(wc -l < "$out/translate/train.en") translation pairs, $(wc -l < "$out/tatoeba/validation.en") Tatoeba validation pairs → $out" >&2
