#!/bin/bash
# test_sens_flow.sh - issue 10's Fig. 3 supplements end to end at a tiny size:
# Fig. 3 and extended-grid runs and reports (for the chosen sigmas), the long
# and mechanism manifests (scripts/sensing_manifest.sh) run by
# scripts/manifest.sh, a rerun that finds every job complete, the reports
# (--mode long / mechanism) and their ledger rows with their kinds, and a long
# job stopped part-way (--stop-after) and resumed, which must reproduce the
# manifest's uninterrupted result byte for byte (data rows and status).
# Installed by tests/sens.mk with @ROOT@ / @BIN@ baked in; exit 1 on failure.
set -u
ROOT=@ROOT@
B=@BIN@
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
T=$(mktemp -d /tmp/nso_sensflow_XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$ROOT" || exit 1
O=$T/out
fail=0
ok() { echo "test_sens_flow: ok: $*"; }
bad() { echo "test_sens_flow: FAIL: $*"; fail=1; }
run() { "$@" >"$T/last.log" 2>&1 || { bad "'$*' exited $?: $(tail -3 "$T/last.log")"; return 1; }; }

TINY="--d 8 --r 2 --log-every 10 --hess-every 20"
for s in 1 2; do
  run "$B/sensing_fig3" $TINY --steps 40 --sigmas 0.01,0.02 --seed $s --outdir "$O/sensing" || exit 1
  run "$B/sensing_fig3" $TINY --steps 40 --sigmas 0.02,0.04 --seed $s --outdir "$O/sensing_ext" || exit 1
done
run "$B/sensing_report" --indir "$O/sensing" --sigmas 0.01,0.02 --seeds 1,2 --ledger "$O/claims.tsv" || exit 1
run "$B/sensing_report" --indir "$O/sensing_ext" --sigmas 0.02,0.04 --seeds 1,2 --mode extended --ledger "$O/claims.tsv" || exit 1

export SENS_BIN=$B SENS_SIZE="--d 8 --r 2" SENS_STEPS=400
for exp in long mech; do
  man=$(bash scripts/sensing_manifest.sh quick $exp "$O") || { bad "sensing_manifest.sh $exp"; exit 1; }
  n=$(bash scripts/manifest.sh --count "$man")
  want=$([ $exp = long ] && echo 8 || echo 3)
  [ "$n" = "$want" ] && ok "$exp manifest: $n jobs" || bad "$exp manifest has $n jobs, expected $want"
  run bash scripts/manifest.sh -j 2 -q --logdir "$T/logs-$exp" "$man" || exit 1
  bash scripts/manifest.sh --status "$man" >/dev/null && ok "$exp: every job complete (sealed)" || bad "$exp: jobs not complete"
  # a rerun runs nothing: every RESULT is sealed
  before=$(find "$O/sensing_$exp" -type f -newer "$man" | sort | xargs cat | sha256sum)
  run bash scripts/manifest.sh -j 2 -q --logdir "$T/logs-$exp-2" "$man"
  after=$(find "$O/sensing_$exp" -type f -newer "$man" | sort | xargs cat | sha256sum)
  [ "$before" = "$after" ] && ok "$exp: rerun changes nothing" || bad "$exp: the rerun changed files"
done
# the long runs stop on their plateau or run 10x the budget; every file says which
grep -h '^# status:' "$O"/sensing_long/*/seed*/*.csv | sort | uniq -c | sed 's/^/  /'
grep -L '^# status: \(ok\|plateau at step [0-9]*\)$' "$O"/sensing_long/*/seed*/*.csv | grep -q . &&
  bad "a long run file without an ok / plateau status" || ok "long run files have their status"

run "$B/sensing_report" --mode long --indir "$O/sensing_long" --seeds 1,2 --budget 400 --ledger "$O/claims.tsv" \
  --main-summary "$O/sensing/fig3_summary.csv" --ext-summary "$O/sensing_ext/fig3_summary.csv" || exit 1
run "$B/sensing_report" --mode mechanism --indir "$O/sensing_mech" --seeds 1,2,3 --sigmas 0.016 --ledger "$O/claims.tsv" || exit 1
for id in fig3.long_horizon fig3.long_horizon_ext fig3.mechanism_k fig3.mechanism_iso; do
  awk -F'\t' -v id=$id '$1 == id && ($5 == "holds" || $5 == "fails") && $8 == "supplement" { f = 1 } END { exit !f }' \
    "$O/claims.tsv" && ok "row $id (supplement)" || bad "row $id missing or without kind supplement"
done
rows=$(grep -vc '^#\|^run,' "$O/sensing_mech/mech_summary.csv")
[ "$rows" = 8 ] && ok "mech_summary.csv: 8 runs" || bad "mech_summary.csv has $rows runs, expected 8"
rows=$(grep -vc '^#\|^group,' "$O/sensing_long/long_summary.csv")
[ "$rows" = 4 ] && ok "long_summary.csv: 4 rows" || bad "long_summary.csv has $rows rows, expected 4"

# a long job interrupted at a checkpoint and resumed = the uninterrupted job
# (one whose run stopped on its plateau when there is one)
pf=$(grep -l '^# status: plateau' "$O"/sensing_long/*/seed*/*.csv | head -1)
if [ -n "$pf" ]; then
  res=$(dirname "$pf").done
  line=$(grep -F -- "--done $res" "$O/sensing_long/manifest.txt")
else
  line=$(bash scripts/manifest.sh --line 3 "$O/sensing_long/manifest.txt")
fi
args=${line#* -- env OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 }
args=${args%% --outdir *}
dir=$(echo "$line" | sed 's/.* --outdir \([^ ]*\) .*/\1/')
seed=$(echo "$line" | sed 's/.* --seed \([0-9]*\) .*/\1/')
set -- $args
prog=$1; shift
"$prog" "$@" --outdir "$T/resume" --stop-after 2000 >/dev/null 2>&1
[ $? -eq 3 ] && ok "long job stopped part-way (exit 3)" || bad "the --stop-after run did not stop with exit 3"
run "$prog" "$@" --outdir "$T/resume" || exit 1
for f in "$dir/seed$seed"/*.csv; do
  g=$T/resume/seed$seed/$(basename "$f")
  if diff <(grep -v '^# \(params\|git\|job\):' "$f") <(grep -v '^# \(params\|git\|job\):' "$g") >/dev/null; then
    ok "resumed $(basename "$f") ($(grep -m1 '^# status' "$f")) = uninterrupted"
  else
    bad "resumed $(basename "$f") differs from the uninterrupted run"
  fi
done

[ $fail -eq 0 ] && echo "test_sens_flow: all checks passed" || echo "test_sens_flow: FAILED"
exit $fail
