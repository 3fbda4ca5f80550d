#!/usr/bin/env bash
# test_manifest.sh - tests of the sweep machinery (scripts/job.sh and
# scripts/manifest.sh; ISSUE 8, docs/sweeps.md).  Installed into $(BIN) by
# ft/ft.mk with the checkout's path filled in.  The jobs are a small fake
# program that writes its result through a temporary and can be told to fail,
# to write nothing, or to block until a file appears (so a run can be killed
# mid-job without any timing assumption: the test waits for the job to say it
# started).  Checks: finished jobs are skipped; a job killed mid-run (SIGKILL
# of everything, and SIGTERM of the runner) is redone cleanly with no stale
# temporaries; truncated, corrupted, unsealed results and changed commands
# are redone; a failing job makes the exit status non-zero; busy jobs; bad
# manifests; the Slurm-array style one-line-per-index execution.
set -u
ROOT=@ROOT@
J=$ROOT/scripts/job.sh
M=$ROOT/scripts/manifest.sh
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "  FAIL: $*" >&2; }
check() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }

T=$(mktemp -d "${TMPDIR:-/tmp}/test_manifest.XXXXXX")
cleanup_pids=()
trap 'for p in "${cleanup_pids[@]}"; do kill -KILL -- -"$p" 2>/dev/null; done; rm -rf -- "$T"' EXIT
cd "$T" || exit 1
mkdir r
cat >fake.sh <<'EOF'
#!/usr/bin/env bash
# fake.sh OUT [ok|slow|fail|noout]: one line in runs.txt per run, result via OUT.tmp.PID
out=$1; mode=${2:-ok}; d=$(dirname "$out")
echo "$(basename "$out")" >>"$d/runs.txt"
# a command may rely on a clean slate: a stale temporary here is an error
for f in "$out".tmp.*; do [ -e "$f" ] && { echo "fake.sh: stale $f" >&2; exit 4; }; done
tmp=$out.tmp.$$
printf 'x,y\n1,2\n' >"$tmp"
if [ "$mode" = slow ] && [ ! -e "$d/go" ]; then
  echo $$ >"$d/started.tmp" && mv "$d/started.tmp" "$d/started"
  while [ ! -e "$d/go" ]; do sleep 0.05; done
fi
case $mode in fail) rm -f "$tmp"; exit 3 ;; noout) rm -f "$tmp"; exit 0 ;; esac
printf '3,4\n' >>"$tmp"
mv "$tmp" "$out"
EOF
chmod +x fake.sh
runs() { grep -c "^$1\$" r/runs.txt 2>/dev/null || true; }
valid() { "$J" --check "$1"; }
no_tmp() { [ -z "$(find r -name '*.tmp.*' -print -quit)" ]; }
wait_for() { # wait_for FILE: up to 60 s for a job to report it started
  for _ in $(seq 1200); do [ -e "$1" ] && return 0; sleep 0.05; done
  return 1
}

# ---- a clean run, then a rerun that skips everything ---------------------
{
  echo "# four jobs"
  for i in 1 2 3 4; do echo "$J r/a$i.csv --est 1 -- ./fake.sh r/a$i.csv"; done
  echo
} >m_ok
out=$("$M" -j2 m_ok 2>&1); rc=$?
check "clean run exits 0 (got $rc: $out)" [ $rc -eq 0 ]
check "quiet without a terminal (got '$out')" [ -z "$out" ]
for i in 1 2 3 4; do check "a$i.csv sealed" valid r/a$i.csv; done
check "each job ran once" [ "$(wc -l <r/runs.txt)" -eq 4 ]
check "result keeps the command's rows" grep -qx '3,4' r/a1.csv
"$M" -j2 m_ok; rc=$?
check "rerun exits 0" [ $rc -eq 0 ]
check "rerun skips finished jobs" [ "$(wc -l <r/runs.txt)" -eq 4 ]
check "status: all done" "$M" --status m_ok >/dev/null

# ---- damaged results are redone, intact ones are not ---------------------
truncate -s -5 r/a2.csv                                    # cut short
printf 'X' | dd of=r/a3.csv bs=1 seek=2 conv=notrunc 2>/dev/null   # one byte changed, same size
sed -i '$d' r/a4.csv                                       # seal removed
check "truncated file is not complete" bash -c "! '$J' --check r/a2.csv"
check "corrupted file is not complete" bash -c "! '$J' --check r/a3.csv"
check "unsealed file is not complete" bash -c "! '$J' --check r/a4.csv"
"$M" -j2 m_ok; rc=$?
check "redo exits 0" [ $rc -eq 0 ]
for i in 2 3 4; do
  check "a$i.csv redone once" [ "$(runs a$i.csv)" -eq 2 ]
  check "a$i.csv sealed again" valid r/a$i.csv
