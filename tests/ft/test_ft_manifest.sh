#!/usr/bin/env bash
# test_ft_manifest.sh - tests of the fine-tuning sweep scripts (ISSUE 8):
# scripts/ft_manifest.sh (job counts per phase and profile, phases refused
# until the earlier ones are sealed, settings filled in from the selection),
# scripts/ft_sweep.sh end to end, finished jobs skipped through job.sh and a
# removed result redone, and ft_report on the results (every ledger id, the
# quick-profile label, missing evidence = fails, a truncated result refused
# with its name).  The job program is tests/ft/fake_ft_run.sh, which writes
# contract-conforming results with made-up numbers.  Installed into $(BIN) by
# ft/report.mk with the checkout's path filled in.
set -u
ROOT=@ROOT@
BIN=@BIN@
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "  FAIL: $*" >&2; }
check() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
T=$(mktemp -d "${TMPDIR:-/tmp}/test_ft_manifest.XXXXXX")
trap 'rm -rf -- "$T"' EXIT
cd "$ROOT" || exit 1
export FT_RUN=$ROOT/tests/ft/fake_ft_run.sh FT_REPORT=$BIN/ft_report FT_CACHE=$T/cache JOBS=2
count() { grep -c 'job.sh' "$1"; }

# ---- usage errors --------------------------------------------------------
bash scripts/ft_manifest.sh slow 0 "$T/q" 2>/dev/null; check "bad profile: exit 2" [ $? -eq 2 ]
bash scripts/ft_manifest.sh quick 4 "$T/q" 2>/dev/null; check "bad phase: exit 2" [ $? -eq 2 ]
err=$(bash scripts/ft_manifest.sh quick 2 "$T/q" 2>&1); rc=$?
check "phase 2 before phase 0/1: exit 2 (got $rc)" [ $rc -eq 2 ]
check "phase 2 before phase 0/1: says which phase ($err)" grep -q "phase 0" <<<"$err"

# ---- quick profile: counts, gating, skipping ------------------------------
m0=$(bash scripts/ft_manifest.sh quick 0 "$T/q")
check "quick phase 0: 1 job" [ "$(count "$m0")" -eq 1 ]
check "phase 0 saves the checkpoint" grep -q -- "--save $T/cache/source-quick.safetensors" "$m0"
err=$(bash scripts/ft_manifest.sh quick 1 "$T/q" 2>&1); rc=$?
check "phase 1 before phase 0 ran: exit 2 (got $rc)" [ $rc -eq 2 ]
check "names the incomplete phase ($err)" grep -q "phase 0 is not complete" <<<"$err"
bash scripts/manifest.sh -q "$m0"; check "phase 0 runs" [ $? -eq 0 ]
m1=$(bash scripts/ft_manifest.sh quick 1 "$T/q")
check "quick phase 1: 2 jobs" [ "$(count "$m1")" -eq 2 ]
check "every job line is job.sh ... -- env OMP_NUM_THREADS=1 ft_run" \
  bash -c "! grep -v '^scripts/job.sh [^ ]* --est [0-9]* -- env OMP_NUM_THREADS=1 $FT_RUN ' '$m1'"
bash scripts/manifest.sh -q "$m1"
m2=$(bash scripts/ft_manifest.sh quick 2 "$T/q")
check "quick phase 2: 10 jobs" [ "$(count "$m2")" -eq 10 ]
check "quick phase 2 uses phase 1's lr 0.2" [ "$(grep -c -- '--lr 0.2 ' "$m2")" -eq 10 ]
check "quick has the binomial laws" [ "$(grep -c -- '--noise binomial4_uncentred' "$m2")" -eq 2 ]
bash scripts/manifest.sh -q "$m2"
m3=$(bash scripts/ft_manifest.sh quick 3 "$T/q")
check "quick phase 3: no jobs" [ "$(count "$m3" || true)" -eq 0 ]
n=$(wc -l <"$T/q/runs.txt")
check "13 runs so far (got $n)" [ "$n" -eq 13 ]
bash scripts/manifest.sh -q "$m2"
check "rerun: finished jobs skipped" [ "$(wc -l <"$T/q/runs.txt")" -eq 13 ]
rm -f "$T/q/mnist-200/nso-sigma0.01/seed2.csv"
bash scripts/manifest.sh -q "$m2"
check "a removed result is redone, alone" [ "$(wc -l <"$T/q/runs.txt")" -eq 14 ]
check "... and sealed" bash scripts/job.sh --check "$T/q/mnist-200/nso-sigma0.01/seed2.csv"

