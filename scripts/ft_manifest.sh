#!/usr/bin/env bash
# ft_manifest.sh PROFILE PHASE OUTDIR - write the job manifest of one phase of
# the fine-tuning sweep (ISSUE 8; docs/finetune_plan.md sections 4 and 6;
# docs/sweeps.md) to OUTDIR/manifests/phasePHASE.txt and print its path.
#
# One line per job:
#   scripts/job.sh RESULT --est S -- env OMP_NUM_THREADS=1 build/bin/ft_run ... --out RESULT
# Results: OUTDIR/<task>/<method>-<tag>/seed<S>.csv (a measured rerun of a
# selection seed: seed<S>.m.csv, same training, plus the Hessian).
#
# Phases (each reads the sealed results of the earlier ones; a phase is only
# generated when every earlier phase's manifest is complete):
#   0  source pretraining (checkpoint in data/cache/ft/)
#   1  learning rate: SGD on the lr grid, seeds 1-2, per task
#   2  selection: every method's grid, seeds 1-2, at the task's chosen lr
#   3  finals (chosen settings, more seeds, Hessians), Table 1 laws,
#      ablations, Figure 4 combinations, supplement grid
# The selection itself is ft_report --select (one implementation, tested).
#
# PROFILE quick (at most 4 minutes): mnist-200 only, a 3-epoch source model,
#   seeds 1-2, 320 steps, fixed settings (no selection: SGD lr 0.2, SAM rho
#   0.05, NSO sigma 0.01, WP-SGD sigma 0.01, uncentred and centred binomial
#   WP-SGD at sigma 0.01); traces with 8 probes for SGD and NSO; phase 3 empty.
# PROFILE full: the plan's 3-hour version (section 6), with its named cuts:
#   selection on mnist-200 only (settings reused on the other tasks), RSAM's
#   sigma fixed at 0.01, 3 seeds on the n = 1000 tasks, Table 1 laws at the
#   Gaussian's sigma, supplement with 1 seed, Figure 4 with 2 seeds, Hessians
#   for SGD, SAM, NSO and the best other baseline (by selection validation
#   accuracy) only, alpha over 200 examples; the source model is the
#   plan's measured recipe (12 epochs at lr 0.05: 86.7% test accuracy, on the
#   plateau), not chosen from a grid.
#
# Environment: FT_RUN (default build/bin/ft_run), FT_REPORT (default
# build/bin/ft_report), FT_CACHE (default data/cache/ft).  Run from the
# checkout's root.  Exit 2 on bad usage or when an earlier phase is not complete.
set -u
export LC_ALL=C
me=ft_manifest.sh
die() { echo "$me: $*" >&2; exit 2; }
[ $# -eq 3 ] || die "usage: ft_manifest.sh quick|full 0|1|2|3 OUTDIR"
profile=$1 phase=$2 out=$3
case "$profile" in quick | full) ;; *) die "PROFILE: expected quick or full, got '$profile'" ;; esac
case "$phase" in 0 | 1 | 2 | 3) ;; *) die "PHASE: expected 0, 1, 2 or 3, got '$phase'" ;; esac
case "$out" in '' | -* | *' '*) die "OUTDIR: expected a path without spaces, got '$out'" ;; esac
RUN=${FT_RUN:-build/bin/ft_run}
REP=${FT_REPORT:-build/bin/ft_report}
CACHE=${FT_CACHE:-data/cache/ft}
JOB=scripts/job.sh
mdir=$out/manifests
mkdir -p "$mdir" || die "OUTDIR: cannot create $mdir"
man=$mdir/phase$phase.txt
ckpt=$CACHE/source-$profile.safetensors
mkdir -p "$CACHE" || die "FT_CACHE: cannot create $CACHE"

# every earlier phase must be complete (sealed results)
for ((p = 0; p < phase; p++)); do
  [ -f "$mdir/phase$p.txt" ] || die "phase $p has no manifest yet ($mdir/phase$p.txt): generate and run it first"
  bash scripts/manifest.sh --status "$mdir/phase$p.txt" >/dev/null ||
    die "phase $p is not complete: $(bash scripts/manifest.sh --status "$mdir/phase$p.txt")"
done

