#!/usr/bin/env bash
# ft_cost.sh PROFILE OUTDIR [WALL_SECONDS] - print the fine-tuning sweep's
# cost fragment (OUTDIR-report/cost.md) from the job seals under OUTDIR: the
# number of sealed jobs and the sum of their recorded wall seconds; WALL, when
# given, is the wall time of the ft_sweep.sh call that just ran.  One
# implementation for ft_sweep.sh and for a sweep finished over several sittings.
set -u
[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: ft_cost.sh PROFILE OUTDIR [WALL_SECONDS]" >&2; exit 2; }
profile=$1 out=$2 wall=${3:-}
[ -d "$out" ] || { echo "ft_cost.sh: OUTDIR '$out' is not a directory" >&2; exit 2; }
secs=$(find "$out" -name '*.csv' -exec tail -n 1 {} + 2>/dev/null | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' |
  awk '{s += $1; n++} END {printf "%d jobs, %.0f s", n, s}')
hours=$(echo "$secs" | awk '{printf "%.1f", $3 / 7200}')
echo "<!-- ft_cost.sh: cost of the $profile profile, from the job seals under $out -->"
printf 'Cost of the %s profile on this machine (%s cores, 2 jobs at a time, 1 thread per job): %s of job wall time in all (the sum of the seconds recorded in the job seals), i.e. about %s h of wall time at 2 jobs at a time; seconds measured while other work shared the machine are upper bounds' \
  "$profile" "$(nproc)" "$secs" "$hours"
[ -n "$wall" ] && printf '; the last `ft_sweep.sh` call took %s s of wall time (jobs already complete are skipped, so a resumed sweep takes less)' "$wall"
printf '; load average when written: %s.\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
