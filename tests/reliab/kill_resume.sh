#!/bin/bash
# kill_resume.sh - issue 11, class 4: a small `make sensing` (Fig. 3 jobs with
# checkpoints, the report, Prop. 2.3, the extended grid, their ledger rows)
# is stopped at random moments by SIGTERM, SIGINT or SIGKILL, then run again
# to completion; every output and the ledger must then equal, byte for byte,
# those of an uninterrupted run, and SIGTERM / SIGINT must leave no
# temporary file (*.tmp.<pid>) behind.  Installed by tests/reliab.mk with
# @ROOT@ / @BUILD@ baked in; exit 1 on any difference.
#   usage: test_reliab_kill [TRIALS]     (default 6; NSO_KILL_SEED fixes the moments)
set -u
unset MAKEFLAGS MFLAGS MAKELEVEL   # a make of its own, not a part of the calling make
ROOT=@ROOT@
BUILD=@BUILD@
TRIALS=${1:-6}
RANDOM=${NSO_KILL_SEED:-$$}
T=$(mktemp -d /tmp/nso_kill_XXXXXX)
trap 'rm -rf "$T"' EXIT
BIN=$BUILD/bin
# the sensing make rules at a tiny size; the binaries are never remade here
MK=(make -s -j1 -C "$ROOT" BUILD="$BUILD" OUT="$T/out" PROFILE=quick
    -o "$BIN/sensing_fig3" -o "$BIN/sensing_report" -o "$BIN/sensing_prop23"
    FIG3_SEEDS="1 2" EXT_SEEDS="1" EXT_SIGMAS="0.016,0.024"
    FIG3_ARGS="--d 10 --r 2 --steps 1500 --ckpt-every 50 --log-every 25 --hess-every 250 --lanczos 3"
    PROP23_ARGS="--d 8 --r 2 --ms 60,80 --steps 1500 --reps 8 --conc-ms 40,80" sensing)
fail=0

start=$(date +%s%N)
if ! "${MK[@]}" >"$T/ref.log" 2>&1; then echo "kill_resume: the uninterrupted run failed:"; cat "$T/ref.log"; exit 1; fi
dur=$(( ($(date +%s%N) - start) / 1000000 ))   # ms
mv "$T/out" "$T/ref"
echo "kill_resume: uninterrupted run ${dur} ms; $TRIALS interrupted runs"

sigs=(TERM INT KILL)
for i in $(seq 1 "$TRIALS"); do
    sig=${sigs[$(( (i - 1) % 3 ))]}
    at=$(( RANDOM % (dur > 1 ? dur : 1) ))
    rm -rf "$T/out"
    setsid env --default-signal=INT "${MK[@]}" >"$T/run.log" 2>&1 &  # SIGINT may be ignored on entry (nohup, background)
    pid=$!
    sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
    kill -"$sig" -- -"$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    sleep 0.1
    left=$(find "$T/out" -name '*.tmp.*' 2>/dev/null | wc -l)
    if [ "$sig" != KILL ] && [ "$left" -ne 0 ]; then
        echo "kill_resume: FAIL trial $i (SIG$sig at ${at} ms): temporaries left:"; find "$T/out" -name '*.tmp.*'
        fail=1
    fi
    find "$T/out" -name '*.tmp.*' -delete 2>/dev/null   # SIGKILL cannot clean up; the rerun ignores them
    if ! "${MK[@]}" >"$T/rerun.log" 2>&1; then
        echo "kill_resume: FAIL trial $i (SIG$sig at ${at} ms): the rerun failed:"; cat "$T/rerun.log"; fail=1; continue
    fi
    if ! diff -r "$T/ref" "$T/out" >"$T/diff.txt" 2>&1; then
        echo "kill_resume: FAIL trial $i (SIG$sig at ${at} ms): outputs differ from the uninterrupted run:"
        head -20 "$T/diff.txt"; fail=1
    else
        echo "kill_resume: trial $i: SIG$sig at ${at} ms, rerun identical ($left temporaries after SIGKILL)"
    fi
done
# deterministic crashes inside the commits (lib/io.c: NSO_FAULT_COMMIT=N
# SIGKILLs every program at its N-th commit, after writing, before renaming):
# sensing_fig3 then dies with some runs' files written, the rest only in its
# checkpoint, and the rerun must write exactly the missing ones
for n in 1 2 7 14 25; do
    rm -rf "$T/out"
    NSO_FAULT_COMMIT=$n "${MK[@]}" >"$T/run.log" 2>&1
    find "$T/out" -name '*.tmp.*' -delete 2>/dev/null
    if ! "${MK[@]}" >"$T/rerun.log" 2>&1; then
        echo "kill_resume: FAIL crash at commit $n: the rerun failed:"; cat "$T/rerun.log"; fail=1; continue
    fi
    if ! diff -r "$T/ref" "$T/out" >"$T/diff.txt" 2>&1; then
        echo "kill_resume: FAIL crash at commit $n: outputs differ from the uninterrupted run:"; head -20 "$T/diff.txt"; fail=1
    else
        echo "kill_resume: crash at commit $n of every program: rerun identical"
    fi
done
[ $fail -eq 0 ] && echo "kill_resume: every interrupted run ended identical to the uninterrupted one"
exit $fail
