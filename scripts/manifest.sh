#!/usr/bin/env bash
# manifest.sh - run a sweep manifest here, N jobs at a time (ISSUE 8;
# docs/sweeps.md).  A manifest is a text file with one job per line, each line
# a complete shell command of the form
#
#   scripts/job.sh RESULT [--est SECONDS] -- COMMAND [ARG...]
#
# (blank lines and lines starting with '#' are ignored).  scripts/job.sh makes
# each job skip itself when its RESULT is complete, clean up after an
# interrupted run and seal its result; this runner only schedules:
#
#   manifest.sh [-j N] [-v|-q] [--logdir DIR] MANIFEST   run the jobs not yet complete
#   manifest.sh --status MANIFEST                       count done / to do / busy jobs
#   manifest.sh --line K MANIFEST                       print job K (1-based; Slurm arrays)
#   manifest.sh --count MANIFEST                        print the number of jobs
#
# It checks every line first (exit 2 naming the line), prints the job count
# and an ETA, runs the jobs still to do with xargs -P N (each job's output to
# LOGDIR/job-K.log, default MANIFEST.logs/), and prints progress as jobs end:
# on a terminal by default (-v forces it, -q silences it).  Jobs are
# independent, so a failed job does not stop the others (make -k).
#
# ETA: the seconds recorded in the seals of jobs already done, or the jobs'
# --est hints, scaled by the speed measured on the jobs finished in this run.
#
# Exit: 0 every job complete; 1 some job failed (their logs are named);
# 2 bad usage or manifest; 3 no failure but some jobs are running elsewhere
# (busy); 130/143 interrupted (INT/TERM are passed on to the running jobs,
# which remove their temporaries; rerun to continue).
set -u
export LC_ALL=C
me=manifest.sh
die() { echo "$me: $*" >&2; exit 2; }

jobs_n=${JOBS:-2}
mode=run
verbose=auto
logdir=
lineno=
while [ $# -gt 0 ]; do
  case "$1" in
    -j) [ $# -ge 2 ] || die "-j: expected a number of parallel jobs"; jobs_n=$2; shift 2 ;;
    -j*) jobs_n=${1#-j}; shift ;;
    -v) verbose=1; shift ;;
    -q) verbose=0; shift ;;
    --logdir) [ $# -ge 2 ] || die "--logdir: expected a directory"; logdir=$2; shift 2 ;;
    --status) mode=status; shift ;;
    --count) mode=count; shift ;;
    --line) [ $# -ge 2 ] || die "--line: expected a job number"; mode=line; lineno=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || die "expected one MANIFEST file (see --help)"
manifest=$1
[ -r "$manifest" ] && [ -f "$manifest" ] || die "$manifest: cannot read the manifest"
case "$jobs_n" in '' | *[!0-9]* | 0) die "-j: expected a positive integer, got '$jobs_n'" ;; esac
[ "$verbose" = auto ] && { [ -t 2 ] && verbose=1 || verbose=0; }

# ---- read and check the job lines -----------------------------------
lines=()   # the job lines, in order (job k is lines[k-1])
where=()   # manifest line numbers, for messages
results=()
declare -A seen=()
n=0
while IFS= read -r line || [ -n "$line" ]; do
  n=$((n + 1))
  trimmed=${line#"${line%%[![:space:]]*}"}
  case "$trimmed" in '' | '#'*) continue ;; esac
  case "$trimmed" in
    *';'* | *'&'* | *'|'* | *'<'* | *'>'* | *'`'* | *'$('*)
      die "$manifest:$n: a job line is one job.sh command (no ; & | < > \` \$( ), got: $trimmed" ;;
  esac
  read -r w1 w2 _ <<<"$trimmed"
  case "$w1" in job.sh | */job.sh) ;; *) die "$manifest:$n: a job line starts with scripts/job.sh RESULT, got '$w1'" ;; esac
  case "$w2" in '' | -* | *\"* | *\'* | *\\*) die "$manifest:$n: expected a plain RESULT path after $w1, got '$w2'" ;; esac
  [ -z "${seen[$w2]:-}" ] || die "$manifest:$n: result $w2 is also written by line ${seen[$w2]}"
  seen[$w2]=$n
  lines+=("$trimmed")
  where+=("$n")
  results+=("$w2")