done
check "intact a1.csv not redone" [ "$(runs a1.csv)" -eq 1 ]
# a changed command line is a different job: redone
sed 's|fake.sh r/a1.csv$|fake.sh r/a1.csv ok|' m_ok >m_ok2
"$M" m_ok2; rc=$?
check "changed command redone" [ $rc -eq 0 ] && check "a1 ran twice" [ "$(runs a1.csv)" -eq 2 ]
check "others still skipped" [ "$(runs a2.csv)" -eq 2 ]

# ---- failures give a non-zero status and leave nothing behind ------------
{
  echo "$J r/b1.csv -- ./fake.sh r/b1.csv"
  echo "$J r/bfail.csv -- ./fake.sh r/bfail.csv fail"
  echo "$J r/bnone.csv -- ./fake.sh r/bnone.csv noout"
} >m_fail
err=$("$M" -j2 m_fail 2>&1 >/dev/null); rc=$?
check "a failing job makes the exit status 1 (got $rc)" [ $rc -eq 1 ]
check "the failure names job 2 and its log" grep -q 'job 2 (m_fail:2) failed with exit 3; log' <<<"$err"
check "a job writing no result is a failure" grep -q 'job 3 (m_fail:3) failed with exit 1' <<<"$err"
check "the good job still ran" valid r/b1.csv
check "failed jobs leave no result" [ ! -e r/bfail.csv ] && check "nor a temporary" no_tmp
check "the log holds the job's message" grep -q 'command failed (exit 3)' m_fail.logs/job-2.log

# ---- a hard kill mid-run (SIGKILL of runner and jobs), then a restart -----
rm -f r/go r/started
{
  echo "$J r/s.csv -- ./fake.sh r/s.csv slow"
  echo "$J r/s2.csv -- ./fake.sh r/s2.csv"
} >m_slow
setsid "$M" -j2 m_slow >/dev/null 2>&1 &
rpid=$!
cleanup_pids+=("$rpid")
if wait_for r/started; then
  jpid=$(cat r/started)
  jpg=$(ps -o pgid= -p "$jpid" | tr -d ' ')
  cleanup_pids+=("$jpg")
  kill -KILL -- -"$jpg" 2>/dev/null
  kill -KILL -- -"$rpid" 2>/dev/null
  wait "$rpid" 2>/dev/null
  check "killed job left its temporary (the case to clean up)" [ -n "$(ls r/s.csv.tmp.* 2>/dev/null)" ]
  check "killed job left no result" [ ! -e r/s.csv ]
  touch r/go
  "$M" -j2 m_slow; rc=$?
  check "restart after kill -9 exits 0" [ $rc -eq 0 ]
  check "restarted job sealed" valid r/s.csv
  check "restart removed the stale temporary" no_tmp
  check "the killed job ran again" [ "$(runs s.csv)" -eq 2 ]
else
  bad "the slow job did not start within 60 s"
fi

# ---- SIGTERM to the runner: passed on, jobs clean up, then a restart ------
rm -f r/go r/started
echo "$J r/t.csv -- ./fake.sh r/t.csv slow" >m_term
setsid "$M" -j2 m_term >/dev/null 2>"$T/term.err" &
rpid=$!
cleanup_pids+=("$rpid")
if wait_for r/started; then
  kill -TERM "$rpid"
  wait "$rpid"; rc=$?
  check "runner stopped by SIGTERM exits 143 (got $rc)" [ $rc -eq 143 ]
  check "it says how to continue" grep -q 'rerun to continue' "$T/term.err"
  check "terminated job removed its temporary" no_tmp
  check "terminated job left no result" [ ! -e r/t.csv ]
  check "no process of the sweep is left" bash -c "! kill -0 -- -$rpid 2>/dev/null && ! kill -0 $(cat r/started) 2>/dev/null"
  touch r/go
  "$M" m_term; rc=$?
  check "restart after SIGTERM" [ $rc -eq 0 ] && check "t.csv sealed" valid r/t.csv
else
  bad "the slow job did not start within 60 s"
