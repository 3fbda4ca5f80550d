#!/usr/bin/env bash
# job.sh - run one sweep job so that it can be skipped, interrupted and redone
# safely (ISSUE 8 sweeps; docs/sweeps.md).  Every line of a job manifest is
#
#   scripts/job.sh RESULT [--est SECONDS] -- COMMAND [ARG...]
#
# COMMAND must write RESULT (a text file, e.g. an nso_csv result) and nothing
# else that the sweep depends on; its temporaries must be named RESULT.tmp.*
# (the nso_csv convention).  job.sh
#  * skips the job when RESULT is complete: its last line is the seal
#      # job: complete bytes=N sha256=H cmd=C seconds=S host=X
#    and the N bytes before it hash to H, and C is the hash of this COMMAND
#    (a changed command is redone);
#  * otherwise removes RESULT and stale RESULT.tmp.* of an interrupted run,
#    runs COMMAND, and seals RESULT (written to RESULT.tmp.seal.PID, renamed);
#  * holds RESULT.lock (flock) while it works, so a second copy of the same
#    job (another runner on a shared file system) exits 75 instead of racing;
#  * on SIGTERM/SIGINT/SIGHUP stops COMMAND and removes the temporaries.
# A truncated, unsealed or corrupted RESULT is thus never mistaken for a
# finished one, whatever killed the job (kill -9, a node lost, a copy cut
# short while merging results).
#
# Exit: 0 done or skipped; COMMAND's status when it fails (1 if it exits 0
# without writing RESULT); 2 usage; 75 busy (locked by a running copy).
#
#   job.sh --check RESULT   exit 0 if RESULT is complete (seal intact), else 1
#
# With FT_JOB_MODE=probe in the environment, a job line only reports its state
# on stdout and runs nothing: "done SECONDS", "todo EST" (EST: --est or '-'),
# or "busy"; scripts/manifest.sh uses this to count jobs and estimate the ETA.
# Portable: bash, coreutils; flock(1) when present.
set -u
export LC_ALL=C
me=job.sh

usage() {
  echo "$me: usage: job.sh RESULT [--est SECONDS] -- COMMAND [ARG...] | job.sh --check RESULT" >&2
  exit 2
}

# valid FILE [CMDHASH] -> 0 when FILE carries an intact seal (and, given
# CMDHASH, the seal's command hash matches); sets seal_seconds
valid() {
  local f=$1 want=${2:-} last bytes sha cmd size kv
  seal_seconds=-
  [ -f "$f" ] || return 1
  last=$(tail -c 4096 "$f" | tail -n 1)
  case "$last" in "# job: complete "*) ;; *) return 1 ;; esac
  bytes= sha= cmd=
  for kv in ${last#"# job: complete "}; do
    case "$kv" in
      bytes=*) bytes=${kv#bytes=} ;;
      sha256=*) sha=${kv#sha256=} ;;
      cmd=*) cmd=${kv#cmd=} ;;
      seconds=*) seal_seconds=${kv#seconds=} ;;
    esac
  done
  case "$bytes" in '' | *[!0-9]*) return 1 ;; esac
  [ ${#sha} -eq 64 ] || return 1
  size=$(stat -c %s -- "$f") || return 1
  [ "$size" -eq $((bytes + ${#last} + 1)) ] || return 1   # also: ends with a newline
  [ "$(head -c "$bytes" -- "$f" | sha256sum | cut -c1-64)" = "$sha" ] || return 1
  [ -z "$want" ] || [ "$cmd" = "$want" ] || return 1
  return 0
}

if [ "${1:-}" = "--check" ]; then
  [ $# -eq 2 ] || usage
  valid "$2"
  exit $?
fi

[ $# -ge 3 ] || usage
result=$1
shift
est=-
if [ "$1" = "--est" ]; then
  [ $# -ge 2 ] || usage
  est=$2
  case "$est" in '' | *[!0-9.]*) echo "$me: --est: expected seconds, got '$est'" >&2; exit 2 ;; esac
  shift 2
fi
[ "${1:-}" = "--" ] || usage
shift
[ $# -ge 1 ] || usage
case "$result" in '' | -*) echo "$me: RESULT: expected a path, got '$result'" >&2; exit 2 ;; esac
dir=$(dirname -- "$result")
[ -d "$dir" ] || mkdir -p -- "$dir" || { echo "$me: $result: cannot create directory $dir" >&2; exit 2; }

# the command's identity: its argument vector, NUL-separated
cmdhash=$(printf '%s\0' "$@" | sha256sum | cut -c1-16)
lock=$result.lock
have_flock=0
command -v flock >/dev/null 2>&1 && have_flock=1

if [ "${FT_JOB_MODE:-}" = probe ]; then
  if [ $have_flock = 1 ] && [ -e "$lock" ] && ! flock -n "$lock" true 2>/dev/null; then
    echo busy
  elif valid "$result" "$cmdhash"; then
    echo "done $seal_seconds"
  else
    echo "todo $est"
  fi
  exit 0
fi

if [ $have_flock = 1 ]; then
  exec 9>>"$lock" || { echo "$me: $lock: cannot open" >&2; exit 2; }
  flock -n 9 || { echo "$me: $result: busy (another copy of this job holds $lock)" >&2; exit 75; }
fi

if valid "$result" "$cmdhash"; then
  [ -n "${FT_JOB_VERBOSE:-}" ] && echo "$me: $result: complete, skipped" >&2
  exit 0
fi

child=
cleanup() {
  rm -f -- "$result".tmp.* 2>/dev/null
}
on_signal() {
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child" 2>/dev/null
  rm -f -- "$result" 2>/dev/null   # may be a partial, unsealed result
  cleanup
  exit "$1"
}
trap 'on_signal 143' TERM
trap 'on_signal 130' INT
trap 'on_signal 129' HUP

rm -f -- "$result"   # present but not complete: truncated, unsealed or another command's
cleanup              # temporaries of an interrupted earlier run

t0=${EPOCHREALTIME/./}
"$@" </dev/null &
child=$!
wait "$child"
rc=$?
child=
t1=${EPOCHREALTIME/./}
secs=$(( (t1 - t0) / 1000 ))
secs=$(printf '%d.%03d' $((secs / 1000)) $((secs % 1000)))

if [ $rc -ne 0 ]; then
  echo "$me: $result: command failed (exit $rc): $*" >&2
  rm -f -- "$result"
  cleanup
  exit $rc
fi
if [ ! -f "$result" ] || [ ! -s "$result" ]; then
  echo "$me: $result: the command exited 0 but wrote no result file: $*" >&2
  rm -f -- "$result"
  cleanup
  exit 1
fi

# seal: content (newline-terminated) + one line describing it, renamed into place
seal=$result.tmp.seal.$$
{
  cat -- "$result"
  [ "$(tail -c 1 -- "$result" | od -An -c | tr -d ' ')" = '\n' ] || printf '\n'
} >"$seal" || { echo "$me: $seal: cannot write" >&2; cleanup; exit 1; }
bytes=$(stat -c %s -- "$seal")
sha=$(sha256sum <"$seal" | cut -c1-64)
host=$(hostname 2>/dev/null || echo unknown)
printf '# job: complete bytes=%s sha256=%s cmd=%s seconds=%s host=%s\n' \
  "$bytes" "$sha" "$cmdhash" "$secs" "${host%% *}" >>"$seal" &&
  mv -f -- "$seal" "$result" || { echo "$me: $result: cannot seal" >&2; rm -f -- "$result"; cleanup; exit 1; }
cleanup
[ $have_flock = 1 ] && rm -f -- "$lock"   # the result is complete: a racing copy will skip it
exit 0
