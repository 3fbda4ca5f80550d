#!/usr/bin/env bash
# sensing_manifest.sh PROFILE EXPERIMENT OUT - write the job manifest of one of
# issue 10's Fig. 3 supplements (docs/sweeps.md: one scripts/job.sh line per
# job) to OUT/sensing_EXPERIMENT/manifest.txt and print its path.
#
#   mech  the mechanism experiment: at sigma 0.016 (the value both perturbed
#         methods choose on the paper's grid, in both profiles), GD, WP-GD
#         averaging k = 1, 4, 16 one-point draws per step, NSO, and NSO plus
#         isotropic noise of 1, 1/4, 1/16 times the variance of WP-GD's extra
#         noise; one job per seed (all runs in lock-step, one checkpoint).
#   long  the long horizon: WP-GD and NSO, each at the sigma chosen on the
#         paper's grid (OUT/sensing/fig3_summary.csv) and on the extended grid
#         (OUT/sensing_ext/fig3_summary.csv), run to 10x the profile's steps
#         or until the best validation error improves by less than 1% over
#         one paper budget (sensing_fig3 --plateau); one job per (grid,
#         method, seed), results in OUT/sensing_long/<paper|ext>_<method>/.
#
# Each job's RESULT is the run list sensing_fig3 --done writes once all its
# runs are committed; sensing_fig3 itself skips finished runs and resumes an
# interrupted job from its checkpoint.  The sizes are Fig. 3's (sim/sensing.mk):
#   quick  d = 40, r = 2, 4,000 steps; mech seeds 1-3, long seeds 1-2
#   full   d = 100, r = 5, 10,000 steps; mech seeds 1-3, long seeds 1-2
# --est (seconds, one core): measured on this machine (full: 0.1 s per
# mechanism step, 8.5 ms per WP-GD and 12 ms per NSO step of the long runs,
# whose estimate assumes no plateau; totals in sim/sensing.mk).
# The long runs log every STEPS/100 steps, measure the Hessian (and check the
# plateau rule) every STEPS/10 and checkpoint every STEPS/2.
# Environment: SENS_BIN (default build/bin); for tests, SENS_SIZE (e.g. "--d 8
# --r 2") and SENS_STEPS (the paper budget; a multiple of 100) replace the
# profile's sizes.  Run from the checkout's root.
# Exit 2 on bad usage or when a long manifest's sigma choice is missing.
set -u
export LC_ALL=C
me=sensing_manifest.sh
die() { echo "$me: $*" >&2; exit 2; }
[ $# -eq 3 ] || die "usage: sensing_manifest.sh quick|full mech|long OUT"
profile=$1 exp=$2 out=$3
case "$profile" in quick | full) ;; *) die "PROFILE: expected quick or full, got '$profile'" ;; esac
case "$exp" in mech | long) ;; *) die "EXPERIMENT: expected mech or long, got '$exp'" ;; esac
case "$out" in '' | -* | *' '*) die "OUT: expected a path without spaces, got '$out'" ;; esac
BIN=${SENS_BIN:-build/bin}
JOB=scripts/job.sh
ENV="env OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1"
if [ "$profile" = full ]; then
  SIZE="--d 100 --r 5" STEPS=10000
  MECH_EST=1100 WP_EST=900 NSO_EST=1300
else
  SIZE="--d 40 --r 2" STEPS=4000
  MECH_EST=40 WP_EST=20 NSO_EST=30
fi
dir=$out/sensing_$exp
SIZE=${SENS_SIZE:-$SIZE} STEPS=${SENS_STEPS:-$STEPS}
case "$STEPS" in '' | *[!0-9]*) die "SENS_STEPS: expected a multiple of 100, got '$STEPS'" ;; esac
[ $((STEPS % 100)) -eq 0 ] && [ "$STEPS" -gt 0 ] || die "SENS_STEPS: expected a multiple of 100, got '$STEPS'"
mkdir -p "$dir" || die "OUT: cannot create $dir"
man=$dir/manifest.txt
tmp=$man.tmp.$$
trap 'rm -f "$tmp"' EXIT

{
  echo "# $me $profile $exp $out (written $(date -u +%Y-%m-%dT%H:%MZ)); run: scripts/manifest.sh -j 2 $man"
  if [ "$exp" = mech ]; then
    for s in 1 2 3; do
      res=$dir/seed$s.done
      echo "$JOB $res --est $MECH_EST -- $ENV $BIN/sensing_fig3 $SIZE --steps $STEPS --methods gd,wpgd,nso --sigmas 0.016 --wpgd-k 1,4,16 --nso-iso 0,1,0.25,0.0625 --seed $s --outdir $dir --done $res"
    done
  else
    # the sigma sensing_report chose per method (column 2 of the rows wpgd / nso)
    sigma() { # FILE METHOD
      [ -s "$1" ] || die "$1 is missing: run the Fig. 3 sweep first (make sensing PROFILE=$profile)"
      local v
      v=$(awk -F, -v m="$2" '!/^#/ && $1 == m { print $2 }' "$1")
      case "$v" in '' | *[!0-9.e-]*) die "$1: no sigma for $2 (got '$v')" ;; esac
      echo "$v"
    }
    LONG="--steps $((10 * STEPS)) --log-every $((STEPS / 100)) --hess-every $((STEPS / 10)) --plateau $STEPS --plateau-tol 0.01 --ckpt-every $((STEPS / 2))"
    for grid in paper ext; do
      [ $grid = paper ] && sum=$out/sensing/fig3_summary.csv || sum=$out/sensing_ext/fig3_summary.csv
      for meth in wpgd nso; do
        sg=$(sigma "$sum" $meth) || exit 2
        [ $meth = wpgd ] && est=$WP_EST || est=$NSO_EST
        for s in 1 2; do
          res=$dir/${grid}_$meth/seed$s.done
          echo "$JOB $res --est $est -- $ENV $BIN/sensing_fig3 $SIZE $LONG --methods $meth --sigmas $sg --seed $s --outdir $dir/${grid}_$meth --done $res"
        done
      done
    done
  fi
} >"$tmp" || die "cannot write $man"
mv -f "$tmp" "$man" || die "cannot write $man"
echo "$man"
