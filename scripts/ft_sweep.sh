#!/usr/bin/env bash
# ft_sweep.sh PROFILE [OUTDIR [LEDGER]] - run the fine-tuning sweep (ISSUE 8;
# docs/finetune_plan.md) phase by phase: for phase 0..3 write the manifest
# (scripts/ft_manifest.sh, which reads the sealed results of the earlier
# phases) and run it with scripts/manifest.sh -j JOBS (default 2; finished jobs
# are skipped, so an interrupted sweep continues where it stopped), then
# aggregate with ft_report into OUTDIR-report/ (tables, figure data) and the
# ledger.  Defaults: OUTDIR out/quick/ft (quick) or data/ft (full), LEDGER
# out/quick/claims.tsv or data/claims.tsv.  Prints each phase's job count and
# ETA, and progress (manifest.sh -v).  Run from the checkout's root.
# Environment: as ft_manifest.sh (FT_RUN, FT_REPORT, FT_CACHE), JOBS.
set -u
me=ft_sweep.sh
die() { echo "$me: $*" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 3 ] || die "usage: ft_sweep.sh quick|full [OUTDIR [LEDGER]]"
profile=$1
case "$profile" in
  quick) out=${2:-out/quick/ft} ledger=${3:-out/quick/claims.tsv} ;;
  full) out=${2:-data/ft} ledger=${3:-data/claims.tsv} ;;
  *) die "PROFILE: expected quick or full, got '$profile'" ;;
esac
REP=${FT_REPORT:-build/bin/ft_report}
jobs=${JOBS:-2}
t0=$SECONDS
for phase in 0 1 2 3; do
  man=$(bash scripts/ft_manifest.sh "$profile" $phase "$out") || die "phase $phase: the manifest could not be written"
  echo "$me: phase $phase: $(bash scripts/manifest.sh --count "$man") jobs ($man)" >&2
  bash scripts/manifest.sh -j "$jobs" -v "$man" || die "phase $phase: some jobs failed (logs: $man.logs/); rerun to continue"
done
mkdir -p "$(dirname "$ledger")"
"$REP" --indir "$out" --outdir "$out-report" --ledger "$ledger" --profile "$profile" \
  --command "make finetune PROFILE=$profile" || die "ft_report failed"
# the cost, from the job seals (each job's wall seconds) and this sweep's wall time
bash scripts/ft_cost.sh "$profile" "$out" $((SECONDS - t0)) >"$out-report/cost.md.tmp" &&
  mv "$out-report/cost.md.tmp" "$out-report/cost.md"
echo "$me: $profile profile done in $((SECONDS - t0)) s (wall): tables in $out-report/, ledger $ledger" >&2