# ---- the quick sweep end to end and ft_report ----------------------------
bash scripts/ft_sweep.sh quick "$T/q" "$T/claims.tsv" 2>"$T/sweep.err"; rc=$?
check "ft_sweep quick exits 0 (got $rc: $(tail -n 2 "$T/sweep.err"))" [ $rc -eq 0 ]
check "nothing rerun by the sweep" [ "$(wc -l <"$T/q/runs.txt")" -eq 14 ]
for id in table1.wp_vs_sgd table1.laws_agree table1.binomial_collapse table1.centred_binomial_ok \
  table3.mnist-200.nso_vs_best table3.accuracy_gain table3.trace_reduction table3.lambda1_reduction \
  fig2.gap_reduction ablation.negative ablation.k2 ablation.k3plus fig4.combo_trace fig4.combo_loss \
  thm2.2.bound_holds thm2.2.ranking; do
  check "ledger row $id" grep -q "^$id	" "$T/claims.tsv"
done
check "every row says quick-profile evidence" \
  bash -c "! awk -F'\t' 'NR>1 && \$3 !~ /quick-profile evidence/' '$T/claims.tsv' | grep -q ."
check "missing evidence fails (ablation.negative)" \
  bash -c "awk -F'\t' '\$1==\"ablation.negative\" && \$5==\"fails\" && \$3 ~ /missing evidence/' '$T/claims.tsv' | grep -q ."
check "NSO vs best holds on the fake numbers (+1 pp every seed)" \
  bash -c "awk -F'\t' '\$1==\"table3.mnist-200.nso_vs_best\" && \$5==\"holds\"' '$T/claims.tsv' | grep -q ."
check "paper numbers in the paper column (17.7%)" grep -q "17.7%" "$T/claims.tsv"
for f in cost.md table1.md table3.md ablation.md fig4.md thm22.md selection.md fig1.csv fig2.csv fig4.csv fig5.csv; do
  check "report file $f" [ -s "$T/q-report/$f" ]
done
check "equal compute stated next to Table 3" grep -q "Equal compute" "$T/q-report/table3.md"
sel=$("$BIN/ft_report" --select --indir "$T/q" --task mnist-200 --method nso)
check "--select nso: sigma 0.01 at the quick lr 0.2 ($sel)" grep -q "lr=0.2 sigma=0.01" <<<"$sel"
"$BIN/ft_report" --select --indir "$T/q" --task mnist-200 --method asam 2>/dev/null
check "--select of a method without runs: exit 1" [ $? -eq 1 ]
# a truncated result: refused with its name, nothing written
f=$T/q/mnist-200/sam-rho0.05/seed1.csv
head -c 300 "$f" >"$f.cut" && mv "$f.cut" "$f"
err=$("$BIN/ft_report" --indir "$T/q" --outdir "$T/r2" --ledger "$T/c2.tsv" 2>&1); rc=$?
check "truncated result: exit 2 (got $rc)" [ $rc -eq 2 ]
check "truncated result: message names it ($err)" grep -q "sam-rho0.05/seed1.csv" <<<"$err"
check "truncated result: no ledger written" [ ! -e "$T/c2.tsv" ]

# ---- full profile: job counts of the plan's 3-hour version ---------------
for p in 0 1 2 3; do
  m=$(bash scripts/ft_manifest.sh full $p "$T/f") || { bad "full phase $p not generated"; break; }
  want=(1 24 42 125)  # phase 3: 123 + the 2 bSAM s0 = 50 supplement runs
  check "full phase $p: ${want[$p]} jobs (got $(count "$m"))" [ "$(count "$m")" -eq "${want[$p]}" ]
  [ $p -lt 3 ] && bash scripts/manifest.sh -q -j2 "$m"
done
check "full phase 3: the bSAM s0 = 50 supplement, seeds 1-2" [ "$(grep -c -- '--opt bsam --rho 0.05 --s0 50 ' "$T/f/manifests/phase3.txt")" -eq 2 ]
check "full phase 3: 12 measured reruns of reused seeds" [ "$(grep -c 'seed[12]\.m\.csv' "$T/f/manifests/phase3.txt")" -eq 12 ]
check "full phase 3: k = 2 ablation at half the steps" grep -q -- "--k 2 --lr 0.05 --steps 480" "$T/f/manifests/phase3.txt"

echo "test_ft_manifest: $pass passed, $fail failed"
[ $fail -eq 0 ]