done <"$manifest"
total=${#lines[@]}

if [ $mode = count ]; then
  echo "$total"
  exit 0
fi
if [ $mode = line ]; then
  case "$lineno" in '' | *[!0-9]*) die "--line: expected a job number in [1, $total], got '$lineno'" ;; esac
  [ "$lineno" -ge 1 ] && [ "$lineno" -le "$total" ] || die "--line: expected a job number in [1, $total], got '$lineno'"
  printf '%s\n' "${lines[$((lineno - 1))]}"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/manifest.XXXXXX") || die "cannot create a temporary directory"
xpid=
finish() { rm -rf -- "$work"; }
trap finish EXIT

# ---- probe: which jobs are done (each line run with FT_JOB_MODE=probe) ----
{
  for ((k = 0; k < total; k++)); do
    printf 'printf "%%d " %d; %s || echo error\n' "$k" "${lines[$k]}"
  done
} >"$work/probe.sh"
FT_JOB_MODE=probe bash "$work/probe.sh" </dev/null >"$work/probe.out" 2>"$work/probe.err"
state=()
est=()
ndone=0 nbusy=0 done_secs=0
while read -r k st val; do
  state[$k]=$st
  est[$k]=${val:--}
  case "$st" in
    done) ndone=$((ndone + 1)); [ "$val" != - ] && done_secs=$(awk -v a="$done_secs" -v b="$val" 'BEGIN{print a+b}') ;;
    busy) nbusy=$((nbusy + 1)) ;;
    todo) ;;
    *) die "$manifest:${where[$k]}: the job line does not run: $(head -n 1 "$work/probe.err")" ;;
  esac
