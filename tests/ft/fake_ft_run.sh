#!/usr/bin/env bash
# fake_ft_run.sh - a stand-in for build/bin/ft_run in the tests of the sweep
# scripts (ft_manifest.sh, ft_sweep.sh): takes ft_run's command line and
# writes a result file that follows the contract (docs/finetune_plan.md
# section 4) with made-up deterministic numbers, through OUT.tmp.PID as
# nso_csv does.  Each run appends its result path to $(dirname OUT)/../../runs.txt
# (under the task directory's parent) so tests can count runs.
# Numbers: val/test accuracy 0.80 + 0.005 seed, +0.01 for NSO, -|sigma-0.01|
# and -|lr-0.05| (so the selection picks NSO sigma 0.01 and lr 0.05), train
# accuracy 0.99 (0.15 for the uncentred binomial), losses from the accuracies.
set -u
task= seed= opt= lr=0.1 steps= epochs= sigma= rho= ls= noise=gaussian k=1 noneg=0 wd= l2sp= aug=0 measure=0 out= save=
while [ $# -gt 0 ]; do
  case "$1" in
    --task) task=$2; shift 2 ;; --seed) seed=$2; shift 2 ;; --opt) opt=$2; shift 2 ;;
    --lr) lr=$2; shift 2 ;; --steps) steps=$2; shift 2 ;; --epochs) epochs=$2; shift 2 ;;
    --sigma) sigma=$2; shift 2 ;; --rho) rho=$2; shift 2 ;; --label-smoothing) ls=$2; shift 2 ;;
    --noise) noise=$2; shift 2 ;; --k) k=$2; shift 2 ;; --no-negative) noneg=1; shift ;;
    --weight-decay) wd=$2; shift 2 ;; --l2sp) l2sp=$2; shift 2 ;; --augment) aug=1; shift ;;
    --measure) measure=1; shift ;; --probes | --hess-n | --lanczos | --alpha-n | --alpha-probes | --source) shift 2 ;;
    --eval-every | --trace-every | --trace-probes | --trace-lanczos) shift 2 ;;
    --save) save=$2; shift 2 ;; --out) out=$2; shift 2 ;;
    *) echo "fake_ft_run: unknown flag '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$task" ] && [ -n "$seed" ] && [ -n "$out" ] || { echo "fake_ft_run: --task --seed --out required" >&2; exit 2; }
[ -n "$save" ] && { mkdir -p "$(dirname "$save")"; echo fake >"$save"; }
echo "$out" >>"$(dirname "$(dirname "$(dirname "$out")")")/runs.txt"
method=$opt; [ -n "$ls" ] && method=ls; [ -z "$method" ] && method=gd
case $opt in
  nso) setting="sigma=${sigma:-0.01} noise=$noise trunc=0 one-sided=0 k=$k no-negative=$noneg split-samples=0 pair-samples=0"; gps=$((2 * k)) ;;
  wpgd) setting="sigma=${sigma:-0.01} noise=$noise trunc=0 one-sided=0"; gps=1 ;;
  sam | asam | bsam) setting="rho=$rho"; gps=2 ;;
  rsam) setting="rho=$rho sigma=$sigma"; gps=2 ;;
  *) setting="none"; gps=1 ;;
esac
[ -n "$ls" ] && setting="ls=$ls"
[ -n "$wd" ] && setting="$setting wd=$wd"
[ -n "$l2sp" ] && setting="$setting l2sp=$l2sp"
[ "$aug" = 1 ] && setting="$setting aug=1"
tag=$(echo "$setting" | sed 's/ noise=gaussian//; s/ trunc=0 one-sided=0//; s/ split-samples=0 pair-samples=0//; s/ no-negative=0//; s/ k=1//; s/=//g; s/ /-/g')
E=${epochs:-5}
tmp=$out.tmp.$$
awk -v task="$task" -v method="$method" -v setting="$setting" -v tag="$tag" -v seed="$seed" -v lr="$lr" \
    -v E="$E" -v steps="${steps:-$((E * 32))}" -v gps="$gps" -v sigma="${sigma:-0.01}" -v noise="$noise" \
    -v measure="$measure" -v opt="$opt" 'function abs(x) { return x < 0 ? -x : x }
BEGIN {
  acc = 0.80 + 0.005 * seed - abs(lr - 0.05); if (opt == "nso") acc += 0.01
  if (opt == "nso" || opt == "wpgd") acc -= abs(sigma - 0.01)
  tr = 0.99; if (noise == "binomial4_uncentred") { acc = 0.11; tr = 0.15 }
  printf "# program: ft_run\n# params: fake\n# seed: %d\n# git: fake\n", seed
  printf "# task: %s\n# method: %s\n# setting: %s\n# tag: %s\n# lr: %g\n# epochs: %d\n# steps: %d\n# grads_per_step: %d\n", task, method, setting, tag, lr, E, steps, gps
  printf "# split: tr=0 va=0 te=0\n# source: none\n"
  print "epoch,lr,train_loss,train_acc,test_loss,test_acc"
  for (e = 1; e <= E; e++) printf "%d,%g,%.6f,%.6f,%.6f,%.6f\n", e, lr, 1.0 / e, tr * e / E, 1.2 / e + (1 - acc), acc * e / E
  tl = 1 - tr + 0.01; te = 1.5 * (1 - acc)
  printf "# final.train_loss: %.6f\n# final.train_acc: %.6f\n# final.val_loss: %.6f\n# final.val_acc: %.6f\n", tl, tr, te, acc
  printf "# final.test_loss: %.6f\n# final.test_acc: %.6f\n# final.dist_w0: %.4f\n# final.measured: %d\n", te, acc - 0.002, 3 + seed / 10, measure
  if (measure) {
    trc = 100 * (1 - (opt == "nso") * 0.2) + seed
    printf "# final.trace: %g\n# final.trace_se: 5\n# final.trace_ci95: 10\n# final.trace_probes: 8\n", trc
    printf "# final.lambda1: %g\n# final.lanczos_steps: 5\n# final.alpha_train: 2\n# final.alpha_heldout: 2.5\n# final.alpha_probes: 4\n# final.alpha_n: 50\n", trc / 3
    printf "# final.C: 4\n# final.n: 200\n# final.thm22_leading: %.6f\n# final.thm22_bound: %.6f\n# final.gen_gap: %.6f\n", sqrt(4 * 2 * 9 / 200), tl + 2, te - tl
  }
}' >"$tmp" && mv "$tmp" "$out"