if [ $profile = quick ]; then
  TASKS="mnist-200"
  HESS="--measure --probes 8 --hess-n 200 --lanczos 5 --alpha-n 20 --alpha-probes 2"
  FIG2="--trace-every 9 --trace-probes 4 --trace-lanczos 3"
  E1=18 E2=36 EM=30 ET=10
else
  TASKS="mnist-200 fashion59-1000 mnist-1000"
  HESS="--measure --probes 16 --hess-n 1000 --lanczos 15 --alpha-n 200"
  FIG2="--trace-every 16 --trace-probes 8 --trace-lanczos 5"
  E1=40 E2=85 EM=120 ET=60
fi
# selection runs (phases 1-2) need only the last epoch's test numbers: no
# per-epoch test evaluations (about 1 s each on 2,000 images)
SELEVAL="--eval-every 100000"
len() { # TASK [FRACTION-DIVISOR] -> --steps/--epochs for the profile
  local d=${2:-1}
  if [ $profile = quick ]; then echo "--steps $((320 / d))"
  elif [ "$1" = mnist-200 ]; then echo "--steps $((960 / d))"
  else [ "$d" = 1 ] && echo "--epochs 30" || echo "--steps $((960 / d))"; fi
}

tmp=$man.tmp.$$
trap 'rm -f "$tmp"' EXIT
: >"$tmp"
# job TASK DIR SEED EST RESULT-SUFFIX ARGS... -> one manifest line
job() {
  local task=$1 dir=$2 seed=$3 est=$4 suf=$5
  shift 5
  local res=$out/$task/$dir/seed$seed$suf.csv
  echo "$JOB $res --est $est -- env OMP_NUM_THREADS=1 $RUN --task $task --seed $seed --source $ckpt $* --out $res" >>"$tmp"
}
# choice TASK METHOD [LAW] -> "tag=.. lr=.. sigma=.. rho=.. ls=.." from ft_report --select
choice() {
  local c
  c=$("$REP" --select --indir "$out" --task "$1" --method "$2" ${3:+--law "$3"}) ||
    die "selection of $2 on $1 failed (see the message above)"
  echo "$c"
}
field() { # CHOICE KEY -> value or empty
  local kv
  for kv in $1; do case "$kv" in "$2"=*) echo "${kv#*=}"; return ;; esac; done
}
flags() { # CHOICE -> method flags
  local f="" v
  v=$(field "$1" rho); [ -n "$v" ] && f="$f --rho $v"
  v=$(field "$1" sigma); [ -n "$v" ] && f="$f --sigma $v"
  v=$(field "$1" ls); [ -n "$v" ] && f="$f --label-smoothing $v"
  echo "${f# }"
}
# METHODS: name opt grads-per-step
declare -A OPT=([gd]=gd [ls]=gd [sam]=sam [asam]=asam [rsam]=rsam [bsam]=bsam [wpgd]=wpgd [nso]=nso)
declare -A EST=([gd]=$E1 [ls]=$E1 [wpgd]=$E1 [sam]=$E2 [asam]=$E2 [rsam]=$E2 [bsam]=$E2 [nso]=$E2)
SEL_GRID=(
  "ls --label-smoothing 0.1" "ls --label-smoothing 0.2" "ls --label-smoothing 0.3"
  "sam --rho 0.01" "sam --rho 0.02" "sam --rho 0.05"
  "asam --rho 0.5" "asam --rho 1" "asam --rho 2"
  "rsam --rho 0.01 --sigma 0.01" "rsam --rho 0.02 --sigma 0.01" "rsam --rho 0.05 --sigma 0.01"
  "bsam --rho 0.01" "bsam --rho 0.02" "bsam --rho 0.05"
  "wpgd --sigma 0.008" "wpgd --sigma 0.01" "wpgd --sigma 0.012"
  "nso --sigma 0.008" "nso --sigma 0.01" "nso --sigma 0.012")
tagof() { # "ARGS..." -> a directory tag: values joined, e.g. rho0.05-sigma0.01
  echo "$*" | sed -e 's/--label-smoothing /ls/g; s/--no-negative/noneg/g; s/--weight-decay /wd/g; s/--l2sp /l2sp/g; s/--augment/aug/g; s/--noise /noise-/g; s/--//g; s/ \([0-9]\)/\1/g; s/ /-/g'
}