done <"$work/probe.out"
[ ${#state[@]} -eq "$total" ] || die "$manifest: probing the jobs failed: $(head -n 1 "$work/probe.err")"
todo=()
for ((k = 0; k < total; k++)); do [ "${state[$k]}" = todo ] && todo+=("$k"); done
ntodo=${#todo[@]}

if [ $mode = status ]; then
  echo "$manifest: $total jobs: $ndone done, $ntodo to do, $nbusy busy"
  [ $ntodo -eq 0 ] && [ $nbusy -eq 0 ] && exit 0
  exit 1
fi

fmt_time() { # seconds -> "1h02m", "3m05s", "12s"
  awk -v s="$1" 'BEGIN{s=int(s+0.5); if (s>=3600) printf "%dh%02dm", s/3600, (s%3600)/60;
    else if (s>=60) printf "%dm%02ds", s/60, s%60; else printf "%ds", s}'
}

# per-job estimate of the jobs to do: its --est, else the mean time of the
# jobs already done, else the mean of the other jobs' --est hints
mean_done=-
[ $ndone -gt 0 ] && [ "$done_secs" != 0 ] && mean_done=$(awk -v a="$done_secs" -v n=$ndone 'BEGIN{print a/n}')
hint_sum=0 nhint=0
for k in "${todo[@]}"; do
  [ "${est[$k]}" = - ] && continue
  hint_sum=$(awk -v a="$hint_sum" -v b="${est[$k]}" 'BEGIN{print a+b}')
  nhint=$((nhint + 1))
done
[ "$mean_done" = - ] && [ $nhint -gt 0 ] && mean_done=$(awk -v a="$hint_sum" -v n=$nhint 'BEGIN{print a/n}')
est_sum=0 est_known=1
for k in "${todo[@]}"; do
  e=${est[$k]}
  [ "$e" = - ] && e=$mean_done
  [ "$e" = - ] && { est_known=0; break; }
  est[$k]=$e
  est_sum=$(awk -v a="$est_sum" -v b="$e" 'BEGIN{print a+b}')
done
par=$jobs_n
[ $ntodo -lt $par ] && par=$ntodo
if [ $verbose = 1 ]; then
  msg="$manifest: $total jobs, $ndone done, $ntodo to run"
  [ $nbusy -gt 0 ] && msg="$msg, $nbusy running elsewhere"
  if [ $ntodo -eq 0 ]; then
    :
  elif [ $est_known = 1 ]; then
    msg="$msg, $jobs_n at a time, ETA $(fmt_time "$(awk -v s="$est_sum" -v p=$par 'BEGIN{print s/p}')")"
  else
    msg="$msg, $jobs_n at a time, ETA unknown until a job finishes"
  fi
  echo "$msg" >&2
fi
if [ $ntodo -eq 0 ]; then
  [ $nbusy -gt 0 ] && exit 3
  exit 0
fi

# ---- run ---------------------------------------------------------------
[ -n "$logdir" ] || logdir=$manifest.logs
mkdir -p -- "$logdir" || die "--logdir: cannot create '$logdir'"
for k in "${todo[@]}"; do printf '%s\n' "${lines[$k]}" >"$work/$k.sh"; done
# one worker per job: run the line, report "k status milliseconds" on stdout
worker='k=$1; t0=${EPOCHREALTIME/./}; bash "$2/$k.sh" >"$3/job-$(($k + 1)).log" 2>&1 </dev/null; rc=$?;
        t1=${EPOCHREALTIME/./}; printf "%d %d %d\n" "$k" "$rc" $(( (t1 - t0) / 1000 ))'
mkfifo "$work/events" || die "cannot create a FIFO in $work"
# the jobs run in their own process group (setsid), so a signal to this runner
# can be passed on to all of them and to nothing else
printf '%s\n' "${todo[@]}" |
  setsid xargs -P "$jobs_n" -I{} bash -c "$worker" _ {} "$work" "$logdir" >"$work/events" &
xpid=$!
interrupted=0
on_signal() {
  interrupted=$1
  [ -n "$xpid" ] && kill -TERM -- -"$xpid" 2>/dev/null
}
trap 'on_signal 143' TERM
trap 'on_signal 130' INT
trap 'on_signal 129' HUP

t_start=${EPOCHREALTIME/./}
nfin=0 nfail=0 nbusy2=0 act_ms=0 est_fin=0
failed=()
while :; do
  if ! read -r k rc ms; then
    [ $interrupted -ne 0 ] && break
    [ -z "$k" ] && break
  fi
  [ -n "${k:-}" ] || continue
  nfin=$((nfin + 1))
  act_ms=$((act_ms + ms))
  [ $est_known = 1 ] && est_fin=$(awk -v a="$est_fin" -v b="${est[$k]}" 'BEGIN{print a+b}')
  case $rc in
    0) ;;
    75) nbusy2=$((nbusy2 + 1)) ;;
    *) nfail=$((nfail + 1)); failed+=("$k:$rc") ;;
  esac
  if [ $verbose = 1 ]; then
    left=$((ntodo - nfin))
    if [ $est_known = 1 ] && [ "$est_fin" != 0 ]; then   # remaining estimate x measured speed
      eta=$(awk -v tot="$est_sum" -v fin="$est_fin" -v act="$act_ms" -v p=$par \
        'BEGIN{print (tot-fin)*(act/1000/fin)/p}')
    else
      eta=$(awk -v act="$act_ms" -v n=$nfin -v l=$left -v p=$par 'BEGIN{print act/1000/n*l/p}')
    fi
    el=$(( (${EPOCHREALTIME/./} - t_start) / 1000000 ))
    line="[$((ndone + nfin))/$total] $nfin of $ntodo run here, $nfail failed, elapsed $(fmt_time $el)"
    [ $left -gt 0 ] && line="$line, ETA $(fmt_time "$eta")"
    [ "$rc" != 0 ] && [ "$rc" != 75 ] && line="$line; job $((k + 1)) FAILED (exit $rc)"
    if [ -t 2 ]; then printf '\r\033[K%s' "$line" >&2; [ "$rc" != 0 ] && printf '\n' >&2
    else echo "$line" >&2; fi
  fi
  k=
done <"$work/events"
wait "$xpid" 2>/dev/null
# after a signal, let the jobs finish removing their temporaries (at most 30 s)
if [ $interrupted -ne 0 ]; then
  for ((q = 0; q < 600; q++)); do kill -0 -- -"$xpid" 2>/dev/null || break; sleep 0.05; done
fi
[ $verbose = 1 ] && [ -t 2 ] && printf '\n' >&2
if [ $interrupted -ne 0 ]; then
  echo "$me: interrupted after $nfin of $ntodo jobs; rerun to continue (finished results are kept)" >&2
  exit $interrupted
fi
for f in "${failed[@]}"; do
  k=${f%%:*}
  echo "$me: job $((k + 1)) ($manifest:${where[$k]}) failed with exit ${f#*:}; log $logdir/job-$((k + 1)).log" >&2
done
if [ $nfin -lt $ntodo ]; then
  echo "$me: only $nfin of $ntodo jobs reported back" >&2
  exit 1
fi
[ $nfail -gt 0 ] && exit 1
[ $((nbusy + nbusy2)) -gt 0 ] && { [ $verbose = 1 ] && echo "$me: $((nbusy + nbusy2)) jobs are running elsewhere" >&2; exit 3; }
exit 0