fi

# ---- a job held by another copy (its lock) is busy: exit 3, then done ------
echo "$J r/busy.csv -- ./fake.sh r/busy.csv" >m_busy
exec 8>>r/busy.csv.lock
if flock -n 8; then
  "$M" m_busy; rc=$?
  check "locked job: exit 3 (got $rc)" [ $rc -eq 3 ]
  check "locked job not run" [ "$(runs busy.csv)" -eq 0 ]
  flock -u 8
  "$M" m_busy; rc=$?
  check "unlocked job done" [ $rc -eq 0 ] && check "busy.csv sealed" valid r/busy.csv
fi
exec 8>&-

# ---- progress: the job count and an ETA come first ---------------------
{ for i in 1 2 3; do echo "$J r/p$i.csv --est 30 -- ./fake.sh r/p$i.csv"; done; } >m_prog
# (the whole output first: a pipe into head would end the runner mid-sweep with
# SIGPIPE and leave a job running into the next check)
"$M" -v -j3 m_prog >"$T/prog.out" 2>&1
first=$(head -n 1 "$T/prog.out")
check "first line gives the count and the ETA (got '$first')" \
  grep -qx 'm_prog: 3 jobs, 0 done, 3 to run, 3 at a time, ETA 30s' <<<"$first"
last=$("$M" -v -j2 m_prog 2>&1 | tail -n 1)
check "a finished manifest reports nothing to run (got '$last')" grep -qx 'm_prog: 3 jobs, 3 done, 0 to run' <<<"$last"

# ---- bad manifests and bad usage: exit 2, one line naming the problem -----
printf '%s\n' "./fake.sh r/x.csv" >m_bad1
printf '%s\n' "$J r/x.csv -- ./fake.sh r/x.csv; rm -rf r" >m_bad2
printf '%s\n' "$J r/x.csv -- ./fake.sh r/x.csv" "$J r/x.csv -- ./fake.sh r/x.csv ok" >m_bad3
for m in m_bad1 m_bad2 m_bad3; do
  err=$("$M" $m 2>&1); rc=$?
  check "$m rejected with exit 2 (got $rc)" [ $rc -eq 2 ]
  check "$m: one line naming the manifest line (got '$err')" [ "$(wc -l <<<"$err")" -eq 1 ] && grep -q "^manifest.sh: $m:[12]: " <<<"$err"
done
check "nothing of a bad manifest ran" [ ! -e r/x.csv ] && [ -d r ]
"$M" -j 0 m_ok 2>/dev/null; check "-j 0 rejected" [ $? -eq 2 ]
"$M" no_such_file 2>/dev/null; check "missing manifest rejected" [ $? -eq 2 ]
"$J" r/y.csv ./fake.sh 2>/dev/null; check "job.sh without -- rejected" [ $? -eq 2 ]
"$J" r/y.csv --est abc -- ./fake.sh r/y.csv 2>/dev/null; check "job.sh bad --est rejected" [ $? -eq 2 ]

# ---- the same manifest, one line per index (a Slurm array), or as a script --
{
  echo "# a manifest is also a shell script"
  for i in 1 2 3; do echo "$J r/q$i.csv -- ./fake.sh r/q$i.csv"; done
} >m_arr
for k in 1 2 3; do line=$("$M" --line $k m_arr) && bash -c "$line"; done
check "array-style execution completes the manifest" "$M" --status m_arr >/dev/null
check "--count counts job lines only" [ "$("$M" --count m_arr)" = 3 ]
check "--line picks job 2" [ "$("$M" --line 2 m_arr)" = "$J r/q2.csv -- ./fake.sh r/q2.csv" ]
"$M" --line 4 m_arr 2>/dev/null; check "--line out of range rejected" [ $? -eq 2 ]
rm -f r/q2.csv
bash m_arr; rc=$?
check "bash MANIFEST (what GNU parallel does line by line) redoes q2 only" \
  [ $rc -eq 0 ] && [ "$(runs q2.csv)" -eq 2 ] && [ "$(runs q1.csv)" -eq 1 ]
if command -v parallel >/dev/null 2>&1; then
  rm -f r/q1.csv r/q3.csv
  parallel -j2 <m_arr >/dev/null 2>&1
  check "GNU parallel runs the manifest unchanged" "$M" --status m_arr >/dev/null
fi

echo "test_manifest: $pass passed, $fail failed"
[ $fail -eq 0 ]