case "$profile.$phase" in
  *.0)
    ep=$([ $profile = quick ] && echo 3 || echo 12)
    res=$out/source/gd-base/seed0.csv
    echo "$JOB $res --est $([ $profile = quick ] && echo 50 || echo 131) -- env OMP_NUM_THREADS=1 $RUN --task source --seed 0 --opt gd --lr 0.05 --epochs $ep --save $ckpt --out $res" >>"$tmp"
    ;;
  quick.1)
    # lr 0.2: the full profile's choice on mnist-200 (the grid's largest)
    for s in 1 2; do job mnist-200 gd-lr0.2 $s $((E1 + EM + ET)) "" --opt gd --lr 0.2 $(len mnist-200) $HESS $FIG2; done ;;
  quick.2)
    c=$(choice mnist-200 gd); lr=$(field "$c" lr)
    for s in 1 2; do
      job mnist-200 sam-rho0.05 $s $E2 "" --opt sam --rho 0.05 --lr "$lr" $(len mnist-200)
      job mnist-200 nso-sigma0.01 $s $((E2 + EM + ET)) "" --opt nso --sigma 0.01 --lr "$lr" $(len mnist-200) $HESS $FIG2
      job mnist-200 wpgd-sigma0.01 $s $E1 "" --opt wpgd --sigma 0.01 --lr "$lr" $(len mnist-200)
      job mnist-200 wpgd-noise-binomial4_uncentred-sigma0.01 $s $E1 "" --opt wpgd --noise binomial4_uncentred --sigma 0.01 --lr "$lr" $(len mnist-200)
      job mnist-200 wpgd-noise-binomial-sigma0.01 $s $E1 "" --opt wpgd --noise binomial --sigma 0.01 --lr "$lr" $(len mnist-200)
    done ;;
  quick.3) ;;
  full.1)
    for t in $TASKS; do for lr in 0.2 0.1 0.05 0.02; do for s in 1 2; do
      job $t gd-lr$lr $s $E1 "" --opt gd --lr $lr $(len $t) $SELEVAL
    done; done; done ;;
  full.2)
    t=mnist-200
    c=$(choice $t gd); lr=$(field "$c" lr)
    for g in "${SEL_GRID[@]}"; do
      set -- $g; m=$1; shift
      for s in 1 2; do job $t "$m-$(tagof "$@")" $s "${EST[$m]}" "" --opt "${OPT[$m]}" "$@" --lr "$lr" $(len $t) $SELEVAL; done
    done ;;
  full.3)
    # settings chosen on mnist-200 (validation, seeds 1-2), reused on every task
    declare -A CH
    for m in ls sam asam rsam bsam wpgd nso; do CH[$m]=$(flags "$(choice mnist-200 $m)"); done
    # the best other baseline by selection validation accuracy gets a Hessian too
    best=$("$REP" --select --indir "$out" --task mnist-200 --method best-baseline 2>/dev/null | sed -n 's/.*method=\([a-z]*\).*/\1/p')
    [ -n "$best" ] || best=wpgd
    measured=" gd sam nso $best "
    nso_a=${CH[nso]}
    nso01=$([ "$(field "$(choice mnist-200 nso)" sigma)" = 0.01 ] && echo 1 || echo 0)
    finals() { # TASK: Table 3 finals of every method
      local t=$1 c lr seeds m a dir s h e f
      c=$(choice $t gd); lr=$(field "$c" lr)
      if [ $t = mnist-200 ]; then seeds="1 2 3 4 5"; else seeds="1 2 3"; fi
      for m in gd ls sam asam rsam bsam wpgd nso; do
        a="${CH[$m]:-}"
        dir=$m-$([ -n "$a" ] && tagof $a || echo lr$lr)
        [ $m = gd ] && dir=gd-lr$lr
        for s in $seeds; do
          h="" e=${EST[$m]} f=""
          case "$measured" in *" $m "*) [ "$s" -le 3 ] && h=$HESS && e=$((e + EM)) ;; esac
          # Figure 2: SGD and NSO (when its chosen sigma is 0.01) log test loss,
          # gap and trace per epoch on mnist-200's new seeds 3-5
          if [ $t = mnist-200 ] && [ "$s" -ge 3 ] && { [ $m = gd ] || { [ $m = nso ] && [ $nso01 = 1 ]; }; }; then
            f=$FIG2 e=$((e + ET))
          fi
          if [ "$s" -le 2 ] && { [ $t = mnist-200 ] || [ $m = gd ]; }; then
            # a selection / lr seed: reused; a measured rerun when its Hessian is needed
            [ -n "$h" ] && job $t "$dir" $s $e .m --opt "${OPT[$m]}" $a --lr "$lr" $(len $t) $h
            continue
          fi
          job $t "$dir" $s $e "" --opt "${OPT[$m]}" $a --lr "$lr" $(len $t) $h $f
        done
      done
    }
    # the order is the order of importance, so that an interrupted sweep has
    # the main comparison first: mnist-200's Table 3, then Table 1, the
    # ablations, Figures 2 and 4, the other tasks' Table 3, the supplement
    finals mnist-200
    t=mnist-200
    c=$(choice $t gd); lr=$(field "$c" lr)
    wsig=$(field "$(choice $t wpgd)" sigma)
    # Table 1: the other laws at the Gaussian's sigma, 3 seeds
    for law in laplace uniform binomial4_uncentred binomial; do for s in 1 2 3; do
      job $t "wpgd-noise-$law-sigma$wsig" $s $E1 "" --opt wpgd --noise $law --sigma "$wsig" --lr "$lr" $(len $t)
    done; done
    # ablations at NSO's sigma and equal compute, 3 seeds
    for s in 1 2 3; do
      job $t "nso-noneg-$(tagof $nso_a)" $s $E2 "" --opt nso $nso_a --no-negative --lr "$lr" $(len $t)
      job $t "nso-k2-$(tagof $nso_a)" $s $E2 "" --opt nso $nso_a --k 2 --lr "$lr" $(len $t 2)
      job $t "nso-k3-$(tagof $nso_a)" $s $E2 "" --opt nso $nso_a --k 3 --lr "$lr" $(len $t 3)
    done
    # Figure 2 needs NSO at sigma 0.01 on seeds 3-5 when another sigma was
    # chosen (seeds 1-2 are its selection runs)
    if [ $nso01 = 0 ]; then for s in 3 4 5; do
      job $t nso-sigma0.01 $s $((E2 + ET)) "" --opt nso --sigma 0.01 --lr "$lr" $(len $t) $FIG2
    done; fi
    # Figure 4: each regulariser alone (SGD) and with NSO, 2 seeds, with the trace
    for r in "--weight-decay 5e-4" "--l2sp 0.01" "--augment"; do for s in 1 2; do
      job $t "gd-$(tagof $r)" $s $((E1 + EM)) "" --opt gd $r --lr "$lr" $(len $t) $HESS
      job $t "nso-$(tagof $nso_a $r)" $s $((E2 + EM)) "" --opt nso $nso_a $r --lr "$lr" $(len $t) $HESS
    done; done
    finals fashion59-1000
    finals mnist-1000
    # supplement (labelled, not the paper's protocol): wide sigma grid, 1 seed
    for sg in 0.002 0.005 0.02 0.03 0.05; do
      job $t "nso-sigma$sg" 1 $E2 "" --opt nso --sigma $sg --lr "$lr" $(len $t)
      job $t "wpgd-sigma$sg" 1 $E1 "" --opt wpgd --sigma $sg --lr "$lr" $(len $t)
    done
    # supplement: bSAM with its initial precision s0 raised from the code's 1
    # to 50, so that its initial posterior noise 1/sqrt(N s0) equals sigma =
    # 0.01 at N = 200 (with s0 = 1 it is 0.07: the selection runs do not fit)
    for s in 1 2; do
      job $t "bsam-rho0.05-s050" $s $E2 "" --opt bsam --rho 0.05 --s0 50 --lr "$lr" $(len $t) $SELEVAL
    done ;;
esac
mv -f "$tmp" "$man" || die "cannot write $man"
trap - EXIT
echo "$man"
