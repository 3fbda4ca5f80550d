#!/usr/bin/env bash
# plot.sh INDIR OUTDIR LABEL SCRIPT[=NAME]... - draw plots/SCRIPT.gp as PNG and PDF
# (as NAME.png / NAME.pdf when given; the script must honour the name variable).
# Without gnuplot the data is still there; say what to install and succeed.
set -u
indir=$1 outdir=$2 label=$3; shift 3
if ! command -v gnuplot >/dev/null; then
  echo "plot: gnuplot not found; figures skipped (data is in $indir). Install: apt-get install gnuplot-nox" >&2
  exit 0
fi
mkdir -p "$outdir"
for arg in "$@"; do
  s=${arg%%=*} name=${arg#*=}
  extra=""
  [ "$name" != "$arg" ] && extra="; name='$name'" || name=$s
  for fmt in png pdf; do
    gnuplot -e "indir='$indir'; outdir='$outdir'; fmt='$fmt'; label='$label'$extra" "plots/$s.gp" \
      || { echo "plot: plots/$s.gp failed" >&2; exit 1; }
  done
  echo "plot: $outdir/$name.png, $outdir/$name.pdf"
done
