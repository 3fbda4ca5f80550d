#!/usr/bin/env bash
# bench_doc.sh [--check] DOC [TSV] - documentation takes its performance figures
# from the bench table (data/bench.tsv), never from memory.
#
# A figure in DOC is written as (METRIC: a row name of TSV, lower case)
#     <!-- bench:METRIC -->VALUE<!-- /bench -->
# (the markers are invisible in rendered Markdown).  Without --check, every
# VALUE is replaced by METRIC's value in TSV and DOC is rewritten (atomically,
# only when something changed); `make nn-bench` (hence `make bench`) runs it on
# docs/nn.md after the benchmark.  With --check nothing is written; the exit
# status is 1, with one line per problem naming DOC and the line, when
#   - a METRIC is not a row of TSV, or its VALUE is not TSV's value;
#   - DOC quotes a speed or time figure outside the markers (a number followed
#     by images/s, img/s, examples/s, steps/s, tokens/s, GFLOP/s, ms, s,
#     seconds, min or minutes) that is not a value of TSV (to the figure's
#     printed precision).
# tests/hess/doc_bench.sh runs the check on docs/nn.md (in `make test`).
set -euo pipefail
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
doc=${1:?usage: bench_doc.sh [--check] DOC [TSV]}
tsv=${2:-data/bench.tsv}
[ -r "$doc" ] || { echo "bench_doc: cannot read '$doc'" >&2; exit 2; }
[ -r "$tsv" ] || { echo "bench_doc: cannot read '$tsv' (run make bench)" >&2; exit 2; }
tmp="$doc.tmp.$$"
trap 'rm -f "$tmp"' EXIT
set +e
awk -F'\t' -v check="$check" -v doc="$doc" -v tsv="$tsv" '
function fail(msg) { print "bench_doc: " doc ":" FNR ": " msg > "/dev/stderr"; bad = 1 }
# is x (a figure as printed, commas allowed) a value of the table, to its precision?
function known(x,    y, d, k, tol) {
    y = x; gsub(/,/, "", y)
    d = index(y, ".") ? length(y) - index(y, ".") : 0
    tol = 0.5; for (k = 0; k < d; k++) tol /= 10
    for (k = 1; k <= nv; k++) if (vals[k] - y <= tol * 1.000001 && y - vals[k] <= tol * 1.000001) return 1
    return 0
}
FNR == NR {
    if ($0 ~ /^#/ || $1 == "metric" || NF < 2) next
    val[$1] = $2; vals[++nv] = $2 + 0
    next
}
{
    line = $0; out = ""; rest = ""
    while (match(line, /<!-- bench:[a-z][a-z0-9_.]* -->[^<]*<!-- \/bench -->/)) {
        span = substr(line, RSTART, RLENGTH)
        pre = substr(line, 1, RSTART - 1); line = substr(line, RSTART + RLENGTH)
        metric = span; sub(/^<!-- bench:/, "", metric); sub(/ -->.*/, "", metric)
        cur = span; sub(/^<!-- bench:[^ ]+ -->/, "", cur); sub(/<!-- \/bench -->$/, "", cur)
        if (!(metric in val)) { fail("metric " metric " is not a row of " tsv); new = cur }
        else {
            new = val[metric]
            if (check && cur != new) fail("<!-- bench:" metric " --> says " cur ", " tsv " has " new " (run scripts/bench_doc.sh " doc ")")
        }
        out = out pre "<!-- bench:" metric " -->" new "<!-- /bench -->"; rest = rest pre " "
    }
    out = out line; rest = rest line
    # speed and time figures outside the markers (--check)
    while (check && match(rest, /[0-9][0-9,]*(\.[0-9]+)? ?(images\/s|img\/s|examples\/s|steps\/s|tokens\/s|GFLOP\/s|ms|s|seconds|min|minutes)([^A-Za-z0-9_\/]|$)/)) {
        fig = substr(rest, RSTART, RLENGTH)
        before = RSTART > 1 ? substr(rest, RSTART - 1, 1) : " "
        rest = substr(rest, RSTART + RLENGTH)
        if (before ~ /[A-Za-z0-9_.\/-]/) continue  # part of a name or another number
        sub(/[^A-Za-z\/]$/, "", fig)
        num = fig; sub(/[^0-9,.].*$/, "", num)
        if (!known(num)) fail("\"" fig "\" is not a value of " tsv " (figures come from the bench table: <!-- bench:METRIC -->VALUE<!-- /bench -->)")
    }
    print out
}
END { exit bad }' "$tsv" "$doc" > "$tmp"
rc=$?
set -e
if [ $check = 1 ]; then exit $rc; fi
[ $rc = 0 ] || exit $rc
if ! cmp -s "$tmp" "$doc"; then mv "$tmp" "$doc"; echo "bench_doc: updated $doc from $tsv"; fi
