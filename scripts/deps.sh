#!/usr/bin/env bash
# deps.sh - check (and, as root, install) the Debian packages the toolkit needs.
#   scripts/deps.sh               install what is missing (apt-get when root)
#   scripts/deps.sh --check-only  exit 1 if anything is missing, install nothing
# Build: gcc make libgsl-dev liblapacke-dev libopenblas-dev libcunit1-dev zlib1g-dev
# Run:   gnuplot-nox (figures; pngcairo and pdfcairo terminals)
set -u
PKGS="gcc make libgsl-dev liblapacke-dev libopenblas-dev libcunit1-dev zlib1g-dev gnuplot-nox libigraph-dev"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "${1:-}" = "--check-only" ]; then
  echo "missing Debian packages:$missing" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "deps: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq $missing >&2 || {
    echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
  exit 0
fi
echo "deps: missing Debian packages:$missing" >&2
echo "deps: run: sudo apt-get install -y$missing" >&2
exit 1
