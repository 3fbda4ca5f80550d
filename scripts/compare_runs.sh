#!/usr/bin/env bash
# compare_runs.sh - compare the data rows (not the '#' header) of the CSV files two runs wrote,
# file by file, and print a markdown summary: per column, how many entries differ and the
# largest relative difference among entries above a floor and below it.  Used to document
# that a rerun reproduces committed results (docs/report/95_provenance.md).
#   usage: scripts/compare_runs.sh COMMITTED_DIR RERUN_DIR [FLOOR=1e-12] > summary.md
set -euo pipefail
a=${1:?committed dir}; b=${2:?rerun dir}; floor=${3:-1e-12}
files=$(cd "$b" && find . -name '*.csv' | sort)
[ -n "$files" ] || { echo "compare_runs: no CSV files under '$b'" >&2; exit 2; }
for f in $files; do
    [ -f "$a/$f" ] || { echo "compare_runs: '$a/$f' missing" >&2; exit 2; }
    paste -d'|' <(grep -v '^#' "$a/$f") <(grep -v '^#' "$b/$f") | awk -F'|' -v f="$f" '
        NR == 1 { n = split($1, h, ","); next }
        { na = split($1, x, ","); nb = split($2, y, ",");
          if (na != nb) { print "compare_runs: " f " row " NR ": column counts differ" > "/dev/stderr"; exit 3 }
          for (i = 1; i <= na; i++) print h[i] "\t" x[i] "\t" y[i] }'
done | awk -F'\t' -v floor="$floor" '
    function abs(v) { return v < 0 ? -v : v }
    { col = $1; tot[col]++; x = $2 + 0; y = $3 + 0
      if ($2 == $3) next
      d[col]++; m = abs(x) > abs(y) ? abs(x) : abs(y); r = m > 0 ? abs(x - y) / m : 0
      if (m > floor) { if (r > hi[col]) hi[col] = r } else { if (r > lo[col]) lo[col] = r } }
    END {
      printf "| column | entries | differ | max rel. diff, values above %s | max rel. diff, values below |\n|---|---:|---:|---:|---:|\n", floor
      for (c in tot) printf "| %s | %d | %d | %.2g | %.2g |\n", c, tot[c], d[c] + 0, hi[c] + 0, lo[c] + 0
    }' | { read -r h1; read -r h2; echo "$h1"; echo "$h2"; sort; }
