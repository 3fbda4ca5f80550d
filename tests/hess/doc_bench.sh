#!/bin/bash
# doc_bench.sh - issue 12: docs/nn.md takes its performance figures from
# data/bench.tsv (scripts/bench_doc.sh --check), and the check can fail: a
# stale speed figure, a marked figure that differs from the table and a
# marker naming no row are each refused.  Installed by tests/hess.mk into
# $(BIN)/test_doc_bench with @ROOT@ baked in; exit 1 on any failure.
set -u
cd @ROOT@ || exit 1
fail=0
ok() { echo "  ok: $1"; }
no() { echo "  FAIL: $1"; fail=1; }
if bash scripts/bench_doc.sh --check docs/nn.md data/bench.tsv; then ok "docs/nn.md agrees with data/bench.tsv"
else no "docs/nn.md quotes figures that are not in data/bench.tsv (scripts/bench_doc.sh docs/nn.md updates the marked ones)"; fi
grep -q '<!-- bench:nn.hess_fc_over_all_time -->' docs/nn.md && ok "docs/nn.md states the fc / all Hessian cost from the table" ||
    no "docs/nn.md lacks the marked figure nn.hess_fc_over_all_time"
T=$(mktemp -d /tmp/nso_docbench_XXXXXX)
trap 'rm -rf "$T"' EXIT
printf 'metric\tvalue\tunit\ttarget\n# a comment\nnn.a_images_per_s\t1678\timages/s\t>= 2200\nnn.b_s\t115.2\ts\t< 60\nnn.r\t0.02698\tratio\t<= 0.25\n' > "$T/b.tsv"
expect() { # expect STATUS TEXT DESCRIPTION
    printf '%s\n' "$2" > "$T/d.md"
    bash scripts/bench_doc.sh --check "$T/d.md" "$T/b.tsv" 2>"$T/err"
    local st=$?
    if [ $st = "$1" ]; then ok "$3"; else no "$3 (status $st, wanted $1: $(cat "$T/err"))"; fi
}
expect 0 'Training: 1,678 images/s; Hutchinson 115 s; ratio <!-- bench:nn.r -->0.02698<!-- /bench -->.' "figures of the table pass (commas, rounding to the printed precision)"
expect 1 'Training: 1,143 images/s.' "a stale throughput figure fails"
expect 1 'Hutchinson takes 260 s here.' "a stale time figure fails"
expect 1 'cost <!-- bench:nn.r -->0.03<!-- /bench -->' "a marked figure that differs from the table fails"
expect 1 'cost <!-- bench:nn.missing -->1<!-- /bench -->' "a marker naming no row fails"
# without --check the marked figures are rewritten from the table
printf 'cost <!-- bench:nn.r -->0.03<!-- /bench --> and <!-- bench:nn.b_s -->1<!-- /bench --> s\n' > "$T/d.md"
bash scripts/bench_doc.sh "$T/d.md" "$T/b.tsv" >/dev/null &&
    grep -qx 'cost <!-- bench:nn.r -->0.02698<!-- /bench --> and <!-- bench:nn.b_s -->115.2<!-- /bench --> s' "$T/d.md" &&
    bash scripts/bench_doc.sh --check "$T/d.md" "$T/b.tsv" && ok "the generator writes the table's values" ||
    no "the generator did not write the table's values: $(cat "$T/d.md")"
[ $fail = 0 ] && echo "test_doc_bench: all checks passed" || echo "test_doc_bench: FAILED"
exit $fail
